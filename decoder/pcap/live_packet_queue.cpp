#include "pcap/live_packet_queue.h"

#include <algorithm>
#include <utility>

namespace h2lens {

namespace {
constexpr std::size_t kMaxSpareBatches = 8;
}

void PacketBatch::add(const Packet& packet) {
    const std::size_t offset = m_data.size();
    // insert, not resize + memcpy: resize would zero the bytes first, a second write of every
    // byte on the capture thread, the one thread that must keep up with the kernel's ring.
    m_data.insert(m_data.end(), packet.data.begin(), packet.data.end());
    m_entries.push_back(Entry{packet.number, packet.ts, packet.linkType, packet.originalLength,
                              offset, packet.data.size()});
}

Packet PacketBatch::at(std::size_t i) const {
    const Entry& e = m_entries[i];
    Packet p;
    p.number = e.number;
    p.ts = e.ts;
    p.linkType = e.linkType;
    p.originalLength = e.originalLength;
    p.data = ByteSpan(m_data.data() + e.offset, e.length);
    return p;
}

void PacketBatch::clear() {
    m_entries.clear();
    m_data.clear();
}

void PacketBatch::reserve(std::size_t packets, std::size_t bytes) {
    m_entries.reserve(packets);
    m_data.reserve(bytes);
}

LivePacketQueue::LivePacketQueue(std::size_t maxBytes) : m_maxBytes(maxBytes) {}

bool LivePacketQueue::push(PacketBatch& batch) {
    if (batch.empty()) return true;
    const std::size_t packets = batch.size();
    {
        std::lock_guard lock(m_mutex);
        const bool fits = m_bytes == 0 || m_bytes + batch.bytes() <= m_maxBytes;
        if (m_closed || !fits) {
            m_stats.droppedPackets += packets;
            ++m_stats.droppedBatches;
            batch.clear();
            return false;
        }
        m_bytes += batch.bytes();
        m_stats.peakBytes = std::max(m_stats.peakBytes, m_bytes);
        m_stats.pushedPackets += packets;
        m_batches.push_back(std::move(batch));
        batch = PacketBatch();
        if (!m_spare.empty()) {
            batch = std::move(m_spare.back());
            m_spare.pop_back();
        }
    }
    m_ready.notify_one();
    return true;
}

LivePacketQueue::Pop LivePacketQueue::pop(PacketBatch& out, std::chrono::milliseconds timeout) {
    out.clear();
    std::unique_lock lock(m_mutex);
    if (m_spare.size() < kMaxSpareBatches) {
        m_spare.push_back(std::move(out));
        out = PacketBatch();
    }
    if (!m_ready.wait_for(lock, timeout, [this] { return !m_batches.empty() || m_closed; })) {
        return Pop::Timeout;
    }
    if (m_batches.empty()) return Pop::Closed;
    out = std::move(m_batches.front());
    m_batches.pop_front();
    m_bytes -= out.bytes();
    return Pop::Batch;
}

void LivePacketQueue::close() {
    {
        std::lock_guard lock(m_mutex);
        m_closed = true;
    }
    m_ready.notify_all();
}

PacketQueueStats LivePacketQueue::stats() const {
    std::lock_guard lock(m_mutex);
    return m_stats;
}

std::size_t LivePacketQueue::queuedBytes() const {
    std::lock_guard lock(m_mutex);
    return m_bytes;
}

}  // namespace h2lens
