#pragma once
// Reassembles fragmented IP datagrams (IPv4 fragments and IPv6 Fragment headers) from the
// fragments' payloads. Bounded: all datagrams in progress together hold at most `maxBytes`
// (buffers plus bookkeeping); to make room the oldest datagram is evicted, and a fragment that
// cannot fit even alone is dropped. A datagram still incomplete `timeout` of capture time after
// its first fragment is dropped. Overlapping fragments keep the bytes that arrived first; an
// overlap that disagrees is reported once per datagram. Everything dropped is counted and
// reported as an Issue.
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "common/bytes.h"
#include "common/issue.h"

namespace h2lens {

struct FragmentKey {
    std::uint8_t family = 4;    // 4 or 6
    std::uint8_t protocol = 0;  // IPv4 protocol field; 0 for IPv6 (RFC 8200 keys on src/dst/id)
    std::uint32_t id = 0;
    std::array<std::uint8_t, 16> src{};
    std::array<std::uint8_t, 16> dst{};
    auto operator<=>(const FragmentKey&) const = default;
};

struct Fragment {
    std::uint64_t packetNumber = 0;
    TimestampNs ts = 0;
    std::uint32_t offset = 0;  // bytes into the datagram's payload
    bool moreFragments = false;
    ByteSpan data;
};

struct IpReassemblyStats {
    std::uint64_t fragmentsHeld = 0;  // fragments accepted into a datagram
    std::uint64_t datagramsReassembled = 0;
    std::uint64_t fragmentsDropped = 0;  // refused, or part of a datagram that was dropped
    std::uint64_t fragmentBytesDropped = 0;
    std::uint64_t datagramsTimedOut = 0;
    std::uint64_t datagramsEvicted = 0;  // dropped to stay under the byte cap
    std::uint64_t overlapConflicts = 0;  // overlaps whose bytes disagreed
};

class IpReassembler {
  public:
    static constexpr TimestampNs kDefaultTimeout = 30'000'000'000;  // Linux ipfrag_time
    static constexpr std::uint32_t kMaxDatagramPayload = 65535;

    IpReassembler(std::size_t maxBytes, TimestampNs timeout = kDefaultTimeout);

    enum class Result : std::uint8_t { Held, Complete, Dropped };

    // On Complete, `completed` receives the whole reassembled payload (starting at the upper
    // layer header for IPv4, at the Fragment header's next header for IPv6).
    Result add(const FragmentKey& key, const Fragment& fragment, Bytes& completed,
               std::vector<Issue>& issues);

    // Drops datagrams whose first fragment is older than `now - timeout`. Cheap when none is.
    void expire(TimestampNs now, std::vector<Issue>& issues);
    // Drops everything still incomplete (end of capture), reporting each datagram.
    void finish(std::vector<Issue>& issues);

    bool empty() const { return m_datagrams.empty(); }
    std::size_t bytesHeld() const { return m_bytesHeld; }
    const IpReassemblyStats& stats() const { return m_stats; }

  private:
    struct Range {
        std::uint32_t begin;
        std::uint32_t end;
    };
    struct Datagram {
        Bytes data;
        std::vector<Range> ranges;  // sorted, disjoint, not adjacent
        std::uint32_t payloadLength = 0;
        bool lastSeen = false;
        bool conflictReported = false;
        TimestampNs firstTs = 0;
        std::uint64_t firstPacket = 0;
        std::uint64_t fragments = 0;
        std::uint64_t age = 0;  // key into m_byAge
        std::size_t accounted = 0;
    };
    using Map = std::map<FragmentKey, Datagram>;

    static std::size_t footprint(const Datagram& d);
    void drop(Map::iterator it, std::uint64_t packetNumber, const char* why,
              std::vector<Issue>& issues);
    void merge(Datagram& d, const FragmentKey& key, const Fragment& f, std::vector<Issue>& issues);
    void refreshAccounting(Datagram& d);

    std::size_t m_maxBytes;
    TimestampNs m_timeout;
    Map m_datagrams;
    std::map<std::uint64_t, FragmentKey> m_byAge;  // creation order, oldest first
    std::uint64_t m_nextAge = 0;
    std::size_t m_bytesHeld = 0;
    IpReassemblyStats m_stats;
};

}  // namespace h2lens
