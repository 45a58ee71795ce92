#pragma once
// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) from the transcript, so captures open
// in browser devtools and HAR viewers. One entry per stream that has a request; entries sorted
// by start time. Timings come from frame times:
//   blocked = time the client could not send request DATA for lack of flow-control window,
//   send    = request HEADERS .. request END_STREAM, minus blocked,
//   wait    = request END_STREAM .. first response HEADERS,
//   receive = first response HEADERS .. response END_STREAM (or reset).
// dns/connect/ssl are -1: a capture of one connection cannot attribute them to a request.
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "export/transcript_collector.h"
#include "export/transcript_json.h"

namespace h2lens {

class HarWriter final : public TranscriptSink {
  public:
    HarWriter(const ExportOptions& options, std::ostream& out);
    void setAnalyzer(const Analyzer* analyzer) { m_analyzer = analyzer; }
    // Instead of an Analyzer, for a capture decoded earlier (a TranscriptStore's replay).
    void setStats(const AnalyzerStats& stats, std::uint64_t tcpConnections) {
        m_stats = stats;
        m_tcpConnections = tcpConnections;
    }

    void onStream(const StreamTranscript& s) override;
    void onConnection(const ConnectionTranscript& c) override;
    void finish();

  private:
    struct Pending {
        TimestampNs start;
        std::uint64_t conn;
        std::uint32_t stream;
        Json entry;
        double sendMs;  // before the client's stall time is taken out
    };
    const JsonContext& ctx();

    JsonContext m_ctx;
    std::ostream* m_out;
    const Analyzer* m_analyzer = nullptr;
    std::optional<AnalyzerStats> m_stats;  // setStats()
    std::uint64_t m_tcpConnections = 0;
    std::map<std::uint64_t, std::vector<Pending>> m_open;  // per connection, until it ends
    std::vector<Pending> m_done;
};

// "2026-11-22T10:15:41.775Z": milliseconds, as browsers parse and write them.
std::string harTime(TimestampNs ts);

}  // namespace h2lens
