#pragma once
// The hand-over between a capture thread and a decoding thread. libpcap's ring buffer is
// small and refills at line rate, so the capture side must never wait: push() never blocks,
// and when the decoder is behind by more than the byte budget the batch is dropped and counted
// ("dropped by h2lens"), just as the kernel counts its own drops. Packets travel in batches
// (one lock per batch, one contiguous buffer per batch) so a few hundred MB/s cost little.
// This file starts no thread; it is only safe to share between two.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "capture/packet.h"

namespace h2lens {

// Copies of packets, in arrival order.
class PacketBatch {
  public:
    void add(const Packet& packet);  // copies packet.data
    std::size_t size() const { return m_entries.size(); }
    bool empty() const { return m_entries.empty(); }
    std::size_t bytes() const { return m_data.size(); }
    // A view into this batch; valid until the batch changes.
    Packet at(std::size_t i) const;
    void clear();  // keeps capacity
    void reserve(std::size_t packets, std::size_t bytes);

  private:
    struct Entry {
        std::uint64_t number;
        TimestampNs ts;
        std::uint32_t linkType;
        std::uint32_t originalLength;
        std::size_t offset;
        std::size_t length;
    };
    std::vector<Entry> m_entries;
    Bytes m_data;
};

struct PacketQueueStats {
    std::uint64_t pushedPackets = 0;
    std::uint64_t droppedPackets = 0;  // refused because the budget was used up
    std::uint64_t droppedBatches = 0;
    std::size_t peakBytes = 0;  // most bytes waiting at once
};

class LivePacketQueue {
  public:
    // `maxBytes`: packet bytes that may wait for the decoder; one batch larger than the whole
    // budget still passes when the queue is empty, so nothing is refused forever.
    explicit LivePacketQueue(std::size_t maxBytes);

    // Never blocks. Returns false (and counts the batch's packets as dropped) when adding it
    // would exceed the budget, or after close(). `batch` is left empty and ready for reuse in
    // both cases (its memory may be swapped with a recycled batch's).
    bool push(PacketBatch& batch);

    enum class Pop : std::uint8_t { Batch, Timeout, Closed };
    // Waits at most `timeout` for a batch. Closed only once closed and drained. `out` is
    // cleared first; its old memory goes back to the capture side for reuse.
    Pop pop(PacketBatch& out, std::chrono::milliseconds timeout);

    // No more pushes; pop() drains what is queued, then returns Closed.
    void close();

    PacketQueueStats stats() const;
    std::size_t queuedBytes() const;

  private:
    mutable std::mutex m_mutex;
    std::condition_variable m_ready;
    std::deque<PacketBatch> m_batches;
    std::vector<PacketBatch> m_spare;  // emptied batches, memory kept
    std::size_t m_maxBytes;
    std::size_t m_bytes = 0;
    bool m_closed = false;
    PacketQueueStats m_stats;
};

}  // namespace h2lens
