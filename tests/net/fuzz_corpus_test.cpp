// Replays fuzz/corpus/packet through the fuzz target's body, so fixed crashes stay fixed.
#include <fstream>
#include <iterator>

#include <catch2/catch.hpp>

#include "packet_fuzz_driver.h"
#include "test_paths.h"

TEST_CASE(
    "The packet fuzz corpus replays without crashing and its hand-built seeds reach their paths",
    "[net][fuzz]") {
    const auto dir = h2lens::test::sourceDir() / "fuzz" / "corpus" / "packet";
    REQUIRE(std::filesystem::is_directory(dir));
    int files = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        std::ifstream in(e.path(), std::ios::binary);
        const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in), {}};
        INFO(e.path());
        const auto stats = h2lens::test::fuzzPacketDecoder(bytes.data(), bytes.size());
        ++files;
        // The hand-built seeds must still reach the paths they were made for.
        const auto name = e.path().filename().string();
        if (name == "ipv4_fragments" || name == "ipv4_fragments_reordered" ||
            name == "ipv6_fragments" || name == "ipv4_fragments_overlap") {
            CHECK(stats.fragments.datagramsReassembled == 1);
        }
        if (name == "ipv4_fragments_overlap") CHECK(stats.fragments.overlapConflicts >= 1);
        if (name == "ipv4_fragments_timeout") CHECK(stats.fragments.datagramsTimedOut >= 1);
        if (name == "vlan_qinq" || name == "ipv6_ext_chain" || name == "sll_sll2_unknown") {
            CHECK(stats.tcp == stats.packets - stats.unknownLinkType);
        }
    }
    CHECK(files >= 10);
}
