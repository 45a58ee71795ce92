#include "hpack/hpack_decoder.h"

#include <algorithm>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "hpack/huffman.h"
#include "hpack/static_table.h"

namespace h2lens {

namespace {
constexpr std::uint32_t kDefaultTableSize = 4096;
constexpr std::uint32_t kNoLimit = std::numeric_limits<std::uint32_t>::max();
}  // namespace

struct HpackDecoder::BlockState {
    const std::uint8_t* data;
    std::size_t size;
    std::size_t pos = 0;
    HpackBlock& out;
    std::size_t listSize = 0;
    bool atStart = true;
    bool listTooLarge = false;
    bool suspect = false;  // the table was possibly out of step before this block
};

HpackDecoder::HpackDecoder(const Limits& limits)
    : m_maxHeaderListSize(limits.maxHeaderListSize), m_table(limits.maxHpackTableSize) {
    m_table.resetExact(kDefaultTableSize);
}

void HpackDecoder::setMidStream(bool midStream) {
    // A fresh decoder put in mid-stream mode has not seen the connection start, so not even
    // the default SETTINGS value is known; after a lost block the known limit still holds.
    const bool limitKnown = m_settingsSet || m_blocksDecoded > 0;
    // A lowered limit not yet signalled may not have been applied by the peer either.
    const std::uint32_t pendingMax = m_requiredUpdate ? m_table.maxSize() : 0;
    m_midStream = midStream;
    m_requiredUpdate.reset();
    m_outOfStep = false;
    if (midStream) {
        ++m_unknownEpoch;
        if (!limitKnown) m_settingsLimit = kNoLimit;
        m_table.resetUnknown(std::max(m_settingsLimit, pendingMax));
    } else {
        m_settingsLimit = kDefaultTableSize;
        m_settingsSet = false;
        m_blocksDecoded = 0;
        m_table.resetExact(kDefaultTableSize);
    }
}

void HpackDecoder::setSettingsTableSize(std::uint32_t size) {
    m_settingsLimit = size;
    m_settingsSet = true;
    if (size < m_table.maxSize())
        m_requiredUpdate = std::min(m_requiredUpdate.value_or(size), size);
}

bool HpackDecoder::fail(BlockState& s, HpackErrorCode code, std::size_t offset,
                        std::string message) {
    if (!s.out.error) s.out.error = HpackError{code, offset, std::move(message)};
    m_outOfStep = true;
    return false;
}

bool HpackDecoder::readInteger(BlockState& s, unsigned prefixBits, std::uint32_t& value) {
    // RFC 7541 section 5.1; the caller made sure the first byte exists.
    const std::size_t start = s.pos;
    const std::uint32_t mask = (1u << prefixBits) - 1;
    std::uint64_t v = s.data[s.pos++] & mask;
    if (v == mask) {
        for (unsigned shift = 0;; shift += 7) {
            if (s.pos == s.size)
                return fail(s, HpackErrorCode::IntegerTruncated, start,
                            "header block ends inside an integer");
            const std::uint8_t b = s.data[s.pos++];
            v += std::uint64_t{b & 0x7fu} << std::min(shift, 35u);
            if (shift > 28 || v > kNoLimit)
                return fail(s, HpackErrorCode::IntegerOverflow, start,
                            "integer above 2^32-1 or with too many continuation bytes");
            if (!(b & 0x80)) break;
        }
    }
    value = static_cast<std::uint32_t>(v);
    return true;
}

bool HpackDecoder::readString(BlockState& s, std::string& out, bool& huffman) {
    const std::size_t start = s.pos;
    if (s.pos == s.size)
        return fail(s, HpackErrorCode::IntegerTruncated, start,
                    "header block ends before a string length");
    huffman = (s.data[s.pos] & 0x80) != 0;
    std::uint32_t length = 0;
    if (!readInteger(s, 7, length)) return false;
    if (length > s.size - s.pos)
        return fail(s, HpackErrorCode::StringTooLong, start,
                    fmt::format("string of {} bytes but only {} left in the header block", length,
                                s.size - s.pos));
    const ByteSpan raw(s.data + s.pos, length);
    s.pos += length;
    if (!huffman) {
        out.assign(reinterpret_cast<const char*>(raw.data()), raw.size());
        return true;
    }
    out.clear();
    switch (huffmanDecode(raw, out)) {
        case HuffmanStatus::Ok:
            return true;
        case HuffmanStatus::Eos:
            return fail(s, HpackErrorCode::HuffmanEos, start, "EOS symbol inside a Huffman string");
        case HuffmanStatus::BadPadding:
            return fail(s, HpackErrorCode::HuffmanBadPadding, start,
                        "Huffman padding longer than 7 bits or not all ones");
    }
    return false;
}

bool HpackDecoder::resolve(BlockState& s, std::size_t start, std::uint32_t index, bool withValue,
                           HeaderField& field) {
    if (index == 0) return fail(s, HpackErrorCode::BadIndex, start, "index 0");
    if (index <= kStaticTableSize) {
        const StaticEntry& e = staticEntry(index);
        field.name.assign(e.name);
        if (withValue) field.value.assign(e.value);
        return true;
    }
    const DynamicTable::Lookup found = m_table.find(index - kStaticTableSize);
    switch (found.found) {
        case DynamicTable::Found::Entry: {
            const DynamicEntry& e = *found.entry;
            if (e.nameKnown) {
                field.name = e.name;
            } else {
                field.nameKnown = false;
                field.unknownRef = e.unknownRef;
            }
            if (withValue) field.value = e.value;
            return true;
        }
        case DynamicTable::Found::PreCapture:
            field.nameKnown = false;
            if (withValue) field.valueKnown = false;
            // Numbers restart after each lost block, so later epochs get their own prefix.
            field.unknownRef = m_unknownEpoch <= 1 ? fmt::format("pre-capture#{}", found.preCapture)
                                                   : fmt::format("pre-gap{}#{}", m_unknownEpoch - 1,
                                                                 found.preCapture);
            return true;
        case DynamicTable::Found::DroppedByCap:
            return fail(s, HpackErrorCode::IndexDroppedByCap, start,
                        fmt::format("index {} may refer to an entry dropped because the table "
                                    "exceeded the local cap (maxHpackTableSize)",
                                    index));
        case DynamicTable::Found::Missing:
            break;
    }
    return fail(s, HpackErrorCode::BadIndex, start,
                fmt::format("index {} past the table ({} static + {} dynamic entries){}", index,
                            kStaticTableSize, m_table.entries(),
                            s.suspect ? "; the dynamic table may be out of step since an earlier "
                                        "block failed to decode"
                                      : ""));
}

bool HpackDecoder::indexResolves(std::uint32_t index) const {
    if (index == 0) return false;
    if (index <= kStaticTableSize) return true;
    const DynamicTable::Found found = m_table.find(index - kStaticTableSize).found;
    return found == DynamicTable::Found::Entry || found == DynamicTable::Found::PreCapture;
}

void HpackDecoder::leaveBlockStart(BlockState& s) {
    s.atStart = false;
    if (!m_requiredUpdate) return;
    const std::uint32_t required = *m_requiredUpdate;
    m_requiredUpdate.reset();
    const auto& updates = s.out.tableSizeUpdates;
    if (std::any_of(updates.begin(), updates.end(), [&](std::uint32_t u) { return u <= required; }))
        return;
    // Without an update the peer's maximum is at most the new limit anyway (RFC 7541 4.2).
    const bool wasAbove = m_table.maxSizeExact() && m_table.maxSize() > required;
    const std::uint32_t before = m_table.maxSize();
    m_table.lowerMaxSize(required);
    if (wasAbove && !s.out.error)
        fail(s, HpackErrorCode::MissingTableSizeUpdate, 0,
             fmt::format("SETTINGS_HEADER_TABLE_SIZE lowered to {} below the table size {} but "
                         "the block does not start with a table size update",
                         required, before));
}

bool HpackDecoder::decodeSizeUpdate(BlockState& s) {
    const std::size_t start = s.pos;
    std::uint32_t size = 0;
    if (!readInteger(s, 5, size)) return false;
    if (!s.atStart)
        return fail(s, HpackErrorCode::TableSizeUpdateNotAtStart, start,
                    fmt::format("table size update to {} after a header field", size));
    if (size > m_settingsLimit)
        return fail(s, HpackErrorCode::TableSizeUpdateAboveLimit, start,
                    fmt::format("table size update to {} above SETTINGS_HEADER_TABLE_SIZE {}", size,
                                m_settingsLimit));
    s.out.tableSizeUpdates.push_back(size);
    m_table.setMaxSize(size);
    return true;
}

bool HpackDecoder::decodeField(BlockState& s) {
    if (s.atStart) {
        leaveBlockStart(s);
        if (s.out.error) return false;
    }
    const std::size_t start = s.pos;
    const std::uint8_t first = s.data[s.pos];
    HeaderField field;
    if (first & 0x80) {
        field.representation = HpackRepresentation::Indexed;
        if (!readInteger(s, 7, field.index)) return false;
        // Past the cap the field is dropped and an index changes no table: only whether it
        // resolves matters. Copying the entry (an HPACK bomb references a 4 KB one thousands
        // of times per block) cost 64 MB of copies per 16 KB block.
        if (s.listTooLarge && indexResolves(field.index)) return true;
        if (!resolve(s, start, field.index, true, field)) return false;
    } else {
        unsigned prefix = 4;
        if (first & 0x40) {
            field.representation = HpackRepresentation::LiteralIncremental;
            prefix = 6;
        } else if (first & 0x10) {
            field.representation = HpackRepresentation::LiteralNeverIndexed;
        } else {
            field.representation = HpackRepresentation::LiteralWithoutIndexing;
        }
        if (!readInteger(s, prefix, field.index)) return false;
        if (field.index == 0) {
            if (!readString(s, field.name, field.nameHuffman)) return false;
        } else {
            if (!resolve(s, start, field.index, false, field)) return false;
        }
        if (!readString(s, field.value, field.valueHuffman)) return false;
        if (field.representation == HpackRepresentation::LiteralIncremental)
            m_table.insert(
                DynamicEntry{field.name, field.value, field.nameKnown, field.unknownRef});
    }
    s.listSize += field.hpackSize();
    if (s.listSize > m_maxHeaderListSize) {
        if (!s.listTooLarge && !s.out.error)
            s.out.error = HpackError{HpackErrorCode::HeaderListTooLarge, start,
                                     fmt::format("decoded header list above {} bytes (RFC 7541 "
                                                 "sizes); later fields dropped",
                                                 m_maxHeaderListSize)};
        s.listTooLarge = true;
        return true;
    }
    s.out.fields.push_back(std::move(field));
    return true;
}

HpackBlock HpackDecoder::decodeBlock(ByteSpan block) {
    HpackBlock out;
    BlockState s{block.data(), block.size(), 0, out};
    s.suspect = m_outOfStep;
    out.fields.reserve(16);
    while (s.pos < s.size) {
        const bool ok = (s.data[s.pos] & 0xe0) == 0x20 ? decodeSizeUpdate(s) : decodeField(s);
        if (!ok) break;
    }
    if (s.atStart) leaveBlockStart(s);
    ++m_blocksDecoded;
    return out;
}

}  // namespace h2lens
