#pragma once
// Turns 32-bit TCP sequence numbers into 64-bit offsets from a base, so a connection that moves
// more than 4 GiB (or starts near 2^32) never wraps. Each new value is placed nearest to the
// last one seen, which is right as long as consecutive segments are < 2 GiB apart.
#include <cstdint>

namespace h2lens {

class SeqUnwrapper {
public:
    // `base` becomes offset 0.
    void reset(std::uint32_t base) {
        m_lastSeq = base;
        m_lastOffset = 0;
        m_initialised = true;
    }
    bool initialised() const { return m_initialised; }

    // Signed: a segment from before the base (e.g. a retransmission older than the first
    // segment captured) gets a negative offset.
    std::int64_t unwrap(std::uint32_t seq) {
        const auto delta = static_cast<std::int32_t>(seq - m_lastSeq);
        const std::int64_t offset = m_lastOffset + delta;
        // Only move forward: a stray old segment must not drag the reference point back.
        if (delta > 0) {
            m_lastSeq = seq;
            m_lastOffset = offset;
        }
        return offset;
    }

private:
    std::uint32_t m_lastSeq = 0;
    std::int64_t m_lastOffset = 0;
    bool m_initialised = false;
};

}  // namespace h2lens
