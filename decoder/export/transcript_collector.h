#pragma once
// The H2Listener of the export layer: adds to the engine's records what only exports need:
// each stream's body bytes (the engine counts them but keeps none; DATA spans are only valid
// during onFrame, so they are copied here, up to ExportOptions::maxRetainedBody) and a running
// SHA-256, per-connection anomalies, and frame events. Only open streams are held, so memory
// stays bounded on captures of any size; finished streams go to the sink at once.
#include <map>
#include <memory>
#include <utility>

#include "audit/audit_watch.h"
#include "export/transcript.h"
#include "h2/h2_listener.h"
#include "pipeline/analyzer.h"

namespace h2lens {

class TranscriptSink {
  public:
    virtual ~TranscriptSink() = default;
    // A stream finished; called before its connection's onConnection.
    virtual void onStream(const StreamTranscript&) = 0;
    // The same, for sinks that keep the transcript (bodies included) beyond the call.
    virtual void onStreamMoved(StreamTranscript&& s) { onStream(s); }
    // Last call for a connection (HTTP/2 or not).
    virtual void onConnection(const ConnectionTranscript&) = 0;
    // Every frame, when ExportOptions::frames is set. Spans in the event live only for the call.
    virtual void onFrame(const FrameEvent&) {}
    // Whether the sink could keep a stream holding `bytes` of body (both directions) if it
    // ended now. A sink with a budget (TranscriptStore) says no once it could not; since its
    // room only shrinks, the collector then lets that stream's bodies go at once (letGo), marks
    // the transcript (bodiesDroppedForSink) and copies none of the rest.
    virtual bool keepsBody(std::uint64_t /*bytes*/) const { return true; }
    virtual void letGo(BodyCapture& body) const { body.release(); }
};

class TranscriptCollector final : public H2Listener {
  public:
    // TCP figures come from each connection's summary (ConnectionSummary::flow). With `audit`
    // (which must hear each event first: ListenerTee(audit, collector)), each connection carries
    // the findings the audit made on it.
    TranscriptCollector(const ExportOptions& options, TranscriptSink* sink,
                        const AuditWatch* audit = nullptr)
        : m_options(&options), m_sink(sink), m_audit(audit) {}

    void onFrame(const FrameEvent& ev) override;
    void onStreamDone(const ConnectionInfo& conn, const StreamRecord& s) override;
    void onAnomaly(const ConnectionInfo& conn, const Anomaly& a) override;
    void onConnectionDone(const ConnectionInfo& conn, const ConnectionSummary& summary) override;

    // Streams whose bodies are being collected right now (for tests of the memory bound).
    std::size_t openBodies() const { return m_bodies.size(); }
    // Body bytes held for them (capacity), and how many bodies were let go to stay under
    // ExportOptions::maxRetainedTotal.
    std::size_t heldBodyBytes() const { return m_held; }
    std::uint64_t releasedBodies() const { return m_released; }
    // Streams whose bodies were let go while open because the sink had no room for them.
    std::uint64_t droppedForSink() const { return m_droppedForSink; }

  private:
    using Key = std::pair<std::uint64_t, std::uint32_t>;  // (connection, stream)
    struct Bodies {
        BodyCapture dir[2];
        TimestampNs lastData = 0;
        bool droppedForSink = false;  // TranscriptSink::keepsBody said no
        std::size_t held() const { return dir[0].retained.capacity() + dir[1].retained.capacity(); }
    };
    struct ConnState {
        std::vector<Anomaly> anomalies;
        std::uint64_t dropped = 0;
    };

    const ExportOptions* m_options;
    TranscriptSink* m_sink;
    const AuditWatch* m_audit;
    // Counts what `f` changes in the bytes held, then keeps them under maxRetainedTotal.
    template <class F>
    void change(Bodies& b, F&& f);
    void releaseIdlest(const Bodies* keep);

    std::map<Key, std::unique_ptr<Bodies>> m_bodies;
    std::size_t m_held = 0;  // retained capacity over m_bodies
    std::uint64_t m_released = 0;
    std::uint64_t m_droppedForSink = 0;
    std::map<std::uint64_t, ConnState> m_conns;
};

}  // namespace h2lens
