// IPv4 options, IPv6 extension-header chains, TCP options, bad headers and snap-length cuts.
#include <memory>

#include <catch2/catch.hpp>

#include "common/limits.h"
#include "net/packet_decoder.h"
#include "packet_builder.h"

using namespace h2lens;
using namespace h2lens::test;
using Outcome = PacketDecoder::Outcome;

namespace {

const Bytes kPayload = bytesOf("GET / HTTP/1.1\r\n\r\n");
const Ip6 kSrc6 = ip6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x10});
const Ip6 kDst6 = ip6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x20});

struct Decoded {
    // The segment's payload is a view into the frame: keep the frame alive with the result.
    std::shared_ptr<const Bytes> frame;
    Outcome outcome;
    TcpSegment segment;
    std::vector<Issue> issues;
    PacketDecoderStats stats;
};

Decoded decodeOne(std::uint32_t linkType, const Bytes& frame, std::uint32_t originalLength = 0) {
    PacketDecoder decoder{Limits{}};
    Decoded d;
    d.frame = std::make_shared<const Bytes>(frame);
    d.outcome = decoder.decode(packetOf(linkType, *d.frame, 3, 0, originalLength), d.segment);
    d.issues = decoder.takeIssues();
    d.stats = decoder.stats();
    return d;
}

}  // namespace

TEST_CASE("IPv4 options and TCP options are skipped", "[net][ip]") {
    for (std::size_t ipOptions : {0u, 4u, 20u, 40u}) {
        for (std::size_t tcpOptions : {0u, 12u, 40u}) {
            Ipv4Spec ip;
            ip.optionBytes = ipOptions;
            TcpSpec t;
            t.optionBytes = tcpOptions;
            const Decoded d = decodeOne(101, ipv4(ip, tcp(t, kPayload)));
            REQUIRE(d.outcome == Outcome::Segment);
            CHECK(asStringView(d.segment.payload) == asStringView(kPayload));
            CHECK(d.stats.ipv4 == 1);
            CHECK(d.stats.tcp == 1);
        }
    }
}

TEST_CASE("IPv6 extension-header chains lead to TCP", "[net][ip]") {
    const Bytes seg = tcp({}, kPayload);
    // hop-by-hop -> routing -> destination options -> AH -> TCP
    const Bytes chain =
        ipv6Extension(43, 0, ipv6Extension(60, 1, ipv6Extension(51, 2, ipv6Auth(6, 4, seg))));
    const Decoded d = decodeOne(101, ipv6(kSrc6, kDst6, 0, chain));
    REQUIRE(d.outcome == Outcome::Segment);
    CHECK(asStringView(d.segment.payload) == asStringView(kPayload));
    CHECK(d.segment.src.toString() == "[2001:db8::10]:40000");

    SECTION("an atomic fragment header (offset 0, no more) is a whole datagram") {
        const Decoded a = decodeOne(101, ipv6(kSrc6, kDst6, 44, ipv6Fragment(6, 0, false, 9, seg)));
        REQUIRE(a.outcome == Outcome::Segment);
        CHECK(a.stats.fragments.fragmentsHeld == 0);
    }
}

TEST_CASE("ESP, no-next-header and UDP are not TCP", "[net][ip]") {
    CHECK(decodeOne(101, ipv6(kSrc6, kDst6, 50, Bytes(40, 0))).outcome == Outcome::NotTcp);
    CHECK(decodeOne(101, ipv6(kSrc6, kDst6, 0, ipv6Extension(59, 0, {}))).outcome ==
          Outcome::NotTcp);
    Ipv4Spec udp;
    udp.protocol = 17;
    const Decoded d = decodeOne(101, ipv4(udp, Bytes(16, 0)));
    CHECK(d.outcome == Outcome::NotTcp);
    CHECK(d.stats.nonTcp == 1);
    CHECK(d.issues.empty());
}

TEST_CASE("Impossible headers are reported and skipped", "[net][ip]") {
    const Bytes good = ipv4({}, tcp({}, kPayload));
    auto expectBad = [](const Bytes& frame, const char* words) {
        const Decoded d = decodeOne(101, frame);
        CHECK(d.outcome == Outcome::Skipped);
        CHECK(d.stats.badHeaders == 1);
        CHECK(d.stats.tcp == 0);
        REQUIRE(d.issues.size() == 1);
        CHECK(d.issues[0].packetNumber == 3);
        CHECK_THAT(d.issues[0].message, Catch::Contains(words));
    };
    Bytes ihl4 = good;
    ihl4[0] = 0x44;
    expectBad(ihl4, "header length below 20");

    Ipv4Spec shortTotal;
    shortTotal.totalLengthDelta = -static_cast<int>(tcp({}, kPayload).size()) - 1;
    expectBad(ipv4(shortTotal, tcp({}, kPayload)), "total length shorter than its header");

    Ipv4Spec longTotal;
    longTotal.totalLengthDelta = 100;  // unsnapped frame: the header lies
    expectBad(ipv4(longTotal, tcp({}, kPayload)), "exceeds");

    Bytes offset4 = ipv4({}, tcp({}, kPayload));
    offset4[20 + 12] = 0x40;
    expectBad(offset4, "below 5 words");

    Bytes offsetPast = ipv4({}, tcp({}, {}));
    offsetPast[20 + 12] = 0xf0;  // 60-byte header in a 20-byte segment
    expectBad(offsetPast, "runs past the IP payload");

    expectBad(ipv4({}, Bytes(10, 0)), "TCP header does not fit");
    expectBad(ipv6(kSrc6, kDst6, 0, Bytes(4, 0)), "extension header runs past");
}

TEST_CASE("A snap-length cut inside the datagram is an issue and a skip", "[net][ip]") {
    Bytes frame = ethernet(0x0800, ipv4({}, tcp({}, Bytes(1000, 'x'))));
    const std::uint32_t wire = static_cast<std::uint32_t>(frame.size());
    frame.resize(96);
    const Decoded d = decodeOne(link(LinkType::Ethernet), frame, wire);
    CHECK(d.outcome == Outcome::Skipped);
    CHECK(d.stats.truncated == 1);
    CHECK(d.stats.badHeaders == 0);
    REQUIRE(d.issues.size() == 1);
    CHECK(d.issues[0].packetNumber == 3);
    CHECK(d.issues[0].message ==
          "cut short by the snap length (captured 96 of " + std::to_string(wire) + " bytes)");
}

TEST_CASE("A snap cut that only removes Ethernet padding is harmless", "[net][ip]") {
    Bytes frame = ethernet(0x0800, ipv4({}, tcp({}, bytesOf("x"))));
    const std::size_t ipEnd = frame.size();
    frame.resize(60, 0);
    Bytes cut(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(ipEnd));
    const Decoded d = decodeOne(link(LinkType::Ethernet), cut, 60);
    CHECK(d.outcome == Outcome::Segment);
    CHECK(d.issues.empty());
}

TEST_CASE("Every prefix of a hand-built packet is skipped with the right reason", "[net][ip]") {
    const Bytes v6 = ipv6(kSrc6, kDst6, 0, ipv6Extension(6, 1, tcp({.optionBytes = 12}, kPayload)));
    const std::vector<std::pair<std::uint32_t, Bytes>> frames = {
        {link(LinkType::Ethernet),
         ethernet(0x0800, ipv4({.optionBytes = 8}, tcp({}, kPayload)), {0x8100})},
        {link(LinkType::LinuxSll2), linuxSll2(0x86dd, v6)},
        {link(LinkType::Null), bsdNull(30, true, v6)},
    };
    for (const auto& [linkType, frame] : frames) {
        for (std::size_t len = 0; len < frame.size(); ++len) {
            const Bytes prefix(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(len));
            INFO("link type " << linkType << ", prefix " << len << " of " << frame.size());
            const Decoded snappedCut =
                decodeOne(linkType, prefix, static_cast<std::uint32_t>(frame.size()));
            CHECK(snappedCut.outcome == Outcome::Skipped);
            CHECK(snappedCut.stats.truncated == 1);
            const Decoded lying = decodeOne(linkType, prefix);
            CHECK(lying.outcome == Outcome::Skipped);
            CHECK(lying.stats.badHeaders == 1);
        }
        CHECK(decodeOne(linkType, frame).outcome == Outcome::Segment);
    }
}
