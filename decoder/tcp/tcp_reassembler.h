#pragma once
// One direction of a TCP connection: segments in, an in-order byte stream out. Out-of-order
// segments are buffered (bounded); retransmitted and overlapping bytes are dropped, and an overlap
// whose bytes differ from what was kept is reported. A hole that will never be filled becomes an
// explicit gap event (offset, length) and delivery goes on after it. Gaps are never bytes.
//
// A hole is declared lost when: the buffered bytes or segments pass their cap (per direction, or
// all directions of the flow table together); the peer has
// acknowledged past the hole several times (the receiver got bytes the capture missed: a real
// network loss keeps the cumulative ACK at the hole); or at flush (FIN/RST/end of capture).
#include <cstdint>
#include <map>

#include "common/bytes.h"
#include "common/limits.h"
#include "tcp/seq_unwrapper.h"

namespace h2lens {

class ReassemblySink {
  public:
    virtual ~ReassemblySink() = default;
    virtual void onBytes(std::uint64_t offset, ByteSpan data, TimestampNs ts,
                         std::uint64_t packet) = 0;
    virtual void onGap(std::uint64_t offset, std::uint64_t length, TimestampNs ts) = 0;
    // Bytes seen twice with different contents; the first copy is the one delivered.
    virtual void onOverlapMismatch(std::uint64_t offset, std::uint64_t length,
                                   std::uint64_t packet) = 0;
};

enum class SegmentClass : std::uint8_t {
    Empty,           // no payload (pure ACK, SYN, FIN, RST)
    InOrder,         // delivered at once
    OutOfOrder,      // buffered ahead of a hole
    Retransmission,  // every byte already seen
    PartialOverlap,  // some bytes already seen, some new
    BeforeStart,     // older than the first byte this direction delivered
    AfterFin,        // data past this direction's FIN
};

struct ReassemblyStats {
    std::uint64_t segments = 0;
    std::uint64_t deliveredBytes = 0;
    std::uint64_t retransmittedSegments = 0;
    std::uint64_t retransmittedBytes = 0;
    std::uint64_t outOfOrderSegments = 0;
    std::uint64_t overlapMismatches = 0;
    std::uint64_t gaps = 0;
    std::uint64_t gapBytes = 0;
    std::uint64_t capForcedGaps = 0;  // holes given up on because the buffer cap was reached
    std::uint64_t bufferedPeakBytes = 0;
};

class TcpReassembler {
  public:
    // `sharedBuffered`, when given, is the out-of-order bytes of every direction of a flow table
    // together: this direction keeps its share in it (and gives it back when destroyed), and
    // gives up its own holes before that sum passes Limits::maxOutOfOrderBytesTotal.
    explicit TcpReassembler(const Limits& limits, std::size_t* sharedBuffered = nullptr)
        : m_limits(&limits), m_sharedBuffered(sharedBuffered) {}
    ~TcpReassembler() {
        if (m_sharedBuffered) *m_sharedBuffered -= m_bufferedBytes;
    }
    TcpReassembler(const TcpReassembler&) = delete;
    TcpReassembler& operator=(const TcpReassembler&) = delete;

    bool started() const { return m_seq.initialised(); }
    // A SYN: the data starts at isn + 1.
    void onSyn(std::uint32_t isn);
    SegmentClass addSegment(std::uint32_t seq, ByteSpan payload, bool fin, TimestampNs ts,
                            std::uint64_t packet, ReassemblySink& sink);
    // The peer acknowledged `ack` (cumulative). May declare a gap (see the header comment).
    void onPeerAck(std::uint32_t ack, TimestampNs ts, ReassemblySink& sink);
    // Delivers everything buffered, with gaps for the holes; trailing bytes the peer acknowledged
    // but the capture never saw are a gap too.
    void flush(TimestampNs ts, ReassemblySink& sink);

    std::uint64_t nextOffset() const { return m_next; }
    bool finReached() const { return m_finSeen && m_next >= m_finOffset; }
    std::size_t bufferedBytes() const { return m_bufferedBytes; }
    const ReassemblyStats& stats() const { return m_stats; }

  private:
    struct Pending {
        Bytes data;
        TimestampNs ts;
        std::uint64_t packet;
    };
    void start(std::uint32_t firstSeq);
    void deliverPending(ReassemblySink& sink);
    void declareGapToFirstPending(TimestampNs ts, ReassemblySink& sink);
    bool store(std::uint64_t offset, ByteSpan data, TimestampNs ts, std::uint64_t packet,
               ReassemblySink& sink);
    void compareOverlap(std::uint64_t offset, ByteSpan fresh, const Pending& kept,
                        std::uint64_t keptOffset, std::uint64_t packet, ReassemblySink& sink);

    const Limits* m_limits;
    std::size_t* m_sharedBuffered;
    SeqUnwrapper m_seq;
    std::uint64_t m_next = 0;
    std::map<std::uint64_t, Pending> m_pending;
    std::size_t m_bufferedBytes = 0;
    bool m_finSeen = false;
    std::uint64_t m_finOffset = 0;
    std::uint64_t m_highestAck = 0;
    bool m_ackSeen = false;
    int m_acksPastHole = 0;
    ReassemblyStats m_stats;
};

}  // namespace h2lens
