// IpAddress / Endpoint text forms, checked against glibc's inet_ntop (RFC 5952 output).
#include <arpa/inet.h>

#include <random>

#include <catch2/catch.hpp>

#include "net/tcp_segment.h"
#include "packet_builder.h"

using namespace h2lens;

namespace {

IpAddress v6(const test::Ip6& b) {
    IpAddress a;
    a.family = 6;
    a.bytes = b;
    return a;
}

std::string ntop6(const test::Ip6& b) {
    char buf[INET6_ADDRSTRLEN];
    REQUIRE(inet_ntop(AF_INET6, b.data(), buf, sizeof buf) != nullptr);
    return buf;
}

}  // namespace

TEST_CASE("IPv4 addresses and endpoints print dotted quads", "[net][address]") {
    IpAddress a;
    a.family = 4;
    a.bytes[0] = 192;
    a.bytes[1] = 168;
    a.bytes[2] = 0;
    a.bytes[3] = 255;
    CHECK(a.toString() == "192.168.0.255");
    CHECK(Endpoint{a, 443}.toString() == "192.168.0.255:443");
}

TEST_CASE("IPv6 addresses follow RFC 5952", "[net][address]") {
    CHECK(v6(test::ip6({0, 0, 0, 0, 0, 0, 0, 1})).toString() == "::1");
    CHECK(v6(test::ip6({})).toString() == "::");
    CHECK(v6(test::ip6({0x2001, 0xdb8, 0, 0, 1, 0, 0, 1})).toString() == "2001:db8::1:0:0:1");
    CHECK(v6(test::ip6({0x2001, 0xdb8, 0, 1, 1, 1, 1, 1})).toString() == "2001:db8:0:1:1:1:1:1");
    CHECK(v6(test::ip6({0x2001, 0xDB8, 0xABCD, 0, 0, 0, 0, 0})).toString() == "2001:db8:abcd::");
    CHECK(v6(test::ip6({0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201})).toString() == "::ffff:192.0.2.1");
    CHECK(Endpoint{v6(test::ip6({0, 0, 0, 0, 0, 0, 0, 1})), 8081}.toString() == "[::1]:8081");
}

TEST_CASE("IPv6 text matches inet_ntop on zero-heavy random addresses", "[net][address]") {
    std::mt19937 rng(5952);
    for (int n = 0; n < 20000; ++n) {
        test::Ip6 b{};
        for (int g = 0; g < 8; ++g) {
            const auto r = rng();
            const std::uint16_t value = (r & 3) == 0   ? static_cast<std::uint16_t>(r >> 16)
                                        : (r & 3) == 1 ? static_cast<std::uint16_t>((r >> 16) & 0xf)
                                                       : 0;
            b[2 * g] = static_cast<std::uint8_t>(value >> 8);
            b[2 * g + 1] = static_cast<std::uint8_t>(value);
        }
        // glibc still prints the deprecated IPv4-compatible form (::a.b.c.d); RFC 5952 does not.
        const bool compatible =
            std::all_of(b.begin(), b.begin() + 12, [](auto x) { return x == 0; }) &&
            (b[12] | b[13]) != 0;
        if (compatible) continue;
        INFO(hexString(b));
        REQUIRE(v6(b).toString() == ntop6(b));
    }
}
