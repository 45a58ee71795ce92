#pragma once
// The output of link/IP/TCP decoding: one TCP segment with its endpoints.
#include <array>
#include <compare>
#include <cstdint>
#include <string>

#include "common/bytes.h"

namespace h2lens {

struct IpAddress {
    std::uint8_t family = 4;               // 4 or 6
    std::array<std::uint8_t, 16> bytes{};  // IPv4 uses the first 4 bytes, the rest are zero
    auto operator<=>(const IpAddress&) const = default;
    std::string toString() const;  // "10.0.0.1" or "::1" (RFC 5952 form)
};

struct Endpoint {
    IpAddress ip;
    std::uint16_t port = 0;
    auto operator<=>(const Endpoint&) const = default;
    std::string toString() const;  // "ip:port", IPv6 as "[addr]:port"
};

namespace tcpflag {
inline constexpr std::uint8_t Fin = 0x01;
inline constexpr std::uint8_t Syn = 0x02;
inline constexpr std::uint8_t Rst = 0x04;
inline constexpr std::uint8_t Psh = 0x08;
inline constexpr std::uint8_t Ack = 0x10;
}  // namespace tcpflag

struct TcpSegment {
    std::uint64_t packetNumber = 0;
    TimestampNs ts = 0;
    Endpoint src;
    Endpoint dst;
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint8_t flags = 0;
    std::uint16_t window = 0;
    ByteSpan payload;  // valid until the decoder's next call
};

}  // namespace h2lens
