#pragma once
// Writes the transcript as one JSON document ({"h2lens": {...}, "connections": [...]}) or as
// NDJSON (one record per line, streams as they finish). The document form holds each
// connection's streams until the connection ends; the NDJSON form holds nothing, so its memory
// is what the TranscriptCollector holds for open streams.
//
// NDJSON records, each an object with "record" first:
//   {"record":"stream","conn":N,"client":..,"server":.., <stream fields>}
//   {"record":"frame", <frames --json fields>}            (with ExportOptions::frames)
//   {"record":"connection", <connection fields>}          after that connection's streams
//   {"record":"capture","h2lens":{...}}                   last line
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "export/line_scheduler.h"
#include "export/transcript_collector.h"
#include "export/transcript_json.h"

namespace h2lens {

class JsonWriter final : public TranscriptSink {
  public:
    enum class Format : std::uint8_t { Document, Ndjson };
    JsonWriter(const ExportOptions& options, Format format, std::ostream& out);
    void setAnalyzer(const Analyzer* analyzer) { m_analyzer = analyzer; }
    // Instead of an Analyzer, for a capture decoded earlier (a TranscriptStore's replay).
    void setStats(const AnalyzerStats& stats, std::uint64_t tcpConnections) {
        m_stats = stats;
        m_tcpConnections = tcpConnections;
    }

    void onStream(const StreamTranscript& s) override;
    // NDJSON with a scheduler: the stream is hashed and serialised by a scheduler's job; lines
    // still come out in the order the streams finished.
    void onStreamMoved(StreamTranscript&& s) override;

    // NDJSON only: from now on every line goes through `scheduler`, which writes it (to the same
    // stream) itself. It must outlive the writer's last call (finish()).
    void setScheduler(LineScheduler* scheduler) { m_scheduler = scheduler; }
    void onConnection(const ConnectionTranscript& c) override;
    void onFrame(const FrameEvent& ev) override;

    // After Analyzer::finish(): writes the document, or the NDJSON "capture" line.
    void finish(const std::string& sourceFile, std::uint64_t issues);

  private:
    const JsonContext& ctx();
    void writeLine(const Json& j);
    void writeText(std::string text);
    static std::string streamLine(const StreamTranscript& s, const JsonContext& ctx);

    JsonContext m_ctx;
    Format m_format;
    std::ostream* m_out;
    const Analyzer* m_analyzer = nullptr;
    std::optional<AnalyzerStats> m_stats;  // setStats()
    std::uint64_t m_tcpConnections = 0;
    std::map<std::uint64_t, std::map<std::uint32_t, Json>> m_streams;  // document: open conns
    std::map<std::uint64_t, Json> m_frames;                            // document: open conns
    std::map<std::uint64_t, Json> m_connections;                       // document: done conns
    CaptureFacts m_facts;
    std::shared_ptr<const JsonContext> m_sharedCtx;  // what jobs read; replaced, never changed
    LineScheduler* m_scheduler = nullptr;
};

// True for the detections whose frames h2lens decoded.
bool decodedHttp2(Http2Detection d);
// The connection carried HTTP/2 that was decoded: h2c, mid-connection, or TLS that was decrypted
// with h2 inside (what the summary counts as "HTTP/2").
bool decodedHttp2(const ConnectionSummary& s);

}  // namespace h2lens
