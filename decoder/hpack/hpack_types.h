#pragma once
// Values the HPACK decoder hands out: decoded header fields, the first error of a block, and a
// block's result. Plain data, copied freely; nothing here refers back into the decoder.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace h2lens {

// The four header field representations of RFC 7541 section 6.
enum class HpackRepresentation : std::uint8_t {
    Indexed,                 // 6.1
    LiteralIncremental,      // 6.2.1, adds an entry to the dynamic table
    LiteralWithoutIndexing,  // 6.2.2
    LiteralNeverIndexed,     // 6.2.3, intermediaries must keep it never-indexed
};

struct HeaderField {
    std::string name, value;
    HpackRepresentation representation = HpackRepresentation::Indexed;
    std::uint32_t index = 0;  // HPACK index used for the field or its name; 0 if literal name
    bool nameHuffman = false, valueHuffman = false;
    // Mid-capture decoding: the field (or its name) came from a dynamic-table entry inserted
    // before the capture began. Its text is unknown and left empty; unknownRef names that entry
    // stably ("pre-capture#3") so repeated references can be matched up.
    bool nameKnown = true, valueKnown = true;
    std::string unknownRef;

    // RFC 7541 section 4.1 size; for an unknown name or value its length counts as 0.
    std::size_t hpackSize() const { return name.size() + value.size() + 32; }
};

enum class HpackErrorCode : std::uint8_t {
    BadIndex = 1,       // index 0, or past the static + dynamic table
    IndexDroppedByCap,  // entry exists for the peer but Limits::maxHpackTableSize dropped it
    HuffmanEos,         // EOS symbol inside a Huffman string
    HuffmanBadPadding,  // padding longer than 7 bits, not all ones, or a cut code
    IntegerOverflow,    // integer above 2^32-1 or too many continuation bytes
    IntegerTruncated,   // block ends inside an integer
    StringTooLong,      // string length runs past the end of the block
    TableSizeUpdateAboveLimit,  // update above the acknowledged SETTINGS_HEADER_TABLE_SIZE
    TableSizeUpdateNotAtStart,  // update after a header field in the same block
    MissingTableSizeUpdate,     // SETTINGS lowered the limit but the next block did not say so
    HeaderListTooLarge,         // decoded list above Limits::maxHeaderListSize
};

struct HpackError {
    HpackErrorCode code = HpackErrorCode::BadIndex;
    std::size_t offset = 0;  // byte offset in the block of the element that failed
    std::string message;
};

struct HpackBlock {
    std::vector<HeaderField> fields;  // every field decoded before the first error
    std::optional<HpackError> error;  // the first error; the rest of the block was skipped
    std::vector<std::uint32_t> tableSizeUpdates;  // in wire order
};

std::string_view toString(HpackRepresentation r);
std::string_view toString(HpackErrorCode c);  // "UNKNOWN(0x2a)" style for values not listed

}  // namespace h2lens
