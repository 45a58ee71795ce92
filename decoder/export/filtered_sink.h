#pragma once
// Passes on the streams a predicate selects, and the connections they belong to, so an export
// of a selection (the CLI's -Y, the GUI's "export selected") is the document of the whole
// capture minus what was not selected. Frames go to connections that are passed on.
#include <cstdint>
#include <functional>
#include <set>

#include "export/transcript_collector.h"

namespace h2lens {

class FilteredTranscriptSink final : public TranscriptSink {
  public:
    using Predicate = std::function<bool(const StreamTranscript&)>;
    FilteredTranscriptSink(TranscriptSink& next, Predicate keep)
        : m_next(&next), m_keep(std::move(keep)) {}

    void onStream(const StreamTranscript& s) override {
        if (!m_keep(s)) return;
        ++m_kept;
        m_conns.insert(s.conn.id);
        m_next->onStream(s);
    }
    void onStreamMoved(StreamTranscript&& s) override {
        if (!m_keep(s)) return;
        ++m_kept;
        m_conns.insert(s.conn.id);
        m_next->onStreamMoved(std::move(s));
    }
    void onConnection(const ConnectionTranscript& c) override {
        if (m_conns.erase(c.info.id)) m_next->onConnection(c);
    }
    void onFrame(const FrameEvent& e) override { m_next->onFrame(e); }

    std::uint64_t kept() const { return m_kept; }

  private:
    TranscriptSink* m_next;
    Predicate m_keep;
    std::set<std::uint64_t> m_conns;  // with a stream passed on, not ended yet
    std::uint64_t m_kept = 0;
};

}  // namespace h2lens
