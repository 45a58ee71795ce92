#pragma once
// HPACK decoder for one direction of one connection (RFC 7541).
//
// Input is one complete header block (HEADERS/PUSH_PROMISE + CONTINUATION payloads, already
// assembled under Limits::maxHeaderBlockBytes by the frame layer), so the decoder works on a
// whole block at a time and keeps no partial-representation state between calls.
//
// Errors: the first error of a block is reported (code, byte offset, message), the fields
// decoded before it are kept, and the rest of the block is skipped. The decoder stays usable,
// but the dynamic table may then be out of step with the peer's (a skipped representation may
// have added an entry); later index errors say so instead of guessing. HeaderListTooLarge is
// the exception: the block is still decoded to the end so the table stays in step, only the
// fields past the cap are dropped.
//
// Refuses: integers above 2^32-1, strings past the block end, EOS or bad padding in Huffman
// strings, table size updates above the acknowledged SETTINGS_HEADER_TABLE_SIZE or after a
// field, and a missing update after SETTINGS lowered the limit. Never holds more than
// Limits::maxHpackTableSize bytes of table, whatever the peer announces.
//
// Mid-capture (setMidStream(true)): see dynamic_table.h. References past the entries we saw
// inserted resolve to pre-capture entries with a stable identity and unknown text; nothing is
// ever guessed.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/bytes.h"
#include "common/limits.h"
#include "hpack/dynamic_table.h"
#include "hpack/hpack_types.h"

namespace h2lens {

class HpackDecoder {
  public:
    explicit HpackDecoder(const Limits& limits);

    HpackBlock decodeBlock(ByteSpan block);

    // The decoding endpoint's SETTINGS_HEADER_TABLE_SIZE, once the encoder side acknowledged
    // it. Bounds later table size updates; a value below the current maximum obliges the next
    // block to start with an update at or below it. Default 4096 (unknown in mid-stream mode).
    void setSettingsTableSize(std::uint32_t size);

    // Capture began mid-connection (call before the first block), or a header block was lost
    // (call before the next one): the table may hold entries we never saw. Forgets the table
    // content; keeps the SETTINGS limit once it is known. setMidStream(false) starts afresh.
    // Unknown entries are named "pre-capture#k"; after a second call "pre-gap1#k", and so on,
    // so identities from before and after a lost block never collide.
    void setMidStream(bool midStream);
    bool midStream() const { return m_midStream; }

    std::size_t tableSize() const { return m_table.size(); }  // lower bound if !tableSizeExact()
    std::size_t tableEntries() const { return m_table.entries(); }  // entries we know
    std::uint32_t maxTableSize() const { return m_table.maxSize(); }
    bool tableSizeExact() const { return m_table.sizeExact(); }
    bool maxTableSizeExact() const { return m_table.maxSizeExact(); }
    // Mid-stream: at most this many pre-capture entries can still be in the peer's table.
    std::size_t preCaptureEntryBound() const { return m_table.preCaptureBound(); }
    // i = 0 is the newest entry (HPACK index 62); i < tableEntries().
    const DynamicEntry& tableEntry(std::size_t i) const { return m_table.entry(i); }
    // True after a block error that may have left the table different from the peer's.
    bool mayBeOutOfStep() const { return m_outOfStep; }

  private:
    struct BlockState;
    bool decodeField(BlockState& s);
    bool decodeSizeUpdate(BlockState& s);
    // Whether an Indexed field with this index would resolve (what resolve() checks, no copy).
    bool indexResolves(std::uint32_t index) const;
    bool resolve(BlockState& s, std::size_t start, std::uint32_t index, bool withValue,
                 HeaderField& field);
    bool readString(BlockState& s, std::string& out, bool& huffman);
    bool readInteger(BlockState& s, unsigned prefixBits, std::uint32_t& value);
    void leaveBlockStart(BlockState& s);
    bool fail(BlockState& s, HpackErrorCode code, std::size_t offset, std::string message);

    std::size_t m_maxHeaderListSize;
    DynamicTable m_table;
    std::uint32_t m_settingsLimit = 4096;
    std::optional<std::uint32_t> m_requiredUpdate;  // lowest SETTINGS value not yet signalled
    bool m_settingsSet = false;
    unsigned m_unknownEpoch = 0;  // times the table was declared unknown
    std::uint64_t m_blocksDecoded = 0;
    bool m_midStream = false;
    bool m_outOfStep = false;
};

}  // namespace h2lens
