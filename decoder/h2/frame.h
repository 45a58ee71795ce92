#pragma once
// One decoded HTTP/2 frame (RFC 9113 §4, §6, plus ALTSVC RFC 7838, ORIGIN RFC 8336 and
// PRIORITY_UPDATE RFC 9218), as the FrameDecoder hands it to a FrameSink.
//
// Lifetime: every ByteSpan in a Frame (payload, data, headerBlockFragment, debugData, origins,
// ...) points into the decoder's input chunk or its own buffer and is valid ONLY during the
// FrameSink::onFrame call. Copy what you keep.
//
// Only the fields of the frame's own type are meaningful; the others hold their defaults.
// A malformed payload is never thrown: `error` names the first problem found and the fields that
// could be decoded before it are still filled.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"

namespace h2lens {

// Wire values; any other value is kept in Frame::type and printed as UNKNOWN(0x..).
enum class FrameType : std::uint8_t {
    Data = 0x0,
    Headers = 0x1,
    Priority = 0x2,
    RstStream = 0x3,
    Settings = 0x4,
    PushPromise = 0x5,
    Ping = 0x6,
    Goaway = 0x7,
    WindowUpdate = 0x8,
    Continuation = 0x9,
    Altsvc = 0xa,
    Origin = 0xc,
    PriorityUpdate = 0x10,
};

// Flag bits; their meaning depends on the frame type (RFC 9113 §6).
namespace frame_flag {
inline constexpr std::uint8_t kEndStream = 0x01;   // DATA, HEADERS
inline constexpr std::uint8_t kAck = 0x01;         // SETTINGS, PING
inline constexpr std::uint8_t kEndHeaders = 0x04;  // HEADERS, PUSH_PROMISE, CONTINUATION
inline constexpr std::uint8_t kPadded = 0x08;      // DATA, HEADERS, PUSH_PROMISE
inline constexpr std::uint8_t kPriority = 0x20;    // HEADERS
}  // namespace frame_flag

inline constexpr std::size_t kFrameHeaderSize = 9;
inline constexpr std::uint32_t kDefaultMaxFrameSize = 16384;  // RFC 9113 §6.5.2
inline constexpr std::uint32_t kMaxAllowedFrameSize = (1u << 24) - 1;

// HEADERS priority block / PRIORITY payload (RFC 9113 §6.3, deprecated but still sent).
struct PriorityFields {
    bool exclusive = false;
    std::uint32_t dependency = 0;  // 31 bits
    std::uint8_t weight = 0;       // wire value; the effective weight is weight + 1
    bool operator==(const PriorityFields&) const = default;
};

struct Setting {
    std::uint16_t id = 0;  // see settingName(); unknown ids are kept
    std::uint32_t value = 0;
    bool operator==(const Setting&) const = default;
};

enum class FrameErrorKind : std::uint8_t {
    PaddingTooLong,   // pad length exceeds what the payload leaves
    FrameTooShort,    // payload shorter than the type's mandatory fields
    BadLength,        // fixed-size frame with another length (PING, PRIORITY, ...)
    StreamIdZero,     // type needs a stream, came on stream 0
    StreamIdNonZero,  // connection-level type came on a stream
    SettingsAckWithPayload,
    BadSettingValue,  // ENABLE_PUSH not 0/1, INITIAL_WINDOW_SIZE > 2^31-1, ...
    ZeroWindowIncrement,
    ZeroStreamReference,  // PRIORITY_UPDATE naming stream 0
    SelfDependency,       // PRIORITY / HEADERS depending on its own stream
};

// `text` is a static string: the problem and where the RFC forbids it, e.g.
// "PADDING_TOO_LONG §6.1". `h2ErrorCode` is the error code the RFC tells a receiver to use
// (PROTOCOL_ERROR, FRAME_SIZE_ERROR, FLOW_CONTROL_ERROR) or 0 for extensions that say "ignore".
struct FrameError {
    FrameErrorKind kind;
    std::string_view text;
    std::uint32_t h2ErrorCode;
};

struct Frame {
    std::uint64_t offset = 0;  // byte offset of the frame header in this direction's stream
    TimestampNs ts = 0;        // time of the TCP segment that completed the frame
    TimestampNs firstTs = 0;   // time of the TCP segment that carried its first byte
    std::uint32_t length = 0;
    std::uint8_t type = 0;
    std::uint8_t flags = 0;
    std::uint32_t streamId = 0;
    bool reservedBit = false;

    // DATA, HEADERS, PUSH_PROMISE
    bool padded = false;
    std::uint8_t padLength = 0;
    // HEADERS (with the PRIORITY flag) and PRIORITY
    std::optional<PriorityFields> priority;
    // PUSH_PROMISE
    std::uint32_t promisedStreamId = 0;
    // RST_STREAM, GOAWAY
    std::uint32_t errorCode = 0;
    // SETTINGS
    std::vector<Setting> settings;
    // PING
    std::array<std::uint8_t, 8> pingData{};
    // GOAWAY
    std::uint32_t lastStreamId = 0;
    ByteSpan debugData;
    // WINDOW_UPDATE
    std::uint32_t windowIncrement = 0;
    // HEADERS, PUSH_PROMISE, CONTINUATION
    ByteSpan headerBlockFragment;
    // DATA: the payload without pad length and padding
    ByteSpan data;
    // ALTSVC (RFC 7838 §4)
    ByteSpan altSvcOrigin;
    ByteSpan altSvcValue;
    // ORIGIN (RFC 8336 §2): each ASCII-Origin
    std::vector<ByteSpan> origins;
    // PRIORITY_UPDATE (RFC 9218 §7.1)
    std::uint32_t prioritizedStreamId = 0;
    ByteSpan priorityFieldValue;

    ByteSpan payload;  // the raw payload, whatever the type (unknown types keep only this)
    std::optional<FrameError> error;
    bool oversize = false;  // length > the receiver's SETTINGS_MAX_FRAME_SIZE (still decoded)

    FrameType frameType() const { return static_cast<FrameType>(type); }
    bool hasFlag(std::uint8_t flag) const { return (flags & flag) != 0; }
};

}  // namespace h2lens
