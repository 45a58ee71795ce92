#include "models/capture_store.h"

#include <algorithm>
#include <set>

namespace h2lens::gui {

void CaptureStore::clear() {
    m_conns.clear();
    m_streams.clear();
    m_connIndex.clear();
    m_streamIndex.clear();
    m_start = m_end = 0;
    m_frames = m_anomalies = 0;
    Q_EMIT cleared();
}

void CaptureStore::apply(DecodeBatch&& b) {
    std::set<int> changed;
    if (!b.connections.empty()) {
        const int first = static_cast<int>(m_conns.size());
        for (auto& nc : b.connections) {
            m_connIndex[nc.info.id] = static_cast<int>(m_conns.size());
            ConnectionData c;
            c.info = nc.info;
            c.firstTs = c.lastTs = nc.firstTs;
            if (m_start == 0 || nc.firstTs < m_start) m_start = nc.firstTs;
            m_end = std::max(m_end, nc.firstTs);
            m_conns.push_back(std::move(c));
        }
        Q_EMIT connectionsAdded(first, static_cast<int>(m_conns.size()) - 1);
    }
    for (auto& f : b.frames) {
        const int i = connectionIndex(f.connId);
        if (i < 0) continue;
        ConnectionData& c = m_conns[i];
        m_frames += f.frames.size();
        m_anomalies += f.anomalies.size();
        c.frames.insert(c.frames.end(), f.frames.begin(), f.frames.end());
        std::move(f.extras.begin(), f.extras.end(), std::back_inserter(c.frameExtras));
        c.tcp.insert(c.tcp.end(), f.tcp.begin(), f.tcp.end());
        std::move(f.anomalies.begin(), f.anomalies.end(), std::back_inserter(c.anomalies));
        for (const TcpMark& t : f.tcp) c.lastTs = std::max(c.lastTs, t.ts);
        c.lastTs = std::max(c.lastTs, f.lastTs);
        m_end = std::max(m_end, c.lastTs);
        changed.insert(i);
    }
    if (!b.streams.empty()) {
        const int first = static_cast<int>(m_streams.size());
        for (StreamData& s : b.streams) {
            const int ci = connectionIndex(s.connId);
            const int si = static_cast<int>(m_streams.size());
            m_streamIndex[key(s.connId, s.rec.id)] = si;
            if (ci >= 0) {
                m_conns[ci].streams.push_back(si);
                changed.insert(ci);
            }
            m_streams.push_back(std::move(s));
        }
        Q_EMIT streamsAdded(first, static_cast<int>(m_streams.size()) - 1);
    }
    for (auto& d : b.done) {
        const int i = connectionIndex(d.connId);
        if (i < 0) continue;
        ConnectionData& c = m_conns[i];
        c.summary = std::move(d.summary);
        c.flow = d.flow;
        c.done = true;
        if (c.flow.lastTs) c.lastTs = std::max(c.lastTs, c.flow.lastTs);
        m_end = std::max(m_end, c.lastTs);
        changed.insert(i);
    }
    for (Finding& f : b.findings) {
        const int i = connectionIndex(f.conn);
        if (i < 0) continue;
        ++m_findings;
        m_conns[i].findings.push_back(std::move(f));
        changed.insert(i);
    }
    for (int i : changed) Q_EMIT connectionChanged(i);
}

int CaptureStore::connectionIndex(std::uint64_t connId) const {
    auto it = m_connIndex.find(connId);
    return it == m_connIndex.end() ? -1 : it->second;
}

const ConnectionData* CaptureStore::connection(std::uint64_t connId) const {
    const int i = connectionIndex(connId);
    return i < 0 ? nullptr : &m_conns[i];
}

int CaptureStore::streamIndex(std::uint64_t connId, std::uint32_t streamId) const {
    auto it = m_streamIndex.find(key(connId, streamId));
    return it == m_streamIndex.end() ? -1 : it->second;
}

const StreamData* CaptureStore::stream(std::uint64_t connId, std::uint32_t streamId) const {
    const int i = streamIndex(connId, streamId);
    return i < 0 ? nullptr : &m_streams[i];
}

std::optional<std::size_t> CaptureStore::findFrame(const ConnectionData& c, Direction dir,
                                                   std::uint64_t offset) const {
    for (std::size_t i = 0; i < c.frames.size(); ++i) {
        if (c.frames[i].dir == dir && c.frames[i].offset == offset) return i;
    }
    return std::nullopt;
}

}  // namespace h2lens::gui
