#pragma once
// HPACK Huffman code (RFC 7541 section 5.2 and Appendix B).
// The decoder reads a 64-bit bit buffer and resolves codes of up to 10 bits (all printable
// ASCII that matters) with one table lookup; longer codes use the canonical-code limits, which
// works because the Appendix B code is canonical (codes ordered by length, then symbol).
#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"

namespace h2lens {

enum class HuffmanStatus : std::uint8_t {
    Ok,
    Eos,         // the EOS symbol appeared inside the string
    BadPadding,  // more than 7 bits left over, or left-over bits not all ones
};

// Appends the decoded text of `encoded` to `out`. On failure `out` holds what was decoded
// before the fault.
HuffmanStatus huffmanDecode(ByteSpan encoded, std::string& out);

// Appends the Huffman encoding of `text` (padded with ones) to `out`. Used by tests.
void huffmanEncode(std::string_view text, Bytes& out);
std::size_t huffmanEncodedLength(std::string_view text);

}  // namespace h2lens
