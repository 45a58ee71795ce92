#include "h2/names.h"

#include <array>
#include <string_view>

#include <fmt/format.h>

#include "h2/frame.h"

namespace h2lens {

namespace {

std::string unknown(std::uint32_t v) {
    return fmt::format("UNKNOWN(0x{:x})", v);
}

std::string_view knownTypeName(std::uint8_t type) {
    switch (static_cast<FrameType>(type)) {
        case FrameType::Data:
            return "DATA";
        case FrameType::Headers:
            return "HEADERS";
        case FrameType::Priority:
            return "PRIORITY";
        case FrameType::RstStream:
            return "RST_STREAM";
        case FrameType::Settings:
            return "SETTINGS";
        case FrameType::PushPromise:
            return "PUSH_PROMISE";
        case FrameType::Ping:
            return "PING";
        case FrameType::Goaway:
            return "GOAWAY";
        case FrameType::WindowUpdate:
            return "WINDOW_UPDATE";
        case FrameType::Continuation:
            return "CONTINUATION";
        case FrameType::Altsvc:
            return "ALTSVC";
        case FrameType::Origin:
            return "ORIGIN";
        case FrameType::PriorityUpdate:
            return "PRIORITY_UPDATE";
    }
    return {};
}

}  // namespace

std::string frameTypeName(std::uint8_t type) {
    const std::string_view name = knownTypeName(type);
    return name.empty() ? unknown(type) : std::string(name);
}

bool isUnknownFrameType(std::uint8_t type) {
    return knownTypeName(type).empty();
}

std::string frameFlagNames(std::uint8_t type, std::uint8_t flags) {
    struct Bit {
        std::uint8_t bit;
        std::string_view name;
    };
    using namespace frame_flag;
    static constexpr std::array<Bit, 4> kData{
        {{kEndStream, "END_STREAM"}, {kPadded, "PADDED"}, {0, {}}, {0, {}}}};
    static constexpr std::array<Bit, 4> kHeaders{{{kEndStream, "END_STREAM"},
                                                  {kEndHeaders, "END_HEADERS"},
                                                  {kPadded, "PADDED"},
                                                  {kPriority, "PRIORITY"}}};
    static constexpr std::array<Bit, 4> kPushPromise{
        {{kEndHeaders, "END_HEADERS"}, {kPadded, "PADDED"}, {0, {}}, {0, {}}}};
    static constexpr std::array<Bit, 4> kAckOnly{{{kAck, "ACK"}, {0, {}}, {0, {}}, {0, {}}}};
    static constexpr std::array<Bit, 4> kEndHeadersOnly{
        {{kEndHeaders, "END_HEADERS"}, {0, {}}, {0, {}}, {0, {}}}};
    static constexpr std::array<Bit, 4> kNone{};

    const std::array<Bit, 4>* bits = &kNone;
    switch (static_cast<FrameType>(type)) {
        case FrameType::Data:
            bits = &kData;
            break;
        case FrameType::Headers:
            bits = &kHeaders;
            break;
        case FrameType::PushPromise:
            bits = &kPushPromise;
            break;
        case FrameType::Settings:
        case FrameType::Ping:
            bits = &kAckOnly;
            break;
        case FrameType::Continuation:
            bits = &kEndHeadersOnly;
            break;
        default:
            break;
    }
    std::string out;
    std::uint8_t rest = flags;
    for (const Bit& b : *bits) {
        if (b.bit == 0 || (flags & b.bit) == 0) continue;
        if (!out.empty()) out += '|';
        out += b.name;
        rest = static_cast<std::uint8_t>(rest & ~b.bit);
    }
    if (rest != 0) {
        if (!out.empty()) out += '|';
        out += fmt::format("0x{:02x}", rest);
    }
    return out;
}

std::string errorCodeName(std::uint32_t code) {
    static constexpr std::array<std::string_view, 14> kNames{"NO_ERROR",
                                                             "PROTOCOL_ERROR",
                                                             "INTERNAL_ERROR",
                                                             "FLOW_CONTROL_ERROR",
                                                             "SETTINGS_TIMEOUT",
                                                             "STREAM_CLOSED",
                                                             "FRAME_SIZE_ERROR",
                                                             "REFUSED_STREAM",
                                                             "CANCEL",
                                                             "COMPRESSION_ERROR",
                                                             "CONNECT_ERROR",
                                                             "ENHANCE_YOUR_CALM",
                                                             "INADEQUATE_SECURITY",
                                                             "HTTP_1_1_REQUIRED"};
    return code < kNames.size() ? std::string(kNames[code]) : unknown(code);
}

std::string settingName(std::uint16_t id) {
    switch (id) {
        case 0x1:
            return "HEADER_TABLE_SIZE";
        case 0x2:
            return "ENABLE_PUSH";
        case 0x3:
            return "MAX_CONCURRENT_STREAMS";
        case 0x4:
            return "INITIAL_WINDOW_SIZE";
        case 0x5:
            return "MAX_FRAME_SIZE";
        case 0x6:
            return "MAX_HEADER_LIST_SIZE";
        case 0x8:
            return "ENABLE_CONNECT_PROTOCOL";
        case 0x9:
            return "NO_RFC7540_PRIORITIES";
        default:
            return unknown(id);
    }
}

}  // namespace h2lens
