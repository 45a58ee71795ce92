#pragma once
// The three ways a fixed-layout header parse can end. `Short` means the bytes ran out before the
// header did: only the caller knows whether that is a snap-length cut or a broken packet.
#include <cstdint>

namespace h2lens {

enum class ParseStatus : std::uint8_t { Ok, Short, Bad };

struct ParseResult {
    ParseStatus status = ParseStatus::Ok;
    const char* reason = "";  // for Bad: what is impossible, static text

    static ParseResult ok() { return {}; }
    static ParseResult tooShort() { return {ParseStatus::Short, ""}; }
    static ParseResult bad(const char* why) { return {ParseStatus::Bad, why}; }
};

}  // namespace h2lens
