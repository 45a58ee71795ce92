#pragma once
// The fixed part of an IPv4 header (RFC 791). Options are skipped via IHL; the header checksum
// is not checked because loopback and offloading NICs leave it unfilled in captures.
#include <array>
#include <cstdint>

#include "common/bytes.h"
#include "net/parse_result.h"

namespace h2lens {

struct Ipv4Header {
    std::uint8_t headerLength = 0;  // bytes, IHL * 4, >= 20
    std::uint16_t totalLength = 0;  // bytes, header included
    std::uint16_t id = 0;
    std::uint16_t fragmentOffset = 0;  // bytes
    bool moreFragments = false;
    std::uint8_t protocol = 0;
    std::array<std::uint8_t, 4> src{};
    std::array<std::uint8_t, 4> dst{};

    bool isFragment() const { return moreFragments || fragmentOffset != 0; }
};

// `ip` starts at the IPv4 header and runs to the end of the captured frame. Ok means the whole
// header (options included) is present and self-consistent; totalLength may still exceed
// ip.size(), which the caller judges (snap-length cut or lying header).
ParseResult parseIpv4Header(ByteSpan ip, Ipv4Header& out);

}  // namespace h2lens
