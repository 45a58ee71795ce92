#pragma once
// The JSON shapes of the transcript (docs/transcript.md, docs/transcript.schema.json). Keys are
// inserted in a fixed order (nlohmann::ordered_json) and every value derives from the capture,
// so two runs on one file give identical bytes. Times are seconds since the first packet
// ("t"-style doubles) unless the key ends in "_epoch".
#include <deque>
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

// Writes some string values of a tree itself when it is turned into text (appendJson): gets
// each string value, by reference into the tree, and returns true when it appended the literal.
class JsonStringWriter {
  public:
    virtual ~JsonStringWriter() = default;
    virtual bool write(std::string& out, const std::string& value) = 0;
};

// Body bytes written straight into the text (an NDJSON line) instead of being copied into the
// tree as a string and then copied again (and again whenever an ordered_json object grows and
// copies its members): the tree holds a short placeholder that names a slot with a token no
// string from a capture can know. The bytes must outlive the text's writing; keep() holds bytes
// that would not (a decoded body, a gRPC payload).
class BodyTextSlots final : public JsonStringWriter {
  public:
    // The placeholder to put in the tree for these bytes.
    std::string add(ByteSpan bytes, bool text);
    ByteSpan keep(Bytes bytes);
    bool write(std::string& out, const std::string& value) override;

  private:
    struct Slot {
        ByteSpan bytes;
        bool text;
    };
    std::vector<Slot> m_slots;
    std::deque<Bytes> m_kept;
};

struct JsonContext {
    const ExportOptions* options;
    Redactor redactor;
    TimestampNs base = 0;  // the capture's first packet
    // Set while building a tree that is written with these slots as its string writer.
    BodyTextSlots* bodySlots = nullptr;
    double t(TimestampNs ts) const { return static_cast<double>(ts - base) / 1e9; }
};

// The start of every NDJSON line: {"record": kind} and, when asked, "capture": the capture's tag.
Json recordHead(std::string_view kind, const JsonContext& ctx);

// The connection's `http2.tls` object, from the summary's fields (absent values are null).
Json tlsJson(const TlsFacts& tls);

// A TCP direction's packets, bytes, retransmissions, gaps (also `flows --json`).
Json directionStatsJson(const DirectionStats& d);

// [[name, value], ...] in wire order.
Json headerListJson(const HeaderBlock& b, const Redactor& r);
// {"t", "headers", "hpack": [...], "hpack_error"?, "end_stream"}
Json headerBlockJson(const HeaderBlock& b, const JsonContext& ctx);
// `body` object; `contentEncoding`/`contentType`/`grpcEncoding` come from the headers.
Json bodyJson(const BodyCapture& body, std::string_view contentEncoding, const JsonContext& ctx);
// `grpc` object of one direction: messages with raw protobuf decodes.
Json grpcJson(const BodyCapture& body, std::string_view grpcEncoding, const JsonContext& ctx);
Json protobufJson(ByteSpan bytes);

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
