#pragma once
// The streams of one connection that are open (not yet reported), the highest id each side has
// opened (RFC 9113 §5.1.1) and who reset the recently reset ones; plus the §5.1 transition an
// END_STREAM makes. The engine decides what is an anomaly and when a record is reported.
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>

#include "h2/h2_records.h"

namespace h2lens {

constexpr bool clientInitiated(std::uint32_t id) {
    return id % 2 == 1;
}

// Applies END_STREAM from the client (`fromClient`) or the server to `s`'s state (§5.1, as the
// client sees it). Returns true when the stream is now closed both ways (the caller closes it).
bool applyEndStream(StreamRecord& s, bool fromClient);

class StreamTable {
  public:
    static constexpr std::size_t kMaxResetKept = 4096;

    StreamRecord* find(std::uint32_t id);
    // The stream with this id, created (id set, `created` true) when it is not open.
    StreamRecord& obtain(std::uint32_t id, bool& created);
    void erase(std::uint32_t id);
    std::map<std::uint32_t, StreamRecord>& open() { return m_open; }

    // Header blocks the open streams keep (Limits::maxOpenStreamHeaderBytes): `block` was just
    // stored in `s`.
    void holdHeaders(StreamRecord& s, const HeaderBlock& block);
    std::size_t heldHeaderBytes() const { return m_heldHeaderBytes; }
    // The open stream with the lowest id (the one open longest) other than `keep`, or null.
    StreamRecord* oldestExcept(std::uint32_t keep);

    // Highest id opened by the client (0) or the server (1).
    std::uint32_t highest(int initiator) const { return m_highest[initiator]; }
    void noteOpened(int initiator, std::uint32_t id);

    // Bounded: beyond kMaxResetKept the lowest ids are forgotten.
    void noteReset(std::uint32_t id, Direction by);
    std::optional<Direction> resetBy(std::uint32_t id) const;

    // Streams reported early to keep within the limits (the recent ones, as for resets): their
    // later frames are not taken for new streams.
    void noteCut(std::uint32_t id);
    bool wasCut(std::uint32_t id) const { return m_cut.count(id) > 0; }

  private:
    std::map<std::uint32_t, StreamRecord> m_open;
    std::size_t m_heldHeaderBytes = 0;
    std::array<std::uint32_t, 2> m_highest{};
    std::map<std::uint32_t, Direction> m_resetBy;
    std::set<std::uint32_t> m_cut;
};

}  // namespace h2lens
