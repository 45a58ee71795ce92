#include "h2/frame_header.h"

#include "h2/frame.h"

namespace h2lens {

namespace {

enum class StreamRule : std::uint8_t { Zero, NonZero, Any };

struct TypeRule {
    bool known;
    std::uint8_t allowedFlags;
    StreamRule stream;
    std::uint32_t minLength;
    std::uint32_t fixedLength;  // 0: variable
};

using namespace frame_flag;

constexpr TypeRule ruleFor(std::uint8_t type) {
    switch (static_cast<FrameType>(type)) {
        case FrameType::Data:
            return {true, kEndStream | kPadded, StreamRule::NonZero, 0, 0};
        case FrameType::Headers:
            return {true, kEndStream | kEndHeaders | kPadded | kPriority, StreamRule::NonZero, 0,
                    0};
        case FrameType::Priority:
            return {true, 0, StreamRule::NonZero, 5, 5};
        case FrameType::RstStream:
            return {true, 0, StreamRule::NonZero, 4, 4};
        case FrameType::Settings:
            return {true, kAck, StreamRule::Zero, 0, 0};
        case FrameType::PushPromise:
            return {true, kEndHeaders | kPadded, StreamRule::NonZero, 4, 0};
        case FrameType::Ping:
            return {true, kAck, StreamRule::Zero, 8, 8};
        case FrameType::Goaway:
            return {true, 0, StreamRule::Zero, 8, 0};
        case FrameType::WindowUpdate:
            return {true, 0, StreamRule::Any, 4, 4};
        case FrameType::Continuation:
            return {true, kEndHeaders, StreamRule::NonZero, 0, 0};
        case FrameType::Altsvc:
            return {true, 0, StreamRule::Any, 2, 0};
        case FrameType::Origin:
            return {true, 0, StreamRule::Zero, 0, 0};
        case FrameType::PriorityUpdate:
            return {true, 0, StreamRule::Zero, 4, 0};
    }
    return {false, 0, StreamRule::Any, 0, 0};
}

}  // namespace

bool isPlausibleFrameHeader(const FrameHeader& h, std::uint32_t maxFrameSize) {
    const TypeRule rule = ruleFor(h.type);
    if (!rule.known || h.reservedBit || h.length > maxFrameSize) return false;
    if ((h.flags & ~rule.allowedFlags) != 0) return false;
    if (rule.stream == StreamRule::Zero && h.streamId != 0) return false;
    if (rule.stream == StreamRule::NonZero && h.streamId == 0) return false;
    if (h.length < rule.minLength) return false;
    if (rule.fixedLength != 0 && h.length != rule.fixedLength) return false;
    std::uint32_t mandatory = (h.flags & kPadded) != 0 ? 1 : 0;
    if (static_cast<FrameType>(h.type) == FrameType::Headers && (h.flags & kPriority) != 0)
        mandatory += 5;
    if (h.length < mandatory) return false;
    // Legal but pointless, and runs of zero bytes look exactly like them.
    if (static_cast<FrameType>(h.type) == FrameType::Data && h.length == 0 &&
        (h.flags & kEndStream) == 0)
        return false;
    if (static_cast<FrameType>(h.type) == FrameType::Headers && h.length == mandatory) return false;
    if (static_cast<FrameType>(h.type) == FrameType::Settings &&
        ((h.length % 6) != 0 || ((h.flags & kAck) != 0 && h.length != 0)))
        return false;
    return true;
}

}  // namespace h2lens
