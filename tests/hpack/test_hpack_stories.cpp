// Every story of every encoder in the http2jp/hpack-test-case corpus: one decoder per story,
// cases decoded in order, each compared with the listed header list exactly (order matters).
#include <algorithm>
#include <chrono>
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
namespace fs = std::filesystem;

namespace {

struct StoryCase {
    std::optional<std::uint32_t> tableSize;
    Bytes wire;
    HeaderList headers;
};
struct Story {
    fs::path path;
    std::vector<StoryCase> cases;
};

std::vector<Story> loadStories() {
    std::vector<Story> stories;
    const fs::path root = h2lens::test::sharedDir() / "corpus" / "hpack-test-case";
    std::vector<fs::path> files;
    for (const auto& dir : fs::directory_iterator(root)) {
        if (!dir.is_directory() || dir.path().filename() == "raw-data") continue;
        for (const auto& f : fs::directory_iterator(dir.path()))
            if (f.path().extension() == ".json") files.push_back(f.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
        std::ifstream in(file);
        const nlohmann::json j = nlohmann::json::parse(in);
        Story story{file, {}};
        for (const auto& c : j.at("cases")) {
            StoryCase sc;  // swift-nio writes "header_table_size": null for "not sent"
            if (c.contains("header_table_size") && !c.at("header_table_size").is_null())
                sc.tableSize = c.at("header_table_size").get<std::uint32_t>();
            sc.wire = fromHex(c.at("wire").get<std::string>());
            for (const auto& h : c.at("headers"))
                for (const auto& [k, v] : h.items())
                    sc.headers.emplace_back(k, v.get<std::string>());
            story.cases.push_back(std::move(sc));
        }
        stories.push_back(std::move(story));
    }
    return stories;
}

}  // namespace

TEST_CASE("Every hpack-test-case story of every encoder decodes exactly",
          "[hpack][corpus][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const std::vector<Story> stories = loadStories();
    REQUIRE(stories.size() >= 300);  // 10 encoder directories of ~32 stories

    std::size_t cases = 0, fields = 0, huffmanStrings = 0, sizeUpdates = 0, mismatches = 0;
    std::map<std::string, std::size_t> storiesPerEncoder;
    for (const Story& story : stories) {
        ++storiesPerEncoder[story.path.parent_path().filename().string()];
        HpackDecoder decoder{Limits{}};
        for (std::size_t i = 0; i < story.cases.size(); ++i) {
            const StoryCase& c = story.cases[i];
            if (c.tableSize) decoder.setSettingsTableSize(*c.tableSize);
            const HpackBlock block = decoder.decodeBlock(c.wire);
            HeaderList got;
            for (const auto& f : block.fields) {
                got.emplace_back(f.name, f.value);
                huffmanStrings += f.nameHuffman + f.valueHuffman;
            }
            sizeUpdates += block.tableSizeUpdates.size();
            ++cases;
            fields += got.size();
            if (block.error || got != c.headers) {
                if (++mismatches <= 5) {
                    INFO(story.path.string()
                         << " seqno " << i << ": " << (block.error ? block.error->message : ""));
                    CHECK(got == c.headers);
                    CHECK_FALSE(block.error);
                }
            }
            CHECK(decoder.tableSize() <= decoder.maxTableSize());
        }
    }
    for (const auto& [encoder, n] : storiesPerEncoder) INFO(encoder << ": " << n << " stories");
    WARN("hpack-test-case: " << stories.size() << " stories, " << cases << " cases, " << fields
                             << " fields, " << huffmanStrings << " Huffman strings, " << sizeUpdates
                             << " table size updates, " << mismatches << " mismatches");
    CHECK(mismatches == 0);
    CHECK(storiesPerEncoder.size() >= 10);
    CHECK(cases > 30000);
    CHECK(huffmanStrings > 0);
    CHECK(sizeUpdates > 0);
}

TEST_CASE("Decoding the hpack-test-case stories three times reports the throughput",
          "[hpack][corpus][.bench]") {
    H2LENS_REQUIRE_SHARED();
    const std::vector<Story> stories = loadStories();
    std::size_t bytes = 0, fields = 0;
    const auto start = std::chrono::steady_clock::now();
    for (int round = 0; round < 3; ++round)
        for (const Story& story : stories) {
            HpackDecoder decoder{Limits{}};
            for (const StoryCase& c : story.cases) {
                if (c.tableSize) decoder.setSettingsTableSize(*c.tableSize);
                fields += decoder.decodeBlock(c.wire).fields.size();
                bytes += c.wire.size();
            }
        }
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    WARN("decoded " << bytes / 1e6 << " MB, " << fields << " fields in " << s
                    << " s: " << bytes / 1e6 / s << " MB/s, " << fields / 1e6 / s << " M fields/s");
    CHECK(fields > 0);
}
