#include "tcp/tcp_reassembler.h"

#include <algorithm>
#include <cstring>
#include <iterator>

namespace h2lens {

namespace {
// Several ACKs past a hole mean the receiver has the bytes and the capture lost them; a few
// are tolerated because capture order can invert a data segment and its ACK.
constexpr int kAcksPastHoleForGap = 4;
}  // namespace

void TcpReassembler::start(std::uint32_t firstSeq) {
    m_seq.reset(firstSeq);
    m_next = 0;
}

void TcpReassembler::onSyn(std::uint32_t isn) {
    if (!started()) start(isn + 1);
}

SegmentClass TcpReassembler::addSegment(std::uint32_t seq, ByteSpan payload, bool fin,
                                        TimestampNs ts, std::uint64_t packet,
                                        ReassemblySink& sink) {
    ++m_stats.segments;
    if (!started()) start(seq);
    std::int64_t off = m_seq.unwrap(seq);
    std::int64_t end = off + static_cast<std::int64_t>(payload.size());
    if (fin && !m_finSeen && end >= 0) {
        m_finSeen = true;
        m_finOffset = static_cast<std::uint64_t>(end);
    }
    if (payload.empty()) return SegmentClass::Empty;
    if (end <= 0) {
        ++m_stats.retransmittedSegments;
        m_stats.retransmittedBytes += payload.size();
        return SegmentClass::BeforeStart;
    }
    if (off < 0) {
        payload = payload.subspan(static_cast<std::size_t>(-off));
        off = 0;
    }
    auto uoff = static_cast<std::uint64_t>(off);
    if (m_finSeen && uoff >= m_finOffset) return SegmentClass::AfterFin;
    if (m_finSeen && uoff + payload.size() > m_finOffset) {
        payload = payload.first(static_cast<std::size_t>(m_finOffset - uoff));
    }
    const std::uint64_t uend = uoff + payload.size();

    if (uend <= m_next) {
        ++m_stats.retransmittedSegments;
        m_stats.retransmittedBytes += payload.size();
        return SegmentClass::Retransmission;
    }
    if (uoff <= m_next) {
        const bool partial = uoff < m_next;
        if (partial) {
            ++m_stats.retransmittedSegments;
            m_stats.retransmittedBytes += m_next - uoff;
        }
        ByteSpan fresh = payload.subspan(static_cast<std::size_t>(m_next - uoff));
        // Buffered segments overlapping the new bytes must agree with them.
        for (auto it = m_pending.begin(); it != m_pending.end() && it->first < uend; ++it) {
            compareOverlap(m_next, fresh, it->second, it->first, packet, sink);
        }
        sink.onBytes(m_next, fresh, ts, packet);
        m_next += fresh.size();
        m_stats.deliveredBytes += fresh.size();
        deliverPending(sink);
        return partial ? SegmentClass::PartialOverlap : SegmentClass::InOrder;
    }

    ++m_stats.outOfOrderSegments;
    const auto& limits = *m_limits;
    // Beside its own cap, a direction that would take every direction's buffers together past
    // maxOutOfOrderBytesTotal gives up its own hole first: with many connections losing packets
    // (a capture with kernel drops), memory stays flat instead of growing by a cap per direction.
    auto overTotal = [&] {
        return m_sharedBuffered &&
               *m_sharedBuffered + payload.size() > limits.maxOutOfOrderBytesTotal;
    };
    while (!m_pending.empty() &&
           (m_bufferedBytes + payload.size() > limits.maxOutOfOrderBytesPerFlow ||
            m_pending.size() >= limits.maxOutOfOrderSegmentsPerFlow || overTotal())) {
        ++m_stats.capForcedGaps;
        declareGapToFirstPending(ts, sink);
    }
    if (uoff <= m_next) {
        // The forced gaps caught up with this segment: it is now in order.
        --m_stats.outOfOrderSegments;
        --m_stats.segments;
        return addSegment(seq, payload, false, ts, packet, sink);
    }
    if (payload.size() > limits.maxOutOfOrderBytesPerFlow) {
        // Even alone it does not fit: give up on the hole in front of it.
        ++m_stats.capForcedGaps;
        sink.onGap(m_next, uoff - m_next, ts);
        ++m_stats.gaps;
        m_stats.gapBytes += uoff - m_next;
        m_next = uoff;
        sink.onBytes(m_next, payload, ts, packet);
        m_next += payload.size();
        m_stats.deliveredBytes += payload.size();
        return SegmentClass::OutOfOrder;
    }
    if (!store(uoff, payload, ts, packet, sink)) {
        ++m_stats.retransmittedSegments;
        m_stats.retransmittedBytes += payload.size();
        return SegmentClass::Retransmission;
    }
    return SegmentClass::OutOfOrder;
}

void TcpReassembler::compareOverlap(std::uint64_t offset, ByteSpan fresh, const Pending& kept,
                                    std::uint64_t keptOffset, std::uint64_t packet,
                                    ReassemblySink& sink) {
    const std::uint64_t lo = std::max(offset, keptOffset);
    const std::uint64_t hi = std::min(offset + fresh.size(), keptOffset + kept.data.size());
    if (lo >= hi) return;
    const auto n = static_cast<std::size_t>(hi - lo);
    if (std::memcmp(fresh.data() + (lo - offset), kept.data.data() + (lo - keptOffset), n) != 0) {
        ++m_stats.overlapMismatches;
        sink.onOverlapMismatch(lo, n, packet);
    }
}

bool TcpReassembler::store(std::uint64_t offset, ByteSpan data, TimestampNs ts,
                           std::uint64_t packet, ReassemblySink& sink) {
    std::uint64_t s = offset;
    const std::uint64_t e = offset + data.size();
    bool storedAny = false;
    auto it = m_pending.upper_bound(s);
    if (it != m_pending.begin()) {
        auto prev = std::prev(it);
        const std::uint64_t prevEnd = prev->first + prev->second.data.size();
        if (prevEnd > s) {
            compareOverlap(offset, data, prev->second, prev->first, packet, sink);
            s = prevEnd;
        }
    }
    while (s < e) {
        it = m_pending.lower_bound(s);
        const std::uint64_t pieceEnd = (it == m_pending.end()) ? e : std::min(e, it->first);
        if (pieceEnd > s) {
            ByteSpan piece = data.subspan(static_cast<std::size_t>(s - offset),
                                          static_cast<std::size_t>(pieceEnd - s));
            m_pending.emplace_hint(it, s, Pending{Bytes(piece.begin(), piece.end()), ts, packet});
            m_bufferedBytes += piece.size();
            if (m_sharedBuffered) *m_sharedBuffered += piece.size();
            storedAny = true;
        }
        if (it == m_pending.end() || it->first >= e) break;
        compareOverlap(offset, data, it->second, it->first, packet, sink);
        s = it->first + it->second.data.size();
    }
    m_stats.bufferedPeakBytes = std::max<std::uint64_t>(m_stats.bufferedPeakBytes, m_bufferedBytes);
    return storedAny;
}

void TcpReassembler::deliverPending(ReassemblySink& sink) {
    while (!m_pending.empty() && m_pending.begin()->first <= m_next) {
        auto node = m_pending.extract(m_pending.begin());
        const std::uint64_t off = node.key();
        Pending& p = node.mapped();
        m_bufferedBytes -= p.data.size();
        if (m_sharedBuffered) *m_sharedBuffered -= p.data.size();
        const std::uint64_t end = off + p.data.size();
        if (end <= m_next) continue;
        ByteSpan fresh = ByteSpan(p.data).subspan(static_cast<std::size_t>(m_next - off));
        sink.onBytes(m_next, fresh, p.ts, p.packet);
        m_next = end;
        m_stats.deliveredBytes += fresh.size();
    }
    if (m_pending.empty()) m_acksPastHole = 0;
}

void TcpReassembler::declareGapToFirstPending(TimestampNs ts, ReassemblySink& sink) {
    const std::uint64_t first = m_pending.begin()->first;
    if (first > m_next) {
        sink.onGap(m_next, first - m_next, ts);
        ++m_stats.gaps;
        m_stats.gapBytes += first - m_next;
        m_next = first;
    }
    m_acksPastHole = 0;
    deliverPending(sink);
}

void TcpReassembler::onPeerAck(std::uint32_t ack, TimestampNs ts, ReassemblySink& sink) {
    if (!started()) return;
    const std::int64_t off = m_seq.unwrap(ack);
    if (off <= 0) return;
    const auto uoff = static_cast<std::uint64_t>(off);
    if (!m_ackSeen || uoff > m_highestAck) m_highestAck = uoff;
    m_ackSeen = true;
    if (!m_pending.empty() && uoff > m_next) {
        if (++m_acksPastHole >= kAcksPastHoleForGap) declareGapToFirstPending(ts, sink);
    }
}

void TcpReassembler::flush(TimestampNs ts, ReassemblySink& sink) {
    while (!m_pending.empty()) declareGapToFirstPending(ts, sink);
    if (!m_ackSeen || !started()) return;
    // The FIN takes one sequence number: an ACK of it is not a missing byte.
    std::uint64_t acked = m_highestAck;
    if (m_finSeen)
        acked = std::min(acked, m_finOffset);
    else if (acked > 0)
        acked -= 1;  // the ACK may be of a FIN the capture missed
    if (acked > m_next) {
        sink.onGap(m_next, acked - m_next, ts);
        ++m_stats.gaps;
        m_stats.gapBytes += acked - m_next;
        m_next = acked;
    }
}

}  // namespace h2lens
