#include "net/tcp_segment.h"

#include <fmt/format.h>

namespace h2lens {

namespace {

std::string ipv4String(const std::uint8_t* b) {
    return fmt::format("{}.{}.{}.{}", b[0], b[1], b[2], b[3]);
}

// RFC 5952: lowercase hex without leading zeros, the longest run of two or more zero groups
// (the first one on a tie) shown as "::", IPv4-mapped addresses with a dotted quad.
std::string ipv6String(const std::array<std::uint8_t, 16>& b) {
    std::array<std::uint16_t, 8> groups{};
    for (int i = 0; i < 8; ++i) groups[i] = loadBe16(&b[2 * i]);

    const bool mapped = groups[0] == 0 && groups[1] == 0 && groups[2] == 0 && groups[3] == 0 &&
                        groups[4] == 0 && groups[5] == 0xffff;
    if (mapped) return "::ffff:" + ipv4String(&b[12]);

    int bestStart = -1, bestLen = 0;
    for (int i = 0; i < 8;) {
        if (groups[i] != 0) {
            ++i;
            continue;
        }
        int j = i;
        while (j < 8 && groups[j] == 0) ++j;
        if (j - i > bestLen) {
            bestStart = i;
            bestLen = j - i;
        }
        i = j;
    }
    if (bestLen < 2) bestStart = -1;

    std::string out;
    out.reserve(39);
    for (int i = 0; i < 8; ++i) {
        if (i == bestStart) {
            out += "::";
            i += bestLen - 1;
            continue;
        }
        if (!out.empty() && out.back() != ':') out += ':';
        fmt::format_to(std::back_inserter(out), "{:x}", groups[i]);
    }
    return out;
}

}  // namespace

std::string IpAddress::toString() const {
    return family == 6 ? ipv6String(bytes) : ipv4String(bytes.data());
}

std::string Endpoint::toString() const {
    if (ip.family == 6) return fmt::format("[{}]:{}", ip.toString(), port);
    return fmt::format("{}:{}", ip.toString(), port);
}

}  // namespace h2lens
