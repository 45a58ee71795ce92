#include "export/transcript_store.h"

namespace h2lens {

void TranscriptStore::onStream(const StreamTranscript& s) {
    StreamTranscript copy = s;
    keep(std::move(copy));
}

void TranscriptStore::onStreamMoved(StreamTranscript&& s) {
    keep(std::move(s));
}

void TranscriptStore::keep(StreamTranscript&& s) {
    const std::uint64_t bytes = s.body[0].retained.size() + s.body[1].retained.size();
    if (s.bodiesDroppedForSink) {
        ++m_droppedBodies;  // let go by the collector already, when this store had no room
    } else if (bytes > 0 && !keepsBody(bytes)) {
        // The stream stays (its record, sizes and digests are exact); its bytes do not.
        ++m_droppedBodies;
        for (BodyCapture& b : s.body) letGo(b);
    } else {
        m_bodyBytes += bytes;
    }
    ++m_streams;
    m_entries.emplace_back(std::move(s));
}

void TranscriptStore::onConnection(const ConnectionTranscript& c) {
    auto stored = std::make_unique<StoredConnection>();
    stored->transcript = c;
    if (c.summary) stored->summary = *c.summary;
    // A flow that is the summary's own record stays that (the writers may compare them).
    stored->flowIsSummarys = c.flow && c.summary && c.summary->flow && c.flow == &*c.summary->flow;
    if (c.flow && !stored->flowIsSummarys) stored->flow = *c.flow;
    ++m_connections;
    m_entries.emplace_back(std::move(stored));
}

void TranscriptStore::setTotals(const Analyzer& analyzer, std::uint64_t issues) {
    m_totals.stats = analyzer.stats();
    m_totals.tcpConnections = analyzer.flows().records().size();
    m_totals.issues = issues;
}

const StreamTranscript* TranscriptStore::lastStream() const {
    return m_entries.empty() ? nullptr : std::get_if<StreamTranscript>(&m_entries.back());
}

void TranscriptStore::replay(TranscriptSink& sink) const {
    for (const Entry& e : m_entries) {
        if (const auto* s = std::get_if<StreamTranscript>(&e)) {
            sink.onStream(*s);
            continue;
        }
        const StoredConnection& c = *std::get<std::unique_ptr<StoredConnection>>(e);
        // The pointers of the copy point at the copies kept beside it.
        ConnectionTranscript t = c.transcript;
        t.summary = c.summary ? &*c.summary : nullptr;
        t.flow = c.flowIsSummarys ? &*c.summary->flow : c.flow ? &*c.flow : nullptr;
        sink.onConnection(t);
    }
}

}  // namespace h2lens
