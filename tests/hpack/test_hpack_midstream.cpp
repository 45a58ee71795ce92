// Mid-capture decoding: real header sets (hpack-test-case raw-data) are encoded with a
// reference encoder, the first blocks are dropped, and the rest is decoded in mid-stream mode.
// Every field must be exact when all it refers to was inserted after the cut, unknown when it
// refers to an earlier entry, with one stable identity per pre-capture entry, and never wrong.
#include <filesystem>
#include <fstream>
#include <map>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "hpack/hpack_decoder.h"
#include "hpack_test_util.h"
#include "test_paths.h"

using namespace h2lens;
using h2lens::test::fromHex;
using h2lens::test::HeaderList;
using h2lens::test::ReferenceEncoder;
namespace fs = std::filesystem;

namespace {

std::vector<HeaderList> loadRawStory(const fs::path& file) {
    std::ifstream in(file);
    const nlohmann::json j = nlohmann::json::parse(in);
    std::vector<HeaderList> blocks;
    for (const auto& c : j.at("cases")) {
        HeaderList list;
        for (const auto& h : c.at("headers"))
            for (const auto& [k, v] : h.items()) list.emplace_back(k, v.get<std::string>());
        blocks.push_back(std::move(list));
    }
    return blocks;
}

struct Tally {
    std::size_t fields = 0, exact = 0, unknownNames = 0, unknownValues = 0;
};

// The pre-capture entry a name or value came from: the newest entry before the cut.
long boundary(const std::vector<long>& chain, long cut) {
    for (long s : chain)
        if (s < cut) return s;
    return -1;
}

void checkMidStream(const std::vector<HeaderList>& story, std::size_t cutBlock, bool settingsKnown,
                    std::optional<std::uint32_t> updateAfterCut, Tally& tally) {
    ReferenceEncoder encoder;
    std::vector<ReferenceEncoder::Block> blocks;
    for (std::size_t i = 0; i < story.size(); ++i)
        blocks.push_back(encoder.encode(
            story[i], i == cutBlock + 2 ? updateAfterCut : std::optional<std::uint32_t>{}));
    const long cut = blocks[cutBlock - 1].firstSerialAfter;

    HpackDecoder d{Limits{}};
    d.setMidStream(true);
    if (settingsKnown) d.setSettingsTableSize(4096);
    std::map<std::string, long> refToEntry;  // identity -> encoder entry serial
    std::map<long, std::string> entryToRef;
    auto sameIdentity = [&](const std::string& ref, long serial) {
        REQUIRE(serial >= 0);
        REQUIRE_FALSE(ref.empty());
        auto [it, fresh] = refToEntry.emplace(ref, serial);
        CHECK(it->second == serial);
        auto [it2, fresh2] = entryToRef.emplace(serial, ref);
        CHECK(it2->second == ref);
    };
    for (std::size_t i = cutBlock; i < blocks.size(); ++i) {
        INFO("block " << i << " (cut after " << cutBlock << ")");
        const HpackBlock b = d.decodeBlock(blocks[i].wire);
        REQUIRE_FALSE(b.error);
        REQUIRE(b.fields.size() == story[i].size());
        for (std::size_t k = 0; k < b.fields.size(); ++k) {
            const HeaderField& f = b.fields[k];
            const auto& origin = blocks[i].origins[k];
            const auto& [name, value] = story[i][k];
            INFO("field " << k << " " << name << ": " << value);
            const long nameFrom = boundary(origin.nameChain, cut);
            const bool valueFromBefore = origin.entrySerial >= 0 && origin.entrySerial < cut;
            CHECK(f.nameKnown == (nameFrom < 0));
            CHECK(f.valueKnown == !valueFromBefore);
            if (f.nameKnown) CHECK(f.name == name);
            if (f.valueKnown) CHECK(f.value == value);
            if (!f.nameKnown) sameIdentity(f.unknownRef, nameFrom);
            if (!f.valueKnown) sameIdentity(f.unknownRef, origin.entrySerial);
            ++tally.fields;
            tally.exact += f.nameKnown && f.valueKnown;
            tally.unknownNames += !f.nameKnown;
            tally.unknownValues += !f.valueKnown;
        }
    }
    if (updateAfterCut && cutBlock + 2 < blocks.size()) {
        CHECK(d.maxTableSizeExact());
        CHECK(d.maxTableSize() == *updateAfterCut);
    }
}

}  // namespace

TEST_CASE(
    "Mid-stream HPACK decoding keeps the identity of hand-made references to pre-capture entries",
    "[hpack][midstream]") {
    HpackDecoder d{Limits{}};
    d.setMidStream(true);
    HpackBlock b = d.decodeBlock(fromHex("be 7e 0161"));  // idx 62; literal, name of idx 62
    REQUIRE_FALSE(b.error);
    REQUIRE(b.fields.size() == 2);
    CHECK_FALSE(b.fields[0].nameKnown);
    CHECK_FALSE(b.fields[0].valueKnown);
    CHECK(b.fields[0].unknownRef == "pre-capture#1");
    CHECK_FALSE(b.fields[1].nameKnown);
    CHECK(b.fields[1].valueKnown);
    CHECK(b.fields[1].value == "a");
    CHECK(b.fields[1].unknownRef == "pre-capture#1");
    CHECK(d.tableEntries() == 1);
    CHECK_FALSE(d.tableSizeExact());

    // Now index 62 is the new entry (unknown name, value "a"), 63 the same pre-capture entry.
    b = d.decodeBlock(fromHex("be bf c0"));
    REQUIRE_FALSE(b.error);
    REQUIRE(b.fields.size() == 3);
    CHECK_FALSE(b.fields[0].nameKnown);
    CHECK(b.fields[0].value == "a");
    CHECK(b.fields[0].unknownRef == "pre-capture#1");
    CHECK(b.fields[1].unknownRef == "pre-capture#1");
    CHECK_FALSE(b.fields[1].valueKnown);
    CHECK(b.fields[2].unknownRef == "pre-capture#2");

    // A size update to 0 empties the table: every earlier entry is gone for good.
    b = d.decodeBlock(fromHex("20 4001 6b01 76"));
    REQUIRE_FALSE(b.error);
    REQUIRE(b.fields.size() == 1);
    CHECK(b.fields[0].name == "k");
    CHECK(d.tableEntries() == 0);  // 0-byte table: the entry was not even added
    CHECK(d.tableSizeExact());
    CHECK(d.decodeBlock(fromHex("be")).error);
}

TEST_CASE("Certain eviction bounds the pre-capture entries of mid-stream HPACK decoding",
          "[hpack][midstream]") {
    HpackDecoder d{Limits{}};
    d.setMidStream(true);
    d.setSettingsTableSize(128);
    // After the next block start the peer's table is at most 128 bytes: with one 36-byte entry
    // of ours, at most 2 pre-capture entries can remain.
    HpackBlock b = d.decodeBlock(fromHex("4001 6b01 76"));
    REQUIRE_FALSE(b.error);
    CHECK(d.maxTableSize() == 128);
    CHECK_FALSE(d.maxTableSizeExact());
    CHECK(d.preCaptureEntryBound() == 2);
    b = d.decodeBlock(fromHex("bf c0"));
    REQUIRE_FALSE(b.error);
    CHECK(b.fields[1].unknownRef == "pre-capture#2");
    b = d.decodeBlock(fromHex("c1"));
    REQUIRE(b.error);
    CHECK(b.error->code == HpackErrorCode::BadIndex);
}

TEST_CASE(
    "Real header sets cut at several points decode mid-stream with every field exact or unknown, "
    "never wrong",
    "[hpack][midstream][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const fs::path raw = h2lens::test::sharedDir() / "corpus" / "hpack-test-case" / "raw-data";
    Tally tally;
    std::size_t stories = 0;
    for (const char* name :
         {"story_20.json", "story_24.json", "story_26.json", "story_29.json", "story_31.json"}) {
        const auto story = loadRawStory(raw / name);
        REQUIRE(story.size() > 32);
        ++stories;
        for (std::size_t cut : {1, 3, 10, 30})
            for (bool settingsKnown : {false, true})
                for (auto update :
                     {std::optional<std::uint32_t>{}, std::optional<std::uint32_t>{4096},
                      std::optional<std::uint32_t>{512}}) {
                    INFO(name << " cut " << cut << " settingsKnown " << settingsKnown << " update "
                              << update.value_or(0));
                    checkMidStream(story, cut, settingsKnown, update, tally);
                }
    }
    WARN("mid-stream: " << stories << " stories, " << tally.fields << " fields: " << tally.exact
                        << " exact, " << tally.unknownNames << " unknown names, "
                        << tally.unknownValues << " unknown values");
    CHECK(tally.exact > 0);
    CHECK(tally.unknownNames > 0);
    CHECK(tally.unknownValues > 0);
}

TEST_CASE("After a lost HPACK block the table is forgotten and the size limit kept",
          "[hpack][midstream]") {
    HpackDecoder d{Limits{}};
    REQUIRE_FALSE(d.decodeBlock(fromHex("4001 6b01 76")).error);  // k: v
    REQUIRE(d.tableEntries() == 1);
    d.setMidStream(true);  // a block went missing: it may have inserted entries
    CHECK(d.tableEntries() == 0);
    CHECK_FALSE(d.maxTableSizeExact());
    CHECK(d.maxTableSize() == 4096);
    HpackBlock b = d.decodeBlock(fromHex("be"));
    REQUIRE_FALSE(b.error);
    CHECK_FALSE(b.fields.at(0).valueKnown);
    CHECK(b.fields.at(0).unknownRef == "pre-capture#1");
    d.setMidStream(true);  // another lost block: a new set of unknown entries
    b = d.decodeBlock(fromHex("be"));
    REQUIRE_FALSE(b.error);
    CHECK(b.fields.at(0).unknownRef == "pre-gap1#1");
    b = d.decodeBlock(fromHex("3f e2 1f"));  // 4097: above the default SETTINGS value
    REQUIRE(b.error);
    CHECK(b.error->code == HpackErrorCode::TableSizeUpdateAboveLimit);

    HpackDecoder fresh{Limits{}};
    fresh.setMidStream(true);  // never saw the connection start: any limit is possible
    CHECK_FALSE(fresh.decodeBlock(fromHex("3f e2 1f")).error);
    CHECK(fresh.maxTableSize() == 4097);
    CHECK(fresh.maxTableSizeExact());
}
