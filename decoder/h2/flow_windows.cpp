#include "h2/flow_windows.h"

namespace h2lens {

void FlowWindows::startStream(StreamRecord& s, TimestampNs ts, std::int64_t clientSends,
                              std::int64_t serverSends) {
    s.window[0].push_back(WindowPoint{ts, clientSends});
    s.window[1].push_back(WindowPoint{ts, serverSends});
}

std::int64_t FlowWindows::chargeData(Direction sender, StreamRecord& s, std::uint32_t length,
                                     bool more, TimestampNs ts) {
    const int d = index(sender);
    chargeConnection(sender, length, ts);
    const std::int64_t sw = s.window[d].back().value - length;
    s.window[d].push_back(WindowPoint{ts, sw});
    updateStall(sender, s.id, more && sw <= 0, ts);
    updateStall(sender, 0, more && m_conn[d] <= 0, ts);
    return sw;
}

void FlowWindows::chargeConnection(Direction sender, std::uint32_t length, TimestampNs ts) {
    const int d = index(sender);
    m_conn[d] -= length;
    m_series[d].push_back(WindowPoint{ts, m_conn[d]});
}

std::int64_t FlowWindows::openConnection(Direction sender, std::uint32_t increment,
                                         TimestampNs ts) {
    const int d = index(sender);
    m_conn[d] += increment;
    m_series[d].push_back(WindowPoint{ts, m_conn[d]});
    if (m_conn[d] > 0) updateStall(sender, 0, false, ts);
    return m_conn[d];
}

std::int64_t FlowWindows::openStream(Direction sender, StreamRecord& s, std::uint32_t increment,
                                     TimestampNs ts) {
    const int d = index(sender);
    const std::int64_t w = s.window[d].back().value + increment;
    s.window[d].push_back(WindowPoint{ts, w});
    if (w > 0) updateStall(sender, s.id, false, ts);
    return w;
}

std::int64_t FlowWindows::shiftStream(Direction sender, StreamRecord& s, std::int64_t delta,
                                      bool senderDone, TimestampNs ts) {
    const int d = index(sender);
    const std::int64_t w = s.window[d].back().value + delta;
    s.window[d].push_back(WindowPoint{ts, w});
    updateStall(sender, s.id, w <= 0 && !senderDone, ts);
    return w;
}

void FlowWindows::streamClosed(std::uint32_t streamId, TimestampNs ts) {
    for (int d = 0; d < 2; ++d) updateStall(static_cast<Direction>(d), streamId, false, ts);
}

void FlowWindows::finish(TimestampNs ts) {
    for (auto& stall : *m_stalls) {
        if (!stall.end) stall.end = ts;
    }
    m_openStalls.clear();
}

void FlowWindows::updateStall(Direction sender, std::uint32_t streamId, bool blocked,
                              TimestampNs ts) {
    const auto key = std::make_pair(index(sender), streamId);
    auto it = m_openStalls.find(key);
    if (blocked && it == m_openStalls.end()) {
        m_stalls->push_back(FlowStall{sender, streamId, ts, std::nullopt});
        m_openStalls.emplace(key, m_stalls->size() - 1);
    } else if (!blocked && it != m_openStalls.end()) {
        (*m_stalls)[it->second].end = ts;
        m_openStalls.erase(it);
    }
}

}  // namespace h2lens
