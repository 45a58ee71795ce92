#include "pipeline/analyzer.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace h2lens {

namespace {

bool impossibleFlags(std::uint8_t flags) {
    return (flags & tcpflag::Syn) && (flags & (tcpflag::Fin | tcpflag::Rst));
}

}  // namespace

Analyzer::Analyzer(const Limits& limits, FlowConsumerFactory* factory)
    : m_decoder(limits), m_flows(limits, factory) {}

void Analyzer::ingest(const Packet& packet) {
    ++m_stats.packets;
    m_stats.capturedBytes += packet.data.size();
    if (m_stats.packets == 1) {
        m_stats.firstTs = m_stats.minTs = m_stats.maxTs = packet.ts;
    } else {
        if (packet.ts < m_stats.lastTs) {
            ++m_stats.backwardsPackets;
            m_stats.maxBackwardsNs = std::max(m_stats.maxBackwardsNs, m_stats.lastTs - packet.ts);
        }
        if (packet.ts + kReportedBackwardsNs <= m_stats.lastTs && !m_reportedBackwards) {
            m_reportedBackwards = true;
            addIssue({packet.number,
                      fmt::format("time goes backwards: {:.6f} s before the previous packet "
                                  "(reported once; later ones are only counted)",
                                  static_cast<double>(m_stats.lastTs - packet.ts) / 1e9)});
        }
        m_stats.minTs = std::min(m_stats.minTs, packet.ts);
        m_stats.maxTs = std::max(m_stats.maxTs, packet.ts);
    }
    m_stats.lastTs = packet.ts;
    if (m_decoder.decode(packet, m_segment) == PacketDecoder::Outcome::Segment) {
        ++m_stats.tcpSegments;
        if (impossibleFlags(m_segment.flags)) {
            // SYN with FIN or RST: no TCP sends it (RFC 9293 §3.1: SYN opens, FIN and RST
            // close). Passed on, one corrupt packet would end or restart a connection its
            // endpoints went on using; it is a bad packet, so it is dropped with an issue.
            ++m_stats.impossibleFlagSegments;
            addIssue(
                {packet.number,
                 fmt::format("TCP flags SYN and {} together (0x{:02x}): segment ignored",
                             (m_segment.flags & tcpflag::Rst) ? "RST" : "FIN", m_segment.flags)});
        } else {
            m_flows.addSegment(m_segment);
        }
    }
    for (Issue& issue : m_decoder.takeIssues()) addIssue(std::move(issue));
}

void Analyzer::finish() {
    m_decoder.finish();
    for (Issue& issue : m_decoder.takeIssues()) addIssue(std::move(issue));
    m_flows.finish(m_stats.lastTs);
}

void Analyzer::addIssue(Issue issue) {
    ++m_stats.issues;
    if (m_issues.size() < kMaxKeptIssues) m_issues.push_back(std::move(issue));
}

std::vector<Issue> Analyzer::takeIssues() {
    return std::exchange(m_issues, {});
}

}  // namespace h2lens
