#include "net/ipv4_header.h"

#include <algorithm>

namespace h2lens {

ParseResult parseIpv4Header(ByteSpan ip, Ipv4Header& out) {
    if (ip.size() < 20) return ParseResult::tooShort();
    if ((ip[0] >> 4) != 4) return ParseResult::bad("IPv4 header with a version other than 4");
    out.headerLength = static_cast<std::uint8_t>((ip[0] & 0x0f) * 4);
    if (out.headerLength < 20) return ParseResult::bad("IPv4 header length below 20 bytes");
    out.totalLength = loadBe16(&ip[2]);
    if (out.totalLength < out.headerLength) {
        return ParseResult::bad("IPv4 total length shorter than its header");
    }
    if (ip.size() < out.headerLength) return ParseResult::tooShort();
    out.id = loadBe16(&ip[4]);
    const std::uint16_t flagsAndOffset = loadBe16(&ip[6]);
    out.moreFragments = (flagsAndOffset & 0x2000) != 0;
    out.fragmentOffset = static_cast<std::uint16_t>((flagsAndOffset & 0x1fff) * 8);
    out.protocol = ip[9];
    std::copy_n(&ip[12], 4, out.src.begin());
    std::copy_n(&ip[16], 4, out.dst.begin());
    return ParseResult::ok();
}

}  // namespace h2lens
