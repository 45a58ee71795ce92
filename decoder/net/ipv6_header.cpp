#include "net/ipv6_header.h"

#include <algorithm>

namespace h2lens {

namespace {

constexpr std::uint8_t kHopByHop = 0;
constexpr std::uint8_t kRouting = 43;
constexpr std::uint8_t kDestinationOptions = 60;
constexpr std::uint8_t kAuthentication = 51;
constexpr std::uint8_t kMobility = 135;
constexpr std::uint8_t kHip = 139;
constexpr std::uint8_t kShim6 = 140;

}  // namespace

bool isIpv6ExtensionHeader(std::uint8_t protocol) {
    switch (protocol) {
        case kHopByHop:
        case kRouting:
        case kDestinationOptions:
        case kAuthentication:
        case kMobility:
        case kHip:
        case kShim6:
        case kIpv6Fragment:
            return true;
        default:
            return false;
    }
}

ParseResult parseIpv6Header(ByteSpan ip, Ipv6Header& out) {
    if (ip.size() < 40) return ParseResult::tooShort();
    if ((ip[0] >> 4) != 6) return ParseResult::bad("IPv6 header with a version other than 6");
    out.payloadLength = loadBe16(&ip[4]);
    out.nextHeader = ip[6];
    std::copy_n(&ip[8], 16, out.src.begin());
    std::copy_n(&ip[24], 16, out.dst.begin());
    return ParseResult::ok();
}

ParseResult walkIpv6Extensions(ByteSpan payload, std::uint8_t next, bool allowFragment,
                               Ipv6Chain& out) {
    std::size_t offset = 0;
    // Every step consumes at least 8 bytes of a payload below 64 KiB, so the loop is bounded.
    while (isIpv6ExtensionHeader(next)) {
        if (payload.size() - offset < 8) {
            return ParseResult::bad("IPv6 extension header runs past the payload");
        }
        const std::uint8_t* h = &payload[offset];
        if (next == kIpv6Fragment) {
            if (!allowFragment) {
                return ParseResult::bad("IPv6 fragment header inside a reassembled datagram");
            }
            const std::uint16_t offsetAndFlags = loadBe16(h + 2);
            out.fragment = true;
            out.fragmentOffset = static_cast<std::uint16_t>(offsetAndFlags & 0xfff8);
            out.moreFragments = (offsetAndFlags & 1) != 0;
            out.fragmentId = loadBe32(h + 4);
            out.protocol = h[0];
            out.offset = offset + 8;
            return ParseResult::ok();
        }
        const std::size_t length =
            next == kAuthentication ? (std::size_t{h[1]} + 2) * 4 : (std::size_t{h[1]} + 1) * 8;
        if (payload.size() - offset < length) {
            return ParseResult::bad("IPv6 extension header runs past the payload");
        }
        next = h[0];
        offset += length;
    }
    out.protocol = next;
    out.offset = offset;
    return ParseResult::ok();
}

}  // namespace h2lens
