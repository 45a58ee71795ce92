#include "export/transcript_collector.h"

#include <charconv>
#include <optional>

namespace h2lens {

namespace {

// The value of a content-length field, if the block has one that is a plain number.
std::optional<std::uint64_t> contentLength(const HeaderBlock& block) {
    for (const HeaderField& f : block.fields) {
        if (f.name != "content-length") continue;
        std::uint64_t n = 0;
        const char* end = f.value.data() + f.value.size();
        const auto r = std::from_chars(f.value.data(), end, n);
        if (r.ec != std::errc() || r.ptr != end) return std::nullopt;
        return n;
    }
    return std::nullopt;
}

}  // namespace

template <class F>
void TranscriptCollector::change(Bodies& b, F&& f) {
    m_held -= b.held();
    f();
    m_held += b.held();
    if (m_held > m_options->maxRetainedTotal) releaseIdlest(&b);
}

void TranscriptCollector::releaseIdlest(const Bodies* keep) {
    // Rare (streams left open by gaps pile up only slowly), so a scan is enough.
    while (m_held > m_options->maxRetainedTotal) {
        Bodies* idlest = nullptr;
        for (auto& [key, b] : m_bodies) {
            if (b.get() == keep || b->held() == 0) continue;
            if (!idlest || b->lastData < idlest->lastData) idlest = b.get();
        }
        if (!idlest) return;  // only the stream receiving now holds bytes
        m_held -= idlest->held();
        for (BodyCapture& d : idlest->dir) {
            if (!d.released() && (d.retained.capacity() > 0 || d.size > 0)) {
                d.release();
                ++m_released;
            }
        }
    }
}

void TranscriptCollector::onFrame(const FrameEvent& ev) {
    const Frame& f = *ev.frame;
    if (ev.headers && f.streamId != 0 && !ev.headers->fields.empty()) {
        if (auto n = contentLength(*ev.headers); n && *n > 0) {
            auto& slot = m_bodies[{ev.conn->id, f.streamId}];
            if (!slot) slot = std::make_unique<Bodies>();
            change(*slot, [&] {
                slot->dir[static_cast<int>(ev.dir)].expect(*n, m_options->maxRetainedBody);
            });
        }
    }
    if (f.frameType() == FrameType::Data && f.streamId != 0 && !f.error) {
        auto& slot = m_bodies[{ev.conn->id, f.streamId}];
        if (!slot) slot = std::make_unique<Bodies>();
        slot->lastData = f.ts;
        change(*slot, [&] {
            slot->dir[static_cast<int>(ev.dir)].append(f.data, m_options->maxRetainedBody);
        });
        const std::uint64_t held = slot->dir[0].retained.size() + slot->dir[1].retained.size();
        if (m_sink && !slot->droppedForSink && held > 0 && !m_sink->keepsBody(held)) {
            // Copying the rest would be for nothing: the sink lets it go when the stream ends.
            change(*slot, [&] {
                for (BodyCapture& d : slot->dir) m_sink->letGo(d);
            });
            slot->droppedForSink = true;
            ++m_droppedForSink;
        }
    }
    if (m_options->frames && m_sink) m_sink->onFrame(ev);
}

void TranscriptCollector::onStreamDone(const ConnectionInfo& conn, const StreamRecord& s) {
    StreamTranscript t;
    t.conn = conn;
    t.record = s;
    if (auto it = m_bodies.find({conn.id, s.id}); it != m_bodies.end()) {
        m_held -= it->second->held();
        t.body[0] = std::move(it->second->dir[0]);
        t.body[1] = std::move(it->second->dir[1]);
        t.bodiesDroppedForSink = it->second->droppedForSink;
        m_bodies.erase(it);
    }
    if (m_sink) m_sink->onStreamMoved(std::move(t));
}

void TranscriptCollector::onAnomaly(const ConnectionInfo& conn, const Anomaly& a) {
    ConnState& c = m_conns[conn.id];
    if (c.anomalies.size() < m_options->maxAnomalies)
        c.anomalies.push_back(a);
    else
        ++c.dropped;
}

void TranscriptCollector::onConnectionDone(const ConnectionInfo& conn,
                                           const ConnectionSummary& summary) {
    // DATA on streams the engine never reported (closed or unknown ids) is dropped here.
    const auto from = m_bodies.lower_bound({conn.id, 0});
    const auto to = m_bodies.upper_bound({conn.id, UINT32_MAX});
    for (auto it = from; it != to; ++it) m_held -= it->second->held();
    m_bodies.erase(from, to);
    ConnectionTranscript t;
    t.info = conn;
    t.summary = &summary;
    if (summary.flow) t.flow = &*summary.flow;
    if (auto it = m_conns.find(conn.id); it != m_conns.end()) {
        t.anomalies = std::move(it->second.anomalies);
        t.droppedAnomalies = it->second.dropped;
        m_conns.erase(it);
    }
    if (m_audit) t.findings = m_audit->findingsOf(conn.id);
    if (m_sink) m_sink->onConnection(t);
}

}  // namespace h2lens
