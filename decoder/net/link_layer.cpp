#include "net/link_layer.h"

#include "capture/packet.h"

namespace h2lens {

namespace {

constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
constexpr std::uint16_t kEtherTypeIpv6 = 0x86dd;
constexpr std::uint16_t kEtherTypeVlan = 0x8100;
constexpr std::uint16_t kEtherTypeQinQ = 0x88a8;
constexpr std::uint16_t kEtherTypeQinQOld = 0x9100;

bool isVlanTag(std::uint16_t etherType) {
    return etherType == kEtherTypeVlan || etherType == kEtherTypeQinQ ||
           etherType == kEtherTypeQinQOld;
}

// `offset` points just past an EtherType field whose value is `etherType`.
LinkLayerResult followEtherType(ByteSpan frame, std::uint16_t etherType, std::size_t offset) {
    LinkLayerResult r;
    for (int tags = 0; isVlanTag(etherType); ++tags) {
        if (tags == kMaxVlanTags) {
            r.result = ParseResult::bad("more VLAN tags than h2lens unwraps (8)");
            return r;
        }
        if (frame.size() < offset + 4) {
            r.result = ParseResult::tooShort();
            return r;
        }
        etherType = loadBe16(&frame[offset + 2]);
        offset += 4;
    }
    r.networkOffset = offset;
    if (etherType == kEtherTypeIpv4) r.protocol = NetworkProtocol::Ipv4;
    if (etherType == kEtherTypeIpv6) r.protocol = NetworkProtocol::Ipv6;
    return r;
}

LinkLayerResult fixedHeader(ByteSpan frame, std::size_t headerLength, std::size_t typeOffset) {
    if (frame.size() < headerLength) return {ParseResult::tooShort()};
    return followEtherType(frame, loadBe16(&frame[typeOffset]), headerLength);
}

NetworkProtocol fromAddressFamily(std::uint32_t family) {
    switch (family) {
        case 2:
            return NetworkProtocol::Ipv4;
        case 10:  // Linux
        case 24:  // NetBSD, OpenBSD
        case 28:  // FreeBSD
        case 30:  // macOS
            return NetworkProtocol::Ipv6;
        default:
            return NetworkProtocol::Other;
    }
}

// NULL is written in the capturing host's byte order, which the file does not record.
LinkLayerResult bsdLoopback(ByteSpan frame, bool networkOrderOnly) {
    LinkLayerResult r;
    if (frame.size() < 4) {
        r.result = ParseResult::tooShort();
        return r;
    }
    r.networkOffset = 4;
    r.protocol = fromAddressFamily(loadBe32(frame.data()));
    if (r.protocol == NetworkProtocol::Other && !networkOrderOnly) {
        r.protocol = fromAddressFamily(loadLe32(frame.data()));
    }
    return r;
}

LinkLayerResult rawIp(ByteSpan frame, std::uint8_t requiredVersion) {
    LinkLayerResult r;
    if (frame.empty()) {
        r.result = ParseResult::tooShort();
        return r;
    }
    const std::uint8_t version = frame[0] >> 4;
    if (requiredVersion != 0 && version != requiredVersion) {
        r.result = ParseResult::bad("IP version nibble does not match the link type");
    } else if (version == 4) {
        r.protocol = NetworkProtocol::Ipv4;
    } else if (version == 6) {
        r.protocol = NetworkProtocol::Ipv6;
    } else {
        r.result = ParseResult::bad("raw IP packet with a version other than 4 or 6");
    }
    return r;
}

}  // namespace

LinkLayerResult decodeLinkLayer(std::uint32_t linkType, ByteSpan frame) {
    switch (linkType) {
        case static_cast<std::uint32_t>(LinkType::Ethernet):
            return fixedHeader(frame, 14, 12);
        case static_cast<std::uint32_t>(LinkType::LinuxSll):
            return fixedHeader(frame, 16, 14);
        case static_cast<std::uint32_t>(LinkType::LinuxSll2):
            return fixedHeader(frame, 20, 0);
        case static_cast<std::uint32_t>(LinkType::Null):
            return bsdLoopback(frame, false);
        case static_cast<std::uint32_t>(LinkType::Loop):
            return bsdLoopback(frame, true);
        case static_cast<std::uint32_t>(LinkType::Raw):
        case kLinkTypeRawDlt12:
        case kLinkTypeRawDlt14:
            return rawIp(frame, 0);
        case static_cast<std::uint32_t>(LinkType::Ipv4):
            return rawIp(frame, 4);
        case static_cast<std::uint32_t>(LinkType::Ipv6):
            return rawIp(frame, 6);
        default: {
            LinkLayerResult r;
            r.knownLinkType = false;
            return r;
        }
    }
}

}  // namespace h2lens
