#include "hpack/hpack_types.h"

namespace h2lens {

std::string_view toString(HpackRepresentation r) {
    switch (r) {
        case HpackRepresentation::Indexed:
            return "indexed";
        case HpackRepresentation::LiteralIncremental:
            return "literal-incremental";
        case HpackRepresentation::LiteralWithoutIndexing:
            return "literal-without-indexing";
        case HpackRepresentation::LiteralNeverIndexed:
            return "literal-never-indexed";
    }
    return "UNKNOWN";
}

std::string_view toString(HpackErrorCode c) {
    switch (c) {
        case HpackErrorCode::BadIndex:
            return "BAD_INDEX";
        case HpackErrorCode::IndexDroppedByCap:
            return "INDEX_DROPPED_BY_CAP";
        case HpackErrorCode::HuffmanEos:
            return "HUFFMAN_EOS";
        case HpackErrorCode::HuffmanBadPadding:
            return "HUFFMAN_BAD_PADDING";
        case HpackErrorCode::IntegerOverflow:
            return "INTEGER_OVERFLOW";
        case HpackErrorCode::IntegerTruncated:
            return "INTEGER_TRUNCATED";
        case HpackErrorCode::StringTooLong:
            return "STRING_TOO_LONG";
        case HpackErrorCode::TableSizeUpdateAboveLimit:
            return "TABLE_SIZE_UPDATE_ABOVE_LIMIT";
        case HpackErrorCode::TableSizeUpdateNotAtStart:
            return "TABLE_SIZE_UPDATE_NOT_AT_START";
        case HpackErrorCode::MissingTableSizeUpdate:
            return "MISSING_TABLE_SIZE_UPDATE";
        case HpackErrorCode::HeaderListTooLarge:
            return "HEADER_LIST_TOO_LARGE";
    }
    return "UNKNOWN";
}

}  // namespace h2lens
