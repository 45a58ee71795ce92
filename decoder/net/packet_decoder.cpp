#include "net/packet_decoder.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "net/ipv4_header.h"
#include "net/ipv6_header.h"
#include "net/link_layer.h"
#include "net/tcp_header.h"

namespace h2lens {

namespace {

// A fuzzed or corrupt capture could name a new link type in every interface block.
constexpr std::size_t kMaxReportedLinkTypes = 64;

bool snapped(const Packet& packet) {
    return packet.originalLength > packet.data.size();
}

IpAddress ipv4Address(const std::array<std::uint8_t, 4>& b) {
    IpAddress a;
    a.family = 4;
    std::copy(b.begin(), b.end(), a.bytes.begin());
    return a;
}

IpAddress ipv6Address(const std::array<std::uint8_t, 16>& b) {
    IpAddress a;
    a.family = 6;
    a.bytes = b;
    return a;
}

}  // namespace

PacketDecoder::PacketDecoder(const Limits& limits, TimestampNs fragmentTimeout)
    : m_reassembler(limits.maxIpFragmentBytes, fragmentTimeout) {}

std::vector<Issue> PacketDecoder::takeIssues() {
    return std::exchange(m_issues, {});
}

void PacketDecoder::finish() {
    m_reassembler.finish(m_issues);
    m_stats.fragments = m_reassembler.stats();
}

PacketDecoder::Outcome PacketDecoder::decode(const Packet& packet, TcpSegment& out) {
    ++m_stats.packets;
    if (!m_reassembler.empty()) {
        m_reassembler.expire(packet.ts, m_issues);
        m_stats.fragments = m_reassembler.stats();
    }

    const LinkLayerResult link = decodeLinkLayer(packet.linkType, packet.data);
    if (!link.knownLinkType) return unknownLinkType(packet);
    if (link.result.status == ParseStatus::Short) return cutShort(packet, "link-layer header");
    if (link.result.status == ParseStatus::Bad) return badHeader(packet, link.result.reason);

    const ByteSpan ip = packet.data.subspan(link.networkOffset);
    switch (link.protocol) {
        case NetworkProtocol::Ipv4:
            return decodeIpv4(packet, ip, out);
        case NetworkProtocol::Ipv6:
            return decodeIpv6(packet, ip, out);
        case NetworkProtocol::Other:
            break;
    }
    ++m_stats.nonIp;
    return Outcome::NotTcp;
}

PacketDecoder::Outcome PacketDecoder::decodeIpv4(const Packet& packet, ByteSpan ip,
                                                 TcpSegment& out) {
    Ipv4Header h;
    const ParseResult r = parseIpv4Header(ip, h);
    if (r.status == ParseStatus::Short) return cutShort(packet, "IPv4 header");
    if (r.status == ParseStatus::Bad) {
        return badHeader(packet,
                         fmt::format("{} (version {}, header length {}, total length {})", r.reason,
                                     ip[0] >> 4, (ip[0] & 0x0f) * 4, loadBe16(&ip[2])));
    }
    ++m_stats.ipv4;
    if (h.totalLength > ip.size()) {
        if (snapped(packet)) return cutShort(packet, "IPv4 datagram");
        return badHeader(packet, fmt::format("IPv4 total length {} exceeds the {} bytes present",
                                             h.totalLength, ip.size()));
    }
    if (h.protocol != kIpProtoTcp) {
        ++m_stats.nonTcp;
        return Outcome::NotTcp;
    }
    const IpAddress src = ipv4Address(h.src);
    const IpAddress dst = ipv4Address(h.dst);
    const ByteSpan payload = ip.subspan(h.headerLength, h.totalLength - h.headerLength);
    if (!h.isFragment()) return decodeTcp(packet, src, dst, payload, out);

    FragmentKey key;
    key.family = 4;
    key.protocol = h.protocol;
    key.id = h.id;
    std::copy(h.src.begin(), h.src.end(), key.src.begin());
    std::copy(h.dst.begin(), h.dst.end(), key.dst.begin());
    const Outcome held = fragment(packet, key, h.fragmentOffset, h.moreFragments, payload);
    if (held != Outcome::Segment) return held;
    return decodeTcp(packet, src, dst, m_reassembled, out);
}

PacketDecoder::Outcome PacketDecoder::decodeIpv6(const Packet& packet, ByteSpan ip,
                                                 TcpSegment& out) {
    Ipv6Header h;
    ParseResult r = parseIpv6Header(ip, h);
    if (r.status == ParseStatus::Short) return cutShort(packet, "IPv6 header");
    if (r.status == ParseStatus::Bad) {
        return badHeader(packet, fmt::format("{} (version {})", r.reason, ip[0] >> 4));
    }
    ++m_stats.ipv6;
    if (h.payloadLength == 0 && h.nextHeader == 0) {
        return badHeader(packet, "IPv6 jumbogram (payload length 0) is not supported");
    }
    if (std::size_t{40} + h.payloadLength > ip.size()) {
        if (snapped(packet)) return cutShort(packet, "IPv6 datagram");
        return badHeader(packet, fmt::format("IPv6 payload length {} exceeds the {} bytes present",
                                             h.payloadLength, ip.size() - 40));
    }
    const ByteSpan payload = ip.subspan(40, h.payloadLength);
    Ipv6Chain chain;
    r = walkIpv6Extensions(payload, h.nextHeader, true, chain);
    if (r.status != ParseStatus::Ok) return badHeader(packet, r.reason);

    const IpAddress src = ipv6Address(h.src);
    const IpAddress dst = ipv6Address(h.dst);
    if (!chain.fragment) {
        if (chain.protocol != kIpProtoTcp) {
            ++m_stats.nonTcp;
            return Outcome::NotTcp;
        }
        return decodeTcp(packet, src, dst, payload.subspan(chain.offset), out);
    }

    if (chain.protocol != kIpProtoTcp && !isIpv6ExtensionHeader(chain.protocol)) {
        ++m_stats.nonTcp;
        return Outcome::NotTcp;
    }
    ByteSpan datagram = payload.subspan(chain.offset);
    // An atomic fragment (RFC 6946) is a whole datagram; it never touches the reassembler.
    if (chain.fragmentOffset != 0 || chain.moreFragments) {
        FragmentKey key;
        key.family = 6;
        key.id = chain.fragmentId;
        key.src = h.src;
        key.dst = h.dst;
        const Outcome held =
            fragment(packet, key, chain.fragmentOffset, chain.moreFragments, datagram);
        if (held != Outcome::Segment) return held;
        datagram = m_reassembled;
    }
    Ipv6Chain inner;
    r = walkIpv6Extensions(datagram, chain.protocol, false, inner);
    if (r.status != ParseStatus::Ok) return badHeader(packet, r.reason);
    if (inner.protocol != kIpProtoTcp) {
        ++m_stats.nonTcp;
        return Outcome::NotTcp;
    }
    return decodeTcp(packet, src, dst, datagram.subspan(inner.offset), out);
}

PacketDecoder::Outcome PacketDecoder::fragment(const Packet& packet, const FragmentKey& key,
                                               std::uint32_t offset, bool more, ByteSpan data) {
    Fragment f;
    f.packetNumber = packet.number;
    f.ts = packet.ts;
    f.offset = offset;
    f.moreFragments = more;
    f.data = data;
    const IpReassembler::Result result = m_reassembler.add(key, f, m_reassembled, m_issues);
    m_stats.fragments = m_reassembler.stats();
    switch (result) {
        case IpReassembler::Result::Held:
            return Outcome::FragmentHeld;
        case IpReassembler::Result::Dropped:
            return Outcome::Skipped;
        case IpReassembler::Result::Complete:
            break;
    }
    return Outcome::Segment;  // the caller decodes m_reassembled
}

PacketDecoder::Outcome PacketDecoder::decodeTcp(const Packet& packet, const IpAddress& src,
                                                const IpAddress& dst, ByteSpan segment,
                                                TcpSegment& out) {
    TcpHeader t;
    const ParseResult r = parseTcpHeader(segment, t);
    if (r.status != ParseStatus::Ok) {
        return badHeader(packet, fmt::format("{} (data offset {} bytes, {} bytes of IP payload)",
                                             r.reason, t.headerLength, segment.size()));
    }
    ++m_stats.tcp;
    out.packetNumber = packet.number;
    out.ts = packet.ts;
    out.src.ip = src;
    out.src.port = t.srcPort;
    out.dst.ip = dst;
    out.dst.port = t.dstPort;
    out.seq = t.seq;
    out.ack = t.ack;
    out.flags = t.flags;
    out.window = t.window;
    out.payload = segment.subspan(t.headerLength);
    return Outcome::Segment;
}

PacketDecoder::Outcome PacketDecoder::cutShort(const Packet& packet, const char* what) {
    if (snapped(packet)) {
        ++m_stats.truncated;
        m_issues.push_back(
            {packet.number, fmt::format("cut short by the snap length (captured {} of {} bytes)",
                                        packet.data.size(), packet.originalLength)});
        return Outcome::Skipped;
    }
    return badHeader(
        packet, fmt::format("{} runs past the end of the {}-byte frame", what, packet.data.size()));
}

PacketDecoder::Outcome PacketDecoder::badHeader(const Packet& packet, std::string message) {
    ++m_stats.badHeaders;
    m_issues.push_back({packet.number, std::move(message)});
    return Outcome::Skipped;
}

PacketDecoder::Outcome PacketDecoder::unknownLinkType(const Packet& packet) {
    ++m_stats.unknownLinkType;
    const bool seen = std::find(m_reportedLinkTypes.begin(), m_reportedLinkTypes.end(),
                                packet.linkType) != m_reportedLinkTypes.end();
    if (!seen && m_reportedLinkTypes.size() < kMaxReportedLinkTypes) {
        m_reportedLinkTypes.push_back(packet.linkType);
        m_issues.push_back(
            {packet.number,
             fmt::format("link type {} is not decoded; its packets are skipped", packet.linkType)});
    }
    return Outcome::Skipped;
}

}  // namespace h2lens
