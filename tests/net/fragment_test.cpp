// IPv4 fragments and IPv6 Fragment headers: in order, out of order, overlapping, over the cap,
// timed out; a fragment is never read as TCP on its own.
#include <algorithm>
#include <numeric>

#include <catch2/catch.hpp>

#include "common/limits.h"
#include "net/packet_decoder.h"
#include "packet_builder.h"

using namespace h2lens;
using namespace h2lens::test;
using Outcome = PacketDecoder::Outcome;

namespace {

constexpr TimestampNs kSecond = 1'000'000'000;
const Ip6 kSrc6 = ip6({0xfd00, 0, 0, 0, 0, 0, 0, 1});
const Ip6 kDst6 = ip6({0xfd00, 0, 0, 0, 0, 0, 0, 2});

Bytes bodyOf(std::size_t n) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 7 + 3);
    return b;
}

// The TCP segment (header + body) split into IPv4 fragments of `chunk` bytes (multiple of 8).
std::vector<Bytes> ipv4Fragments(const Bytes& segment, std::size_t chunk, std::uint16_t id) {
    std::vector<Bytes> out;
    for (std::size_t off = 0; off < segment.size(); off += chunk) {
        const std::size_t n = std::min(chunk, segment.size() - off);
        Ipv4Spec s;
        s.id = id;
        s.dontFragment = false;
        s.fragmentOffset = static_cast<std::uint16_t>(off);
        s.moreFragments = off + n < segment.size();
        out.push_back(ipv4(s, ByteSpan(segment).subspan(off, n)));
    }
    return out;
}

std::vector<Bytes> ipv6Fragments(const Bytes& segment, std::size_t chunk, std::uint32_t id) {
    std::vector<Bytes> out;
    for (std::size_t off = 0; off < segment.size(); off += chunk) {
        const std::size_t n = std::min(chunk, segment.size() - off);
        const bool more = off + n < segment.size();
        const Bytes frag = ipv6Fragment(6, static_cast<std::uint16_t>(off), more, id,
                                        ByteSpan(segment).subspan(off, n));
        out.push_back(ipv6(kSrc6, kDst6, 44, frag));
    }
    return out;
}

struct Run {
    std::vector<Outcome> outcomes;
    std::vector<TcpSegment> segments;
    std::vector<Bytes> payloads;
    std::vector<Issue> issues;
};

Run feed(PacketDecoder& decoder, const std::vector<Bytes>& packets,
         const std::vector<std::size_t>& order, TimestampNs step = 0) {
    Run run;
    std::uint64_t number = 1;
    for (std::size_t i : order) {
        TcpSegment seg;
        const Outcome o = decoder.decode(
            packetOf(101, packets[i], number, kSecond + static_cast<TimestampNs>(number) * step),
            seg);
        ++number;
        run.outcomes.push_back(o);
        if (o == Outcome::Segment) {
            run.segments.push_back(seg);
            run.payloads.emplace_back(seg.payload.begin(), seg.payload.end());
        }
    }
    run.issues = decoder.takeIssues();
    return run;
}

std::vector<std::size_t> inOrder(std::size_t n) {
    std::vector<std::size_t> v(n);
    std::iota(v.begin(), v.end(), 0);
    return v;
}

}  // namespace

TEST_CASE("IPv4 fragments reassemble in any order", "[net][fragment]") {
    const Bytes body = bodyOf(3000);
    const Bytes segment = tcp({.seq = 77}, body);
    const auto frags = ipv4Fragments(segment, 1200, 0x4242);
    REQUIRE(frags.size() == 3);

    std::vector<std::size_t> order = inOrder(frags.size());
    do {
        PacketDecoder decoder{Limits{}};
        const Run run = feed(decoder, frags, order);
        INFO("order " << order[0] << order[1] << order[2]);
        CHECK(run.outcomes[0] == Outcome::FragmentHeld);
        CHECK(run.outcomes[1] == Outcome::FragmentHeld);
        REQUIRE(run.outcomes[2] == Outcome::Segment);
        CHECK(run.segments[0].seq == 77);
        CHECK(run.segments[0].packetNumber == 3);
        CHECK(run.payloads[0] == body);
        CHECK(run.issues.empty());
        CHECK(decoder.stats().fragments.datagramsReassembled == 1);
        CHECK(decoder.stats().fragments.fragmentsHeld == 3);
        CHECK(decoder.stats().tcp == 1);
    } while (std::next_permutation(order.begin(), order.end()));
}

TEST_CASE("IPv6 Fragment headers reassemble, also behind other extension headers",
          "[net][fragment]") {
    const Bytes body = bodyOf(2500);
    const Bytes segment = tcp({.srcPort = 443}, body);
    auto frags = ipv6Fragments(segment, 1024, 0xabcdef01);
    REQUIRE(frags.size() == 3);
    PacketDecoder decoder{Limits{}};
    const Run run = feed(decoder, frags, {2, 0, 1});
    REQUIRE(run.segments.size() == 1);
    CHECK(run.payloads[0] == body);
    CHECK(run.segments[0].src.toString() == "[fd00::1]:443");

    // Hop-by-hop before the Fragment header, destination options after it (fragmentable part).
    const Bytes inner = ipv6Extension(6, 0, segment);
    PacketDecoder decoder2{Limits{}};
    std::vector<Bytes> chained;
    for (std::size_t off = 0; off < inner.size(); off += 1024) {
        const std::size_t n = std::min<std::size_t>(1024, inner.size() - off);
        chained.push_back(ipv6(
            kSrc6, kDst6, 0,
            ipv6Extension(44, 0,
                          ipv6Fragment(60, static_cast<std::uint16_t>(off), off + n < inner.size(),
                                       5, ByteSpan(inner).subspan(off, n)))));
    }
    const Run run2 = feed(decoder2, chained, inOrder(chained.size()));
    REQUIRE(run2.segments.size() == 1);
    CHECK(run2.payloads[0] == body);
}

TEST_CASE("A first fragment is never decoded as TCP on its own", "[net][fragment]") {
    const Bytes segment = tcp({}, bodyOf(2000));
    const auto frags = ipv4Fragments(segment, 1000, 1);
    PacketDecoder decoder{Limits{}};
    TcpSegment seg;
    CHECK(decoder.decode(packetOf(101, frags[0]), seg) == Outcome::FragmentHeld);
    CHECK(decoder.stats().tcp == 0);
    // A lone non-first fragment of another protocol is not held at all.
    Ipv4Spec udp;
    udp.protocol = 17;
    udp.fragmentOffset = 800;
    udp.dontFragment = false;
    const Bytes udpFrag = ipv4(udp, bodyOf(64));
    CHECK(decoder.decode(packetOf(101, udpFrag), seg) == Outcome::NotTcp);
    CHECK(decoder.stats().fragments.fragmentsHeld == 1);
}

TEST_CASE("Overlapping fragments that agree are fine, and those that disagree are reported",
          "[net][fragment]") {
    const Bytes body = bodyOf(1000);
    const Bytes segment = tcp({}, body);  // 1020 bytes
    auto piece = [&](std::size_t off, std::size_t n, bool more, std::uint8_t xorWith) {
        Bytes data(segment.begin() + static_cast<std::ptrdiff_t>(off),
                   segment.begin() + static_cast<std::ptrdiff_t>(off + n));
        for (auto& b : data) b ^= xorWith;
        Ipv4Spec s;
        s.dontFragment = false;
        s.id = 9;
        s.fragmentOffset = static_cast<std::uint16_t>(off);
        s.moreFragments = more;
        return ipv4(s, data);
    };

    SECTION("consistent overlap") {
        PacketDecoder decoder{Limits{}};
        const Run run = feed(decoder,
                             {piece(0, 512, true, 0), piece(256, 512, true, 0),
                              piece(512, segment.size() - 512, false, 0)},
                             {0, 1, 2});
        REQUIRE(run.segments.size() == 1);
        CHECK(run.payloads[0] == body);
        CHECK(run.issues.empty());
        CHECK(decoder.stats().fragments.overlapConflicts == 0);
    }
    SECTION("inconsistent overlap keeps the first bytes and says so") {
        PacketDecoder decoder{Limits{}};
        const Run run = feed(decoder,
                             {piece(0, 512, true, 0), piece(256, 256, true, 0xff),
                              piece(512, segment.size() - 512, false, 0)},
                             {0, 1, 2});
        REQUIRE(run.segments.size() == 1);
        CHECK(run.payloads[0] == body);
        REQUIRE(run.issues.size() == 1);
        CHECK(run.issues[0].packetNumber == 2);
        CHECK_THAT(run.issues[0].message, Catch::Contains("different bytes"));
        CHECK(decoder.stats().fragments.overlapConflicts == 1);
    }
    SECTION("when the disagreeing fragment comes first, its bytes are the ones kept") {
        PacketDecoder decoder{Limits{}};
        const Run run = feed(decoder,
                             {piece(256, 256, true, 0xff), piece(0, 512, true, 0),
                              piece(512, segment.size() - 512, false, 0)},
                             {0, 1, 2});
        REQUIRE(run.segments.size() == 1);
        Bytes expected = body;
        for (std::size_t i = 256 - 20; i < 512 - 20; ++i) expected[i] ^= 0xff;
        CHECK(run.payloads[0] == expected);
        CHECK(run.issues.size() == 1);
    }
}

TEST_CASE("Fragments beyond the byte cap are dropped and counted", "[net][fragment]") {
    Limits limits;
    limits.maxIpFragmentBytes = 6000;
    PacketDecoder decoder{limits};
    const Bytes seg1 = tcp({.srcPort = 1}, bodyOf(4000));
    const Bytes seg2 = tcp({.srcPort = 2}, bodyOf(4000));
    const auto a = ipv4Fragments(seg1, 2000, 100);
    const auto b = ipv4Fragments(seg2, 2000, 200);
    // a0 held, b0 needs room: a (oldest) is evicted; then a's tail cannot complete anything.
    const Run run = feed(decoder, {a[0], b[0], a[1], a[2], b[1], b[2]}, {0, 1, 2, 3, 4, 5});
    CHECK(decoder.stats().fragments.datagramsEvicted >= 1);
    CHECK(decoder.stats().fragments.fragmentsDropped >= 1);
    CHECK(decoder.stats().fragments.fragmentBytesDropped >= 2000);
    CHECK(std::any_of(run.issues.begin(), run.issues.end(),
                      [](const Issue& i) { return i.message.find("cap") != std::string::npos; }));

    SECTION("a fragment bigger than the whole cap is refused") {
        Limits tiny;
        tiny.maxIpFragmentBytes = 1000;
        PacketDecoder small{tiny};
        TcpSegment out;
        CHECK(small.decode(packetOf(101, a[0]), out) == Outcome::Skipped);
        CHECK(small.stats().fragments.fragmentsDropped == 1);
        CHECK(small.stats().fragments.fragmentBytesDropped == 2000);
    }
}

TEST_CASE("Incomplete datagrams time out in capture time", "[net][fragment]") {
    const Bytes segment = tcp({}, bodyOf(3000));
    const auto frags = ipv4Fragments(segment, 1200, 77);
    PacketDecoder decoder{Limits{}, 10 * kSecond};
    // Fragments 20 s apart: the datagram expires before its last fragment arrives.
    const Run run = feed(decoder, frags, {0, 1, 2}, 6 * kSecond);
    CHECK(run.segments.empty());
    CHECK(decoder.stats().fragments.datagramsTimedOut == 1);
    REQUIRE_FALSE(run.issues.empty());
    CHECK(run.issues[0].packetNumber == 1);
    CHECK_THAT(run.issues[0].message, Catch::Contains("timed out"));

    SECTION("finish() reports what is left at the end of the capture") {
        PacketDecoder d2{Limits{}};
        feed(d2, frags, {0});
        d2.finish();
        const auto issues = d2.takeIssues();
        REQUIRE(issues.size() == 1);
        CHECK_THAT(issues[0].message, Catch::Contains("capture ended"));
        CHECK(d2.stats().fragments.fragmentsDropped == 1);
    }
}

TEST_CASE("Fragments that would exceed 64 KiB are refused", "[net][fragment]") {
    Ipv4Spec s;
    s.dontFragment = false;
    s.fragmentOffset = 65528;
    s.moreFragments = false;
    const Bytes f = ipv4(s, bodyOf(100));
    PacketDecoder decoder{Limits{}};
    TcpSegment seg;
    CHECK(decoder.decode(packetOf(101, f), seg) == Outcome::Skipped);
    CHECK(decoder.stats().fragments.fragmentsDropped == 1);
}
