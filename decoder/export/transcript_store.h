#pragma once
// The transcripts of a whole capture, kept once it is decoded, so every later export (the GUI's
// File > Export, the selection, JSON or HAR) is written from what was decoded instead of reading
// the capture again. Streams and connections are kept in the order the collector handed them
// out, with their bodies, and replayed in that order into any TranscriptSink: the writers cannot
// tell a replay from a decode, so the bytes are the ones the CLI writes.
//
// Bodies are what makes a store large: past `maxBodyBytes` (all streams together) the store
// keeps recording streams and connections but drops the bodies of the streams that finish after
// that, and says so (complete() is false): their records and sizes stay, and their digests unless
// the store was made with OverBudget::DropDigests; a replay writes them without body text
// ("released"), so a caller that needs the whole document decodes the capture again.
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <variant>

#include "export/transcript_collector.h"
#include "pipeline/analyzer.h"

namespace h2lens {

// What a JSON document says about the capture as a whole, taken from the Analyzer at the end.
struct CaptureTotals {
    AnalyzerStats stats;
    std::size_t tcpConnections = 0;
    std::uint64_t issues = 0;
};

class TranscriptStore final : public TranscriptSink {
  public:
    static constexpr std::uint64_t kDefaultMaxBodyBytes = 256ull * 1024 * 1024;
    // What a body past the budget keeps: its digest (SHA-256 of its bytes, computed as it is
    // dropped), or nothing (the GUI, whose export reads the capture again once the store is
    // incomplete: hashing every later body took a third of its load of a 608 MB capture).
    enum class OverBudget { KeepDigests, DropDigests };
    explicit TranscriptStore(std::uint64_t maxBodyBytes = kDefaultMaxBodyBytes,
                             OverBudget overBudget = OverBudget::KeepDigests)
        : m_maxBodyBytes(maxBodyBytes), m_overBudget(overBudget) {}

    void onStream(const StreamTranscript& s) override;
    bool keepsBody(std::uint64_t bytes) const override {
        return m_bodyBytes + bytes <= m_maxBodyBytes;
    }
    void letGo(BodyCapture& body) const override {
        if (m_overBudget == OverBudget::DropDigests)
            body.discard();
        else
            body.release();
    }
    void onStreamMoved(StreamTranscript&& s) override;
    void onConnection(const ConnectionTranscript& c) override;

    // After the decode: the capture-wide facts a document's header states.
    void setTotals(const Analyzer& analyzer, std::uint64_t issues);
    const CaptureTotals& totals() const { return m_totals; }

    // Every stream and connection, in the order they were stored.
    void replay(TranscriptSink& sink) const;
    // The stream stored last (null before the first, or when a connection came after it). A
    // stored stream never moves and its bytes never change, so a reference to it, or to its
    // bodies, stays good while the store lives, also while later streams are added.
    const StreamTranscript* lastStream() const;

    std::size_t streams() const { return m_streams; }
    std::size_t connections() const { return m_connections; }
    std::uint64_t bodyBytes() const { return m_bodyBytes; }
    // False once a stream's bodies were dropped for the byte budget.
    bool complete() const { return m_droppedBodies == 0; }
    std::uint64_t streamsWithoutBodies() const { return m_droppedBodies; }

  private:
    // The summary and flow record a ConnectionTranscript points to, kept beside it.
    struct StoredConnection {
        ConnectionTranscript transcript;
        std::optional<ConnectionSummary> summary;
        std::optional<FlowRecord> flow;
        bool flowIsSummarys = false;
    };
    using Entry = std::variant<StreamTranscript, std::unique_ptr<StoredConnection>>;
    void keep(StreamTranscript&& s);

    std::uint64_t m_maxBodyBytes;
    OverBudget m_overBudget;
    std::deque<Entry> m_entries;
    std::size_t m_streams = 0;
    std::size_t m_connections = 0;
    std::uint64_t m_bodyBytes = 0;
    std::uint64_t m_droppedBodies = 0;
    CaptureTotals m_totals;
};

}  // namespace h2lens
