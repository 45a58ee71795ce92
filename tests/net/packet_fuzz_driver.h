#pragma once
// The body of fuzz/fuzz_packet.cpp, shared with the corpus replay test. Input layout, repeated
// until the bytes run out: [link selector][flags][length hi][length lo][length bytes of frame].
// flags bit 0 marks the frame as snapped; the other bits advance the capture clock, so
// fragments time out. One decoder per input with a small fragment cap, so reassembly, eviction
// and timeouts are all reachable from a few packets.
#include <array>
#include <cstdint>

#include "common/limits.h"
#include "net/packet_decoder.h"

namespace h2lens::test {

inline PacketDecoderStats fuzzPacketDecoder(const std::uint8_t* data, std::size_t size) {
    static constexpr std::array<std::uint32_t, 12> kLinkTypes = {0,   1,   12,  14,  101, 108,
                                                                 113, 228, 229, 276, 105, 0xffff};
    Limits limits;
    limits.maxIpFragmentBytes = 8192;
    PacketDecoder decoder{limits, 1'000'000'000};
    ByteSpan in(data, size);
    Packet packet;
    TcpSegment seg;
    std::uint64_t checksum = 0;
    while (in.size() >= 4) {
        const std::uint32_t linkType = kLinkTypes[in[0] % kLinkTypes.size()];
        const std::uint8_t flags = in[1];
        const std::size_t length = std::min<std::size_t>(loadBe16(&in[2]), in.size() - 4);
        ++packet.number;
        packet.ts += static_cast<TimestampNs>(flags >> 1) * 100'000'000;
        packet.linkType = linkType;
        packet.data = in.subspan(4, length);
        packet.originalLength = static_cast<std::uint32_t>(length + ((flags & 1) ? 100 : 0));
        if (decoder.decode(packet, seg) == PacketDecoder::Outcome::Segment) {
            // Touch every payload byte so a bad view shows up under ASan.
            for (std::uint8_t b : seg.payload) checksum += b;
            checksum += seg.src.toString().size() + seg.dst.toString().size();
        }
        in = in.subspan(4 + length);
    }
    decoder.finish();
    (void)decoder.takeIssues();
    (void)checksum;
    return decoder.stats();
}

}  // namespace h2lens::test
