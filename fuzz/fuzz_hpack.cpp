// libFuzzer target for the HPACK decoder. Input layout:
//   byte 0      flags: bit 0 mid-stream, bit 1 apply SETTINGS_HEADER_TABLE_SIZE, bit 2 tiny caps
//   bytes 1..2  SETTINGS_HEADER_TABLE_SIZE (big-endian, used with bit 1)
//   then blocks, each a big-endian 16-bit length and that many bytes (the last may be short)
// Also decodes the whole input as one Huffman string and checks it re-encodes to the same text.
// tests/hpack/test_fuzz_replay.cpp replays fuzz/corpus/hpack through this function.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "common/limits.h"
#include "hpack/hpack_decoder.h"
#include "hpack/huffman.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace h2lens;
    const ByteSpan input(data, size);

    std::string text;
    if (huffmanDecode(input, text) == HuffmanStatus::Ok) {
        Bytes again;
        huffmanEncode(text, again);
        std::string back;
        if (huffmanDecode(again, back) != HuffmanStatus::Ok || back != text) __builtin_trap();
    }

    if (size < 3) return 0;
    const std::uint8_t flags = data[0];
    Limits limits;
    if (flags & 4) {
        limits.maxHeaderListSize = 256;
        limits.maxHpackTableSize = 256;
    }
    HpackDecoder decoder(limits);
    decoder.setMidStream(flags & 1);
    if (flags & 2) decoder.setSettingsTableSize(loadBe16(data + 1));

    ByteReader reader(input.subspan(3));
    while (!reader.empty()) {
        const std::size_t want = reader.remaining() >= 2 ? reader.be16() : reader.remaining();
        const ByteSpan block = reader.take(std::min(want, reader.remaining()));
        const HpackBlock result = decoder.decodeBlock(block);
        std::size_t listSize = 0;
        for (const HeaderField& f : result.fields) {
            listSize += f.hpackSize();
            if (f.valueKnown == false && f.nameKnown) __builtin_trap();
            if ((!f.nameKnown || !f.valueKnown) && f.unknownRef.empty()) __builtin_trap();
        }
        if (listSize > limits.maxHeaderListSize) __builtin_trap();
        if (result.error && result.error->offset > block.size()) __builtin_trap();
        if (decoder.tableSize() > limits.maxHpackTableSize) __builtin_trap();
        for (std::size_t i = 0; i < decoder.tableEntries(); ++i) (void)decoder.tableEntry(i).size();
    }
    return 0;
}
