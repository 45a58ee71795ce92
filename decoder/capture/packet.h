#pragma once
// One captured packet as a capture file or interface delivered it, before any decoding.
#include <cstdint>
#include <string>

#include "common/bytes.h"

namespace h2lens {

// LINKTYPE_* values from the pcap/pcapng link-type registry that h2lens decodes.
enum class LinkType : std::uint32_t {
    Null = 0,         // BSD loopback: 4-byte host-order address family
    Ethernet = 1,
    Raw = 101,        // raw IPv4 or IPv6, version from the first nibble
    Loop = 108,       // OpenBSD loopback: 4-byte network-order address family
    LinuxSll = 113,   // Linux cooked v1 (16-byte header)
    Ipv4 = 228,
    Ipv6 = 229,
    LinuxSll2 = 276,  // Linux cooked v2 (20-byte header)
};

struct Packet {
    std::uint64_t number = 0;  // 1-based position in the capture, as Wireshark counts
    TimestampNs ts = 0;
    std::uint32_t linkType = 0;  // raw LINKTYPE value; unknown ones are reported, not guessed
    std::uint32_t originalLength = 0;  // length on the wire; > data.size() when snapped
    ByteSpan data;                     // captured bytes; valid until the source's next read
};

}  // namespace h2lens
