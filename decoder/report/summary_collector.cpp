#include "report/summary_collector.h"

#include <fmt/format.h>

#include <algorithm>

#include "h2/names.h"

namespace h2lens {

bool SummaryConnection::http2() const {
    return detection == Http2Detection::PriorKnowledge || detection == Http2Detection::Upgrade ||
           detection == Http2Detection::MidStream ||
           (detection == Http2Detection::Tls && decrypted);
}

void SummaryCollector::onStreamDone(const ConnectionInfo& c, const StreamRecord& s) {
    ++m_allStreams;
    if (!m_filter.empty()) {
        if (!m_front.judge(c.id, s)) return;
        m_matched.insert({c.id, s.id});
        m_matchedConns.insert(c.id);
    }
    SummaryStream r{c.id, s.id, "", "", "", -1, s.end, s.responseBodyBytes};
    if (s.request) {
        r.method = s.request->value(":method");
        r.path = s.request->value(":path");
    }
    if (s.response) r.status = s.response->value(":status");
    if (s.requestStart && s.closed)
        r.durationMs = static_cast<double>(*s.closed - *s.requestStart) / 1e6;
    m_streams.push_back(std::move(r));
}

void SummaryCollector::onAnomaly(const ConnectionInfo& c, const Anomaly& a) {
    auto& g = m_filter.empty() ? m_anomalies[a.name] : m_perStream[{c.id, a.streamId, a.name}];
    if (g.count++ == 0) {
        g.rfc = a.rfc;
        g.example = fmt::format("conn {} stream {} {}: {}", c.id, a.streamId, directionName(a.dir),
                                a.detail);
    }
}

void SummaryCollector::onConnectionDone(const ConnectionInfo& c, const ConnectionSummary& s) {
    m_connections.push_back(
        {c, s.detection, s.detectionDetail, s.tlsDecrypted, s.streams, s.anomalies, s.stalls});
}

bool SummaryCollector::selected(std::uint64_t conn, std::uint32_t stream) const {
    if (m_filter.empty()) return true;
    return stream == 0 ? m_matchedConns.count(conn) > 0 : m_matched.count({conn, stream}) > 0;
}

bool SummaryCollector::connectionSelected(std::uint64_t conn) const {
    return m_filter.empty() || m_matchedConns.count(conn) > 0;
}

void SummaryCollector::settle() {
    for (auto& [key, g] : m_perStream) {
        const auto& [conn, stream, name] = key;
        if (!selected(conn, stream)) continue;
        auto& into = m_anomalies[name];
        if (into.count == 0) {
            into.rfc = g.rfc;
            into.example = g.example;
        }
        into.count += g.count;
    }
    m_perStream.clear();
}

std::size_t SummaryCollector::http2Connections() const {
    return static_cast<std::size_t>(std::count_if(m_connections.begin(), m_connections.end(),
                                                  [](const auto& c) { return c.http2(); }));
}

std::uint64_t SummaryCollector::anomalyCount() const {
    std::uint64_t n = 0;
    for (const auto& [name, g] : m_anomalies) n += g.count;
    return n;
}

std::vector<const SummaryConnection*> SummaryCollector::shownConnections() const {
    std::vector<const SummaryConnection*> out;
    for (const auto& c : m_connections) {
        if (connectionSelected(c.info.id)) out.push_back(&c);
    }
    return out;
}

std::map<std::string, std::size_t> SummaryCollector::streamsByStatus() const {
    std::map<std::string, std::size_t> out;
    for (const auto& s : m_streams) ++out[s.status.empty() ? "none" : s.status];
    return out;
}

std::map<std::string, std::size_t> SummaryCollector::streamsByEnd() const {
    std::map<std::string, std::size_t> out;
    for (const auto& s : m_streams) ++out[std::string(streamEndName(s.end))];
    return out;
}

std::vector<const SummaryStream*> SummaryCollector::slowestStreams() const {
    std::vector<const SummaryStream*> slow;
    for (const auto& s : m_streams) {
        if (s.durationMs >= 0) slow.push_back(&s);
    }
    std::sort(slow.begin(), slow.end(),
              [](auto* a, auto* b) { return a->durationMs > b->durationMs; });
    return slow;
}

std::vector<SummaryStall> SummaryCollector::stallsLongestFirst() const {
    std::vector<SummaryStall> stalls;
    for (const auto& c : m_connections) {
        for (const auto& s : c.stalls) {
            if (!selected(c.info.id, s.streamId)) continue;
            stalls.push_back(
                {c.info.id, s, s.end ? static_cast<double>(*s.end - s.start) / 1e6 : 0});
        }
    }
    std::sort(stalls.begin(), stalls.end(),
              [](const auto& a, const auto& b) { return a.ms > b.ms; });
    return stalls;
}

}  // namespace h2lens
