// One TCP segment wrapped in every link layer h2lens knows, plus the ones it refuses.
#include <catch2/catch.hpp>

#include "common/limits.h"
#include "net/link_layer.h"
#include "net/packet_decoder.h"
#include "packet_builder.h"

using namespace h2lens;
using namespace h2lens::test;
using Outcome = PacketDecoder::Outcome;

namespace {

const Bytes kPayload = bytesOf("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

Bytes v4Segment() {
    return ipv4({}, tcp({}, kPayload));
}
Bytes v6Segment() {
    return ipv6(ip6({0xfe80, 0, 0, 0, 0, 0, 0, 1}), ip6({0xfe80, 0, 0, 0, 0, 0, 0, 2}), 6,
                tcp({}, kPayload));
}

void requireSegment(std::uint32_t linkType, const Bytes& frame, std::uint8_t family) {
    PacketDecoder decoder{Limits{}};
    TcpSegment seg;
    const Packet p = packetOf(linkType, frame, 7, 42);
    REQUIRE(decoder.decode(p, seg) == Outcome::Segment);
    CHECK(decoder.takeIssues().empty());
    CHECK(seg.packetNumber == 7);
    CHECK(seg.ts == 42);
    CHECK(seg.src.ip.family == family);
    CHECK(seg.src.port == 40000);
    CHECK(seg.dst.port == 8080);
    CHECK(seg.seq == 1000);
    CHECK(seg.ack == 2000);
    CHECK(seg.flags == (tcpflag::Psh | tcpflag::Ack));
    CHECK(seg.window == 512);
    CHECK(asStringView(seg.payload) == asStringView(kPayload));
    if (family == 4) {
        CHECK(seg.src.toString() == "10.0.0.1:40000");
        CHECK(seg.dst.toString() == "10.0.0.2:8080");
    } else {
        CHECK(seg.src.toString() == "[fe80::1]:40000");
        CHECK(seg.dst.toString() == "[fe80::2]:8080");
    }
}

}  // namespace

TEST_CASE("Ethernet frames give their TCP segment with and without VLAN tags", "[net][link]") {
    requireSegment(link(LinkType::Ethernet), ethernet(0x0800, v4Segment()), 4);
    requireSegment(link(LinkType::Ethernet), ethernet(0x86dd, v6Segment()), 6);
    requireSegment(link(LinkType::Ethernet), ethernet(0x0800, v4Segment(), {0x8100}), 4);
    requireSegment(link(LinkType::Ethernet), ethernet(0x86dd, v6Segment(), {0x88a8, 0x8100}), 6);
    requireSegment(link(LinkType::Ethernet),
                   ethernet(0x0800, v4Segment(), {0x9100, 0x88a8, 0x8100, 0x8100}), 4);
}

TEST_CASE("Ethernet padding after a short IPv4 packet is not payload", "[net][link]") {
    Bytes frame = ethernet(0x0800, ipv4({}, tcp({}, bytesOf("hi"))));
    frame.resize(60, 0xee);  // minimum Ethernet frame, padded
    PacketDecoder decoder{Limits{}};
    TcpSegment seg;
    REQUIRE(decoder.decode(packetOf(link(LinkType::Ethernet), frame), seg) == Outcome::Segment);
    CHECK(asStringView(seg.payload) == "hi");
}

TEST_CASE("Too many VLAN tags are refused, not looped over", "[net][link]") {
    Bytes frame =
        ethernet(0x0800, v4Segment(),
                 {0x8100, 0x8100, 0x8100, 0x8100, 0x8100, 0x8100, 0x8100, 0x8100, 0x8100});
    PacketDecoder decoder{Limits{}};
    TcpSegment seg;
    CHECK(decoder.decode(packetOf(link(LinkType::Ethernet), frame), seg) == Outcome::Skipped);
    CHECK(decoder.stats().badHeaders == 1);
}

TEST_CASE("Linux cooked captures v1 and v2 give their TCP segments", "[net][link]") {
    requireSegment(link(LinkType::LinuxSll), linuxSll(0x0800, v4Segment()), 4);
    requireSegment(link(LinkType::LinuxSll), linuxSll(0x86dd, v6Segment()), 6);
    requireSegment(link(LinkType::LinuxSll2), linuxSll2(0x0800, v4Segment()), 4);
    requireSegment(link(LinkType::LinuxSll2), linuxSll2(0x86dd, v6Segment()), 6);
}

TEST_CASE(
    "BSD NULL gives TCP in both byte orders and with every IPv6 family value, and LOOP in network "
    "order only",
    "[net][link]") {
    for (bool little : {true, false}) {
        requireSegment(link(LinkType::Null), bsdNull(2, little, v4Segment()), 4);
        for (std::uint32_t af6 : {10u, 24u, 28u, 30u}) {
            requireSegment(link(LinkType::Null), bsdNull(af6, little, v6Segment()), 6);
        }
    }
    requireSegment(link(LinkType::Loop), bsdNull(2, false, v4Segment()), 4);
    requireSegment(link(LinkType::Loop), bsdNull(24, false, v6Segment()), 6);
    // LOOP is always network order: a little-endian family is not an address family there.
    PacketDecoder decoder{Limits{}};
    TcpSegment seg;
    const Bytes loopLe = bsdNull(2, true, v4Segment());
    CHECK(decoder.decode(packetOf(link(LinkType::Loop), loopLe), seg) == Outcome::NotTcp);
    CHECK(decoder.stats().nonIp == 1);
}

TEST_CASE("Raw IP link types give their TCP segments, and IPv6 on the IPv4 link type is refused",
          "[net][link]") {
    for (std::uint32_t raw : {101u, 12u, 14u}) {
        requireSegment(raw, v4Segment(), 4);
        requireSegment(raw, v6Segment(), 6);
    }
    requireSegment(link(LinkType::Ipv4), v4Segment(), 4);
    requireSegment(link(LinkType::Ipv6), v6Segment(), 6);

    PacketDecoder decoder{Limits{}};
    TcpSegment seg;
    const Bytes v6 = v6Segment();
    CHECK(decoder.decode(packetOf(link(LinkType::Ipv4), v6), seg) == Outcome::Skipped);
    CHECK(decoder.stats().badHeaders == 1);
}

TEST_CASE("Non-IP frames are NotTcp and counted", "[net][link]") {
    PacketDecoder decoder{Limits{}};
    TcpSegment seg;
    const Bytes arp = ethernet(0x0806, Bytes(28, 0));
    const Bytes nullOther = bsdNull(7, true, Bytes(20, 0));
    CHECK(decoder.decode(packetOf(link(LinkType::Ethernet), arp), seg) == Outcome::NotTcp);
    CHECK(decoder.decode(packetOf(link(LinkType::Null), nullOther), seg) == Outcome::NotTcp);
    CHECK(decoder.stats().nonIp == 2);
    CHECK(decoder.takeIssues().empty());
}

TEST_CASE("Unknown link types give one issue per type, not per packet", "[net][link]") {
    PacketDecoder decoder{Limits{}};
    TcpSegment seg;
    const Bytes frame = v4Segment();
    for (std::uint64_t n = 1; n <= 5; ++n) {
        CHECK(decoder.decode(packetOf(105, frame, n), seg) == Outcome::Skipped);  // 802.11
    }
    CHECK(decoder.decode(packetOf(127, frame, 6), seg) == Outcome::Skipped);  // radiotap
    const auto issues = decoder.takeIssues();
    REQUIRE(issues.size() == 2);
    CHECK(issues[0].packetNumber == 1);
    CHECK_THAT(issues[0].message, Catch::Contains("link type 105"));
    CHECK(issues[1].packetNumber == 6);
    CHECK(decoder.stats().unknownLinkType == 6);
}
