#include "pipeline/analyzer.h"

#include <utility>

namespace h2lens {

Analyzer::Analyzer(const Limits& limits, FlowConsumerFactory* factory)
    : m_decoder(limits), m_flows(limits, factory) {}

void Analyzer::ingest(const Packet& packet) {
    ++m_stats.packets;
    m_stats.capturedBytes += packet.data.size();
    if (m_stats.packets == 1) m_stats.firstTs = packet.ts;
    m_stats.lastTs = packet.ts;
    if (m_decoder.decode(packet, m_segment) == PacketDecoder::Outcome::Segment) {
        ++m_stats.tcpSegments;
        m_flows.addSegment(m_segment);
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
