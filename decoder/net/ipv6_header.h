#pragma once
// IPv6 (RFC 8200): the fixed header and the walk along the extension-header chain to the
// upper-layer protocol. The walk stops at a Fragment header (what follows is only meaningful
// after reassembly), at ESP (encrypted) and at No Next Header.
#include <array>
#include <cstddef>
#include <cstdint>

#include "common/bytes.h"
#include "net/parse_result.h"

namespace h2lens {

inline constexpr std::uint8_t kIpProtoTcp = 6;
inline constexpr std::uint8_t kIpv6Fragment = 44;

struct Ipv6Header {
    std::uint16_t payloadLength = 0;
    std::uint8_t nextHeader = 0;
    std::array<std::uint8_t, 16> src{};
    std::array<std::uint8_t, 16> dst{};
};

// Needs the 40 fixed bytes; says nothing about whether the payload is all there.
ParseResult parseIpv6Header(ByteSpan ip, Ipv6Header& out);

struct Ipv6Chain {
    std::uint8_t protocol = 0;  // upper-layer protocol, or the Fragment header's next header
    std::size_t offset = 0;     // where `protocol`'s bytes start within the payload
    bool fragment = false;      // a Fragment header ended the walk
    std::uint32_t fragmentId = 0;
    std::uint16_t fragmentOffset = 0;  // bytes
    bool moreFragments = false;
};

// Walks extension headers in `payload` (exactly the IPv6 payload) starting from `next`. A
// header that runs past the payload is Bad (the caller has already ruled out snap cuts). With
// allowFragment false (inside a reassembled datagram) a Fragment header is Bad.
ParseResult walkIpv6Extensions(ByteSpan payload, std::uint8_t next, bool allowFragment,
                               Ipv6Chain& out);

// True for protocol numbers whose header the chain walk steps over.
bool isIpv6ExtensionHeader(std::uint8_t protocol);

}  // namespace h2lens
