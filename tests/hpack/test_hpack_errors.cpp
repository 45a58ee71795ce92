// Each error code from hand-made blocks: code, offset, the fields kept before the error, and
// that the same decoder decodes the next block.
#include <catch2/catch.hpp>

#include "hpack/hpack_decoder.h"
#include "hpack_test_util.h"

using namespace h2lens;
using h2lens::test::fromHex;

namespace {

// A block the decoder must always manage after an error: static refs plus a new literal.
void requireNextBlockDecodes(HpackDecoder& d) {
    const HpackBlock b = d.decodeBlock(fromHex("8287 0003 6b65 7903 7661 6c"));  // key: val
    REQUIRE_FALSE(b.error);
    REQUIRE(b.fields.size() == 3);
    CHECK(b.fields[0].name == ":method");
    CHECK(b.fields[1].value == "https");
    CHECK(b.fields[2].name == "key");
    CHECK(b.fields[2].value == "val");
}

HpackError requireError(const HpackBlock& b, HpackErrorCode code, std::size_t offset) {
    REQUIRE(b.error);
    INFO(b.error->message);
    CHECK(b.error->code == code);
    CHECK(b.error->offset == offset);
    CHECK_FALSE(b.error->message.empty());
    return *b.error;
}

}  // namespace

TEST_CASE("A bad HPACK index is an error at its position and the next block still decodes",
          "[hpack][errors]") {
    HpackDecoder d{Limits{}};
    SECTION("index 0") {
        const HpackBlock b = d.decodeBlock(fromHex("8280"));
        requireError(b, HpackErrorCode::BadIndex, 1);
        REQUIRE(b.fields.size() == 1);
        CHECK(b.fields[0].value == "GET");
    }
    SECTION("past an empty dynamic table") {
        requireError(d.decodeBlock(fromHex("be")), HpackErrorCode::BadIndex, 0);
    }
    SECTION("literal name index past the table") {
        requireError(d.decodeBlock(fromHex("82 7f00 0161")), HpackErrorCode::BadIndex, 1);
    }
    requireNextBlockDecodes(d);
}

TEST_CASE("A Huffman EOS or bad padding is an HPACK error, and good padding decodes",
          "[hpack][errors]") {
    HpackDecoder d{Limits{}};
    SECTION("EOS inside the name") {
        requireError(d.decodeBlock(fromHex("0084 ffff ffff 0161")), HpackErrorCode::HuffmanEos, 1);
    }
    SECTION("padding of 11 bits") {
        // 'a' is 00011; then 11 one bits.
        requireError(d.decodeBlock(fromHex("0001 61 82 1fff")), HpackErrorCode::HuffmanBadPadding,
                     3);
    }
    SECTION("padding not all ones") {
        requireError(d.decodeBlock(fromHex("0001 61 81 18")), HpackErrorCode::HuffmanBadPadding, 3);
    }
    SECTION("good padding for contrast") {
        const HpackBlock b = d.decodeBlock(fromHex("0001 61 81 1f"));
        REQUIRE_FALSE(b.error);
        CHECK(b.fields.at(0).value == "a");
        CHECK(b.fields.at(0).valueHuffman);
    }
    requireNextBlockDecodes(d);
}

TEST_CASE("An HPACK integer above 2^32-1 or cut by the block's end is an error",
          "[hpack][errors]") {
    HpackDecoder d{Limits{}};
    SECTION("above 2^32-1") {
        requireError(d.decodeBlock(fromHex("82 ffff ffff ff0f")), HpackErrorCode::IntegerOverflow,
                     1);
    }
    SECTION("2^32-1 itself is an integer, but no such index") {
        // 127 + 0 + 127*2^7 + 127*2^14 + 127*2^21 + 15*2^28 = 2^32 - 1
        const HpackBlock b = d.decodeBlock(fromHex("ff80 ffff ff0f"));
        REQUIRE(b.error);
        CHECK(b.error->code == HpackErrorCode::BadIndex);
    }
    SECTION("too many continuation bytes") {
        requireError(d.decodeBlock(fromHex("ff80 8080 8080 8000")), HpackErrorCode::IntegerOverflow,
                     0);
    }
    SECTION("block ends inside an integer") {
        requireError(d.decodeBlock(fromHex("82 ff80")), HpackErrorCode::IntegerTruncated, 1);
    }
    SECTION("block ends before a string") {
        requireError(d.decodeBlock(fromHex("82 44")), HpackErrorCode::IntegerTruncated, 2);
    }
    requireNextBlockDecodes(d);
}

TEST_CASE("An HPACK string past the end of the block is an error", "[hpack][errors]") {
    HpackDecoder d{Limits{}};
    const HpackBlock b = d.decodeBlock(fromHex("82 0005 6162"));
    requireError(b, HpackErrorCode::StringTooLong, 2);
    CHECK(b.fields.size() == 1);
    requireNextBlockDecodes(d);
}

TEST_CASE(
    "HPACK table size updates above the limit, after a field or missing after a SETTINGS change "
    "are errors",
    "[hpack][errors]") {
    HpackDecoder d{Limits{}};
    SECTION("4096 is allowed, 4097 is above the default SETTINGS value") {
        CHECK_FALSE(d.decodeBlock(fromHex("3fe11f")).error);
        requireError(d.decodeBlock(fromHex("3fe21f")), HpackErrorCode::TableSizeUpdateAboveLimit,
                     0);
        CHECK(d.maxTableSize() == 4096);
    }
    SECTION("after a field") {
        const HpackBlock b = d.decodeBlock(fromHex("82 20"));
        requireError(b, HpackErrorCode::TableSizeUpdateNotAtStart, 1);
        CHECK(b.fields.size() == 1);
    }
    SECTION("two updates at the start are fine") {
        const HpackBlock b = d.decodeBlock(fromHex("20 3f61 82"));
        REQUIRE_FALSE(b.error);
        CHECK(b.tableSizeUpdates == std::vector<std::uint32_t>{0, 128});
        CHECK(d.maxTableSize() == 128);
    }
    SECTION("SETTINGS lowered but no update at the next block") {
        d.setSettingsTableSize(1024);
        requireError(d.decodeBlock(fromHex("82")), HpackErrorCode::MissingTableSizeUpdate, 0);
        CHECK(d.maxTableSize() == 1024);
        CHECK_FALSE(d.decodeBlock(fromHex("82")).error);  // required only once
    }
    SECTION("SETTINGS lowered then raised: the lowest value must be signalled") {
        d.setSettingsTableSize(100);
        d.setSettingsTableSize(2000);
        requireError(d.decodeBlock(fromHex("3fb10f 82")), HpackErrorCode::MissingTableSizeUpdate,
                     0);
        CHECK(d.maxTableSize() == 100);
    }
    SECTION("SETTINGS lowered then raised: signalling the lowest, then more, is fine") {
        d.setSettingsTableSize(100);
        d.setSettingsTableSize(2000);
        const HpackBlock b = d.decodeBlock(fromHex("3f45 3fb10f 82"));  // 100, then 2000
        REQUIRE_FALSE(b.error);
        CHECK(b.tableSizeUpdates == std::vector<std::uint32_t>{100, 2000});
    }
    SECTION("SETTINGS raised: updates up to the new value") {
        d.setSettingsTableSize(16384);
        CHECK_FALSE(d.decodeBlock(fromHex("82")).error);
        const HpackBlock b = d.decodeBlock(fromHex("3fe17f 82"));
        REQUIRE_FALSE(b.error);
        CHECK(b.tableSizeUpdates == std::vector<std::uint32_t>{16384});
    }
    requireNextBlockDecodes(d);
}

TEST_CASE("An HPACK header list above the cap is an error that keeps the table in step",
          "[hpack][errors]") {
    Limits limits;
    limits.maxHeaderListSize = 100;
    HpackDecoder d{limits};
    // Three literal-with-indexing fields "k1".."k3" with 20-byte values: 54 bytes each.
    const std::string v(20, 'x');
    Bytes block;
    for (char c : std::string("123")) {
        block.push_back(0x40);
        h2lens::test::encodeString(block, std::string("k") + c, false);
        h2lens::test::encodeString(block, v, false);
    }
    const HpackBlock b = d.decodeBlock(block);
    requireError(b, HpackErrorCode::HeaderListTooLarge, 25);
    REQUIRE(b.fields.size() == 1);
    CHECK(b.fields[0].name == "k1");
    CHECK(d.tableEntries() == 3);  // decoded to the end anyway
    CHECK_FALSE(d.mayBeOutOfStep());
    const HpackBlock next = d.decodeBlock(fromHex("be"));
    REQUIRE_FALSE(next.error);
    CHECK(next.fields.at(0).name == "k3");
}

TEST_CASE("An HPACK index to an entry dropped by the local table cap is an error",
          "[hpack][errors]") {
    Limits limits;
    limits.maxHpackTableSize = 100;
    HpackDecoder d{limits};
    // Two 60-byte entries: the peer keeps both in 4096 bytes, we keep only the newest.
    const std::string v(26, 'y');
    Bytes block;
    for (const char* name : {"n1", "n2"}) {
        block.push_back(0x40);
        h2lens::test::encodeString(block, name, false);
        h2lens::test::encodeString(block, v, false);
    }
    REQUIRE_FALSE(d.decodeBlock(block).error);
    CHECK(d.tableEntries() == 1);
    CHECK(d.tableSize() <= 100);
    const HpackBlock b = d.decodeBlock(fromHex("be bf"));
    requireError(b, HpackErrorCode::IndexDroppedByCap, 1);
    REQUIRE(b.fields.size() == 1);
    CHECK(b.fields[0].name == "n2");
}

TEST_CASE("HPACK index errors after a failed block say the table may be out of step",
          "[hpack][errors]") {
    HpackDecoder d{Limits{}};
    // The literal "k: v" is never inserted: the block fails on index 0 before it.
    REQUIRE(d.decodeBlock(fromHex("80 4001 6b01 76")).error);
    CHECK(d.mayBeOutOfStep());
    const HpackBlock b = d.decodeBlock(fromHex("be"));
    const HpackError e = requireError(b, HpackErrorCode::BadIndex, 0);
    CHECK(e.message.find("out of step") != std::string::npos);
}

TEST_CASE("HPACK never-indexed fields keep their representation and stay out of the table",
          "[hpack]") {
    HpackDecoder d{Limits{}};
    const HpackBlock b = d.decodeBlock(fromHex("1f28 0673 6563 7265 74"));  // set-cookie, idx 55
    REQUIRE_FALSE(b.error);
    REQUIRE(b.fields.size() == 1);
    CHECK(b.fields[0].representation == HpackRepresentation::LiteralNeverIndexed);
    CHECK(b.fields[0].name == "set-cookie");
    CHECK(b.fields[0].index == 55);
    CHECK(b.fields[0].value == "secret");
    CHECK(d.tableEntries() == 0);
}
