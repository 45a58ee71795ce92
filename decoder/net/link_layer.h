#pragma once
// Strips the link-layer header of one captured frame and says which network protocol follows.
// Knows Ethernet (with any stack of 802.1Q / 802.1ad / 0x9100 VLAN tags up to kMaxVlanTags),
// Linux cooked v1 and v2, BSD NULL (either byte order) and LOOP, and the raw IP link types.
#include <cstddef>
#include <cstdint>

#include "common/bytes.h"
#include "net/parse_result.h"

namespace h2lens {

enum class NetworkProtocol : std::uint8_t { Ipv4, Ipv6, Other };

struct LinkLayerResult {
    ParseResult result;
    bool knownLinkType = true;  // false: nothing else is meaningful
    NetworkProtocol protocol = NetworkProtocol::Other;
    std::size_t networkOffset = 0;  // where the network header starts in the frame
};

inline constexpr int kMaxVlanTags = 8;

// Platform DLT values that pcap files written on some systems carry for raw IP.
inline constexpr std::uint32_t kLinkTypeRawDlt12 = 12;
inline constexpr std::uint32_t kLinkTypeRawDlt14 = 14;

LinkLayerResult decodeLinkLayer(std::uint32_t linkType, ByteSpan frame);

}  // namespace h2lens
