#pragma once
// The JSON shapes of the transcript (docs/transcript.md, docs/transcript.schema.json). Keys are
// inserted in a fixed order (nlohmann::ordered_json) and every value derives from the capture,
// so two runs on one file give identical bytes. Times are seconds since the first packet
// ("t"-style doubles) unless the key ends in "_epoch".
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "export/transcript.h"
#include "pipeline/analyzer.h"

namespace h2lens {

using Json = nlohmann::ordered_json;

inline constexpr std::string_view kExportVersion = "0.1.0";
inline constexpr std::string_view kRedacted = "[REDACTED]";

// Header names whose values are replaced by kRedacted everywhere.
class Redactor {
  public:
    Redactor() = default;
    explicit Redactor(const std::vector<std::string>& names);
    bool hides(std::string_view name) const;
    std::string value(const HeaderField& f) const;  // the field's value, hidden or "?pre-capture#3"
    std::string name(const HeaderField& f) const;

  private:
    std::vector<std::string> m_names;  // lowercased
};

struct JsonContext {
    const ExportOptions* options;
    Redactor redactor;
    TimestampNs base = 0;  // the capture's first packet
    double t(TimestampNs ts) const { return static_cast<double>(ts - base) / 1e9; }
};

// The start of every NDJSON line: {"record": kind} and, when asked, "capture": the capture's tag.
Json recordHead(std::string_view kind, const JsonContext& ctx);
class JsonOut;
// The same members, written into an object `out` has open.
void writeRecordHead(JsonOut& out, std::string_view kind, const JsonContext& ctx);

// The connection's `http2.tls` object, from the summary's fields (absent values are null).
Json tlsJson(const TlsFacts& tls);

// A TCP direction's packets, bytes, retransmissions, gaps (also `flows --json`).
Json directionStatsJson(const DirectionStats& d);

// [[name, value], ...] in wire order.
Json headerListJson(const HeaderBlock& b, const Redactor& r);

// The raw protobuf decode of a message (`protoc --decode_raw`-like), as the export writes it.
Json protobufJson(ByteSpan bytes);

// The members of a stream's object (docs/transcript.md), written into an object `out` has open.
void writeStreamMembers(JsonOut& out, const StreamTranscript& s, const JsonContext& ctx);
Json streamJson(const StreamTranscript& s, const JsonContext& ctx);
// A stream's end as the JSON words it: "complete", "incomplete", "reset", "refused_by_goaway"
// (the export's end.kind and the flat records' end_kind).
std::string_view endKindName(StreamEnd end);
// Everything but "streams" and "frames".
Json connectionJson(const ConnectionTranscript& c, const JsonContext& ctx);
// The same object `h2lens frames --json` prints for one frame.
Json frameJson(const FrameEvent& ev, const JsonContext& ctx);

struct CaptureFacts {
    std::string sourceFile;
    AnalyzerStats stats;
    std::uint64_t tcpConnections = 0;
    std::uint64_t http2Connections = 0;
    std::uint64_t streams = 0;
    std::uint64_t anomalies = 0;
    std::uint64_t issues = 0;
};
Json headerJson(const CaptureFacts& facts);

// "2026-11-22T10:15:41.775315000Z"
std::string isoTime(TimestampNs ts);

}  // namespace h2lens
