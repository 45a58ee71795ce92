#pragma once
// Hand-built packets for the net tests: each function wraps a payload in one header.
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "capture/packet.h"
#include "common/bytes.h"

namespace h2lens::test {

using Ip4 = std::array<std::uint8_t, 4>;
using Ip6 = std::array<std::uint8_t, 16>;

inline void putBe16(Bytes& b, std::uint16_t v) {
    b.push_back(static_cast<std::uint8_t>(v >> 8));
    b.push_back(static_cast<std::uint8_t>(v));
}
inline void putBe32(Bytes& b, std::uint32_t v) {
    putBe16(b, static_cast<std::uint16_t>(v >> 16));
    putBe16(b, static_cast<std::uint16_t>(v));
}
inline void append(Bytes& b, ByteSpan s) {
    b.insert(b.end(), s.begin(), s.end());
}
inline Bytes bytesOf(std::string_view s) {
    return Bytes(s.begin(), s.end());
}

struct TcpSpec {
    std::uint16_t srcPort = 40000;
    std::uint16_t dstPort = 8080;
    std::uint32_t seq = 1000;
    std::uint32_t ack = 2000;
    std::uint8_t flags = 0x18;  // PSH ACK
    std::uint16_t window = 512;
    std::size_t optionBytes = 0;  // multiple of 4; filled with NOPs
};

inline Bytes tcp(const TcpSpec& s, ByteSpan payload) {
    Bytes b;
    putBe16(b, s.srcPort);
    putBe16(b, s.dstPort);
    putBe32(b, s.seq);
    putBe32(b, s.ack);
    b.push_back(static_cast<std::uint8_t>(((20 + s.optionBytes) / 4) << 4));
    b.push_back(s.flags);
    putBe16(b, s.window);
    putBe32(b, 0);  // checksum, urgent pointer
    b.insert(b.end(), s.optionBytes, 0x01);
    append(b, payload);
    return b;
}

struct Ipv4Spec {
    Ip4 src{10, 0, 0, 1};
    Ip4 dst{10, 0, 0, 2};
    std::uint8_t protocol = 6;
    std::uint16_t id = 0x1234;
    std::uint16_t fragmentOffset = 0;  // bytes, multiple of 8
    bool moreFragments = false;
    bool dontFragment = true;
    std::size_t optionBytes = 0;  // multiple of 4
    int totalLengthDelta = 0;     // lie about the total length
};

inline Bytes ipv4(const Ipv4Spec& s, ByteSpan payload) {
    Bytes b;
    const std::size_t headerLength = 20 + s.optionBytes;
    b.push_back(static_cast<std::uint8_t>(0x40 | (headerLength / 4)));
    b.push_back(0);
    putBe16(b, static_cast<std::uint16_t>(headerLength + payload.size() + s.totalLengthDelta));
    putBe16(b, s.id);
    putBe16(b, static_cast<std::uint16_t>((s.dontFragment ? 0x4000 : 0) |
                                          (s.moreFragments ? 0x2000 : 0) | (s.fragmentOffset / 8)));
    b.push_back(64);
    b.push_back(s.protocol);
    putBe16(b, 0xdead);  // checksum: never validated
    b.insert(b.end(), s.src.begin(), s.src.end());
    b.insert(b.end(), s.dst.begin(), s.dst.end());
    if (s.optionBytes > 0) {
        b.push_back(0x94);  // router alert, then NOPs/EOL padding
        b.push_back(4);
        putBe16(b, 0);
        b.insert(b.end(), s.optionBytes - 4, 0x01);
    }
    append(b, payload);
    return b;
}

inline Ip6 ip6(std::initializer_list<std::uint16_t> groups) {
    Ip6 a{};
    std::size_t i = 0;
    for (std::uint16_t g : groups) {
        a[i++] = static_cast<std::uint8_t>(g >> 8);
        a[i++] = static_cast<std::uint8_t>(g);
    }
    return a;
}

inline Bytes ipv6(const Ip6& src, const Ip6& dst, std::uint8_t next, ByteSpan payload) {
    Bytes b{0x60, 0x00, 0x00, 0x00};
    putBe16(b, static_cast<std::uint16_t>(payload.size()));
    b.push_back(next);
    b.push_back(64);
    b.insert(b.end(), src.begin(), src.end());
    b.insert(b.end(), dst.begin(), dst.end());
    append(b, payload);
    return b;
}

// Hop-by-hop, routing, destination options: length in 8-byte units beyond the first 8.
inline Bytes ipv6Extension(std::uint8_t next, std::uint8_t extraUnits, ByteSpan rest) {
    Bytes b{next, extraUnits};
    b.insert(b.end(), 6 + extraUnits * 8, 0);
    append(b, rest);
    return b;
}

inline Bytes ipv6Auth(std::uint8_t next, std::uint8_t lengthWords, ByteSpan rest) {
    Bytes b{next, lengthWords};
    b.insert(b.end(), (lengthWords + 2) * 4 - 2, 0);
    append(b, rest);
    return b;
}

inline Bytes ipv6Fragment(std::uint8_t next, std::uint16_t offset, bool more, std::uint32_t id,
                          ByteSpan rest) {
    Bytes b{next, 0};
    putBe16(b, static_cast<std::uint16_t>((offset & 0xfff8) | (more ? 1 : 0)));
    putBe32(b, id);
    append(b, rest);
    return b;
}

inline Bytes ethernet(std::uint16_t etherType, ByteSpan payload,
                      std::initializer_list<std::uint16_t> vlanTpids = {}) {
    Bytes b{0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1};
    std::uint16_t vid = 100;
    for (std::uint16_t tpid : vlanTpids) {
        putBe16(b, tpid);
        putBe16(b, vid++);
    }
    putBe16(b, etherType);
    append(b, payload);
    return b;
}

inline Bytes linuxSll(std::uint16_t protocol, ByteSpan payload) {
    Bytes b;
    putBe16(b, 0);  // packet type: to us
    putBe16(b, 1);  // ARPHRD_ETHER
    putBe16(b, 6);
    b.insert(b.end(), {2, 0, 0, 0, 0, 1, 0, 0});
    putBe16(b, protocol);
    append(b, payload);
    return b;
}

inline Bytes linuxSll2(std::uint16_t protocol, ByteSpan payload) {
    Bytes b;
    putBe16(b, protocol);
    putBe16(b, 0);   // reserved
    putBe32(b, 1);   // interface index
    putBe16(b, 1);   // ARPHRD_ETHER
    b.push_back(4);  // packet type: outgoing
    b.push_back(6);
    b.insert(b.end(), {2, 0, 0, 0, 0, 1, 0, 0});
    append(b, payload);
    return b;
}

inline Bytes bsdNull(std::uint32_t family, bool littleEndian, ByteSpan payload) {
    Bytes b;
    if (littleEndian) {
        for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(family >> (8 * i)));
    } else {
        putBe32(b, family);
    }
    append(b, payload);
    return b;
}

inline Packet packetOf(std::uint32_t linkType, const Bytes& data, std::uint64_t number = 1,
                       TimestampNs ts = 1'000'000'000, std::uint32_t originalLength = 0) {
    Packet p;
    p.number = number;
    p.ts = ts;
    p.linkType = linkType;
    p.data = data;
    p.originalLength = originalLength ? originalLength : static_cast<std::uint32_t>(data.size());
    return p;
}

inline std::uint32_t link(LinkType t) {
    return static_cast<std::uint32_t>(t);
}

}  // namespace h2lens::test
