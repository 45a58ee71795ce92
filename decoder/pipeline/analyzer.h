#pragma once
// The sans-IO front of the pipeline: captured packets in, per-connection byte streams out to
// whatever FlowConsumerFactory the caller plugs in (dumps, the HTTP/2 engine, ...). It never
// opens a file or reads a clock; the CLI, the GUI and live mode all drive it the same way.
#include <cstdint>
#include <string>
#include <vector>

#include "capture/packet.h"
#include "common/issue.h"
#include "common/limits.h"
#include "net/packet_decoder.h"
#include "tcp/flow_table.h"

namespace h2lens {

struct AnalyzerStats {
    std::uint64_t packets = 0;
    std::uint64_t capturedBytes = 0;
    std::uint64_t tcpSegments = 0;
    std::uint64_t issues = 0;
    // TCP segments dropped for SYN together with FIN or RST (one Issue each).
    std::uint64_t impossibleFlagSegments = 0;
    TimestampNs firstTs = 0;  // of the first packet in file order
    TimestampNs lastTs = 0;   // of the last packet in file order
    // Earliest and latest packet times whatever the order (pcapng with several interfaces,
    // clock steps): the capture's duration is maxTs - minTs, not lastTs - firstTs.
    TimestampNs minTs = 0;
    TimestampNs maxTs = 0;
    // Packets whose time is before the previous packet's, and the largest such step. The first
    // step of at least Analyzer::kReportedBackwardsNs is also an Issue (once per capture):
    // microsecond reordering between CPUs or queues is common on loopback and is only counted.
    std::uint64_t backwardsPackets = 0;
    TimestampNs maxBackwardsNs = 0;
};

class Analyzer {
  public:
    // `factory` may be null (flow records only). Both must outlive the analyzer.
    Analyzer(const Limits& limits, FlowConsumerFactory* factory);

    void ingest(const Packet& packet);
    // End of input: flushes every connection.
    void finish();
    // Lets consumers that put work off catch up (before the caller changes what they read,
    // e.g. adds key log lines).
    void flush() { m_flows.flush(); }

    // Problems found in the input since the last call, oldest first. At most
    // `kMaxKeptIssues` are kept between calls; the rest are only counted.
    std::vector<Issue> takeIssues();
    void addIssue(Issue issue);
    static constexpr std::size_t kMaxKeptIssues = 10000;
    static constexpr TimestampNs kReportedBackwardsNs = 1'000'000;  // 1 ms

    const AnalyzerStats& stats() const { return m_stats; }
    const PacketDecoder& packetDecoder() const { return m_decoder; }
    const FlowTable& flows() const { return m_flows; }

  private:
    PacketDecoder m_decoder;
    FlowTable m_flows;
    TcpSegment m_segment;
    std::vector<Issue> m_issues;
    AnalyzerStats m_stats;
    bool m_reportedBackwards = false;
};

}  // namespace h2lens
