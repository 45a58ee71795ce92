#pragma once
// The fixed 9-byte frame header (RFC 9113 §4.1) and the plausibility test that frame-sync
// search uses to guess where a frame starts in bytes of unknown alignment.
#include <cstdint>

#include "common/bytes.h"

namespace h2lens {

struct FrameHeader {
    std::uint32_t length = 0;
    std::uint8_t type = 0;
    std::uint8_t flags = 0;
    std::uint32_t streamId = 0;
    bool reservedBit = false;
};

// `p` must point at kFrameHeaderSize readable bytes.
inline FrameHeader parseFrameHeader(const std::uint8_t* p) {
    const std::uint32_t sid = loadBe32(p + 5);
    return FrameHeader{loadBe24(p), p[3], p[4], sid & 0x7fffffffu, (sid >> 31) != 0};
}

// True when the header could start a frame of a well-behaved sender: a known type, length at
// most `maxFrameSize` and fitting the type (PING 8, PRIORITY 5, SETTINGS a multiple of 6, ...),
// only the flags the type defines, the type's stream-id rule (SETTINGS/PING/GOAWAY on 0,
// DATA/HEADERS/... not on 0), a clear reserved bit, and not an empty DATA without END_STREAM
// nor a HEADERS without a header block. Stricter than the RFC on purpose
// (undefined flags are legal but rare): a false "yes" would invent a frame, a false "no" only
// delays sync to the next frame.
bool isPlausibleFrameHeader(const FrameHeader& h, std::uint32_t maxFrameSize);

}  // namespace h2lens
