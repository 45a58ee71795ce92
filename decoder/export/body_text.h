#pragma once
// How body bytes are shown: UTF-8 text when they are valid UTF-8, else base64; a classic hex dump
// for terminals. Pure functions over bytes.
#include <cstddef>
#include <string>

#include "common/bytes.h"

namespace h2lens {

// True when `bytes` is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF)
// without NUL or other C0 controls besides tab, CR, LF, FF, ESC.
bool isUtf8Text(ByteSpan bytes);
// Length of the well-formed UTF-8 sequence starting at bytes[i], or 0 when it is malformed.
std::size_t utf8SequenceLength(ByteSpan bytes, std::size_t i);
// UTF-8 text cut to at most `max` bytes without splitting a character.
std::size_t utf8Prefix(ByteSpan bytes, std::size_t max);

std::string base64Encode(ByteSpan bytes);
// The same, appended to `out` (no string of its own).
void appendBase64(std::string& out, ByteSpan bytes);

// 16 bytes per line: "00000000  48 65 6c 6c 6f ...  |Hello...|".
std::string hexDump(ByteSpan bytes, std::string_view indent = "");

}  // namespace h2lens
