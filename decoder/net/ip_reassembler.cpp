#include "net/ip_reassembler.h"

#include <algorithm>

#include <fmt/format.h>

#include "net/tcp_segment.h"

namespace h2lens {

namespace {

// Map nodes, the age index entry and the Datagram itself, rounded up.
constexpr std::size_t kDatagramOverhead = 256;

std::string describe(const FragmentKey& key) {
    IpAddress src{key.family, key.src};
    IpAddress dst{key.family, key.dst};
    return fmt::format("IPv{} datagram {} -> {} id 0x{:x}", key.family, src.toString(),
                       dst.toString(), key.id);
}

}  // namespace

IpReassembler::IpReassembler(std::size_t maxBytes, TimestampNs timeout)
    : m_maxBytes(maxBytes), m_timeout(timeout) {}

std::size_t IpReassembler::footprint(const Datagram& d) {
    return d.data.capacity() + d.ranges.capacity() * sizeof(Range) + kDatagramOverhead;
}

void IpReassembler::refreshAccounting(Datagram& d) {
    m_bytesHeld -= d.accounted;
    d.accounted = footprint(d);
    m_bytesHeld += d.accounted;
}

void IpReassembler::drop(Map::iterator it, std::uint64_t packetNumber, const char* why,
                         std::vector<Issue>& issues) {
    const Datagram& d = it->second;
    std::uint64_t bytes = 0;
    for (const Range& r : d.ranges) bytes += r.end - r.begin;
    m_stats.fragmentsDropped += d.fragments;
    m_stats.fragmentBytesDropped += bytes;
    issues.push_back(
        {packetNumber, fmt::format("{} (first fragment in packet {}) dropped incomplete: {}; {} "
                                   "bytes in {} fragments lost",
                                   describe(it->first), d.firstPacket, why, bytes, d.fragments)});
    m_bytesHeld -= d.accounted;
    m_byAge.erase(d.age);
    m_datagrams.erase(it);
}

IpReassembler::Result IpReassembler::add(const FragmentKey& key, const Fragment& f,
                                         Bytes& completed, std::vector<Issue>& issues) {
    const std::uint64_t end = std::uint64_t{f.offset} + f.data.size();
    auto refuse = [&](std::string why) {
        ++m_stats.fragmentsDropped;
        m_stats.fragmentBytesDropped += f.data.size();
        issues.push_back(
            {f.packetNumber, fmt::format("IP fragment of {} dropped: {}", describe(key), why)});
        return Result::Dropped;
    };
    if (end > kMaxDatagramPayload) {
        return refuse(fmt::format("it ends at byte {}, beyond the {}-byte datagram limit", end,
                                  kMaxDatagramPayload));
    }

    auto it = m_datagrams.find(key);
    if (it == m_datagrams.end()) {
        it = m_datagrams.emplace(key, Datagram{}).first;
        Datagram& d = it->second;
        d.firstTs = f.ts;
        d.firstPacket = f.packetNumber;
        d.age = m_nextAge++;
        m_byAge.emplace(d.age, key);
        d.accounted = footprint(d);
        m_bytesHeld += d.accounted;
    }
    Datagram& d = it->second;
    const std::uint32_t reach = d.ranges.empty() ? 0 : d.ranges.back().end;
    if (!f.moreFragments) {
        if (d.lastSeen && d.payloadLength != end) {
            return refuse(
                fmt::format("a second last fragment says the payload is {} bytes, the "
                            "first said {}",
                            end, d.payloadLength));
        }
        if (reach > end) {
            ++m_stats.fragmentsDropped;
            m_stats.fragmentBytesDropped += f.data.size();
            drop(it, f.packetNumber, "its last fragment ends before data already received", issues);
            return Result::Dropped;
        }
    } else if (d.lastSeen && end > d.payloadLength) {
        return refuse(
            fmt::format("it ends at byte {}, past the {}-byte payload the last "
                        "fragment announced",
                        end, d.payloadLength));
    }

    // Make room before touching the buffer, so the cap holds at every moment.
    std::size_t capacity = d.data.capacity();
    if (end > capacity) {
        capacity =
            std::max<std::size_t>(end, std::min<std::size_t>(2 * capacity, kMaxDatagramPayload));
    }
    const std::size_t rangeCapacity = std::max(d.ranges.capacity(), 2 * d.ranges.size() + 1);
    const std::size_t needed = capacity + rangeCapacity * sizeof(Range) + kDatagramOverhead;
    while (m_bytesHeld - d.accounted + needed > m_maxBytes) {
        auto oldest = m_byAge.begin();
        if (oldest != m_byAge.end() && oldest->first == d.age) ++oldest;
        if (oldest == m_byAge.end()) {
            if (d.ranges.empty()) {
                m_bytesHeld -= d.accounted;
                m_byAge.erase(d.age);
                m_datagrams.erase(it);
            }
            return refuse(
                fmt::format("the IP fragment buffer cap ({} bytes) cannot hold it", m_maxBytes));
        }
        ++m_stats.datagramsEvicted;
        drop(m_datagrams.find(oldest->second), f.packetNumber,
             "evicted to make room under the IP fragment buffer cap", issues);
    }
    d.data.reserve(capacity);
    d.ranges.reserve(rangeCapacity);

    merge(d, key, f, issues);
    ++d.fragments;
    ++m_stats.fragmentsHeld;
    if (!f.moreFragments) {
        d.lastSeen = true;
        d.payloadLength = static_cast<std::uint32_t>(end);
    }
    refreshAccounting(d);

    const bool whole =
        d.lastSeen && (d.payloadLength == 0 || (d.ranges.size() == 1 && d.ranges[0].begin == 0 &&
                                                d.ranges[0].end == d.payloadLength));
    if (!whole) return Result::Held;
    completed = std::move(d.data);
    completed.resize(d.payloadLength);
    ++m_stats.datagramsReassembled;
    m_bytesHeld -= d.accounted;
    m_byAge.erase(d.age);
    m_datagrams.erase(it);
    return Result::Complete;
}

void IpReassembler::merge(Datagram& d, const FragmentKey& key, const Fragment& f,
                          std::vector<Issue>& issues) {
    const std::uint32_t begin = f.offset;
    const std::uint32_t end = begin + static_cast<std::uint32_t>(f.data.size());
    if (d.data.size() < end) d.data.resize(end);
    auto copy = [&](std::uint32_t from, std::uint32_t to) {
        std::copy(f.data.begin() + (from - begin), f.data.begin() + (to - begin),
                  d.data.begin() + from);
    };

    std::uint32_t pos = begin;
    bool conflict = false;
    for (const Range& r : d.ranges) {
        if (r.end <= pos) continue;
        if (r.begin >= end) break;
        if (r.begin > pos) copy(pos, r.begin);
        const std::uint32_t overlapBegin = std::max(pos, r.begin);
        const std::uint32_t overlapEnd = std::min(end, r.end);
        if (!std::equal(d.data.begin() + overlapBegin, d.data.begin() + overlapEnd,
                        f.data.begin() + (overlapBegin - begin))) {
            conflict = true;
        }
        pos = overlapEnd;
    }
    if (pos < end) copy(pos, end);

    if (conflict) {
        ++m_stats.overlapConflicts;
        if (!d.conflictReported) {
            d.conflictReported = true;
            issues.push_back(
                {f.packetNumber, fmt::format("IP fragment of {} overlaps earlier fragments with "
                                             "different bytes (offset {}, {} bytes); the earlier "
                                             "bytes are kept",
                                             describe(key), begin, f.data.size())});
        }
    }

    Range merged{begin, end};
    auto first = std::lower_bound(d.ranges.begin(), d.ranges.end(), begin,
                                  [](const Range& r, std::uint32_t b) { return r.end < b; });
    auto last = first;
    while (last != d.ranges.end() && last->begin <= merged.end) {
        merged.begin = std::min(merged.begin, last->begin);
        merged.end = std::max(merged.end, last->end);
        ++last;
    }
    first = d.ranges.erase(first, last);
    d.ranges.insert(first, merged);
}

void IpReassembler::expire(TimestampNs now, std::vector<Issue>& issues) {
    while (!m_byAge.empty()) {
        auto it = m_datagrams.find(m_byAge.begin()->second);
        const TimestampNs first = it->second.firstTs;
        if (now <= first || static_cast<std::uint64_t>(now) - static_cast<std::uint64_t>(first) <=
                                static_cast<std::uint64_t>(m_timeout)) {
            return;
        }
        ++m_stats.datagramsTimedOut;
        const std::uint64_t packet = it->second.firstPacket;
        drop(it, packet, "timed out", issues);
    }
}

void IpReassembler::finish(std::vector<Issue>& issues) {
    while (!m_byAge.empty()) {
        auto it = m_datagrams.find(m_byAge.begin()->second);
        const std::uint64_t packet = it->second.firstPacket;
        drop(it, packet, "the capture ended", issues);
    }
}

}  // namespace h2lens
