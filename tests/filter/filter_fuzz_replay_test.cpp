// Replays every file of fuzz/corpus/filter through the fuzz target's entry point, so inputs
// that once crashed stay fixed in the ordinary test run.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "../../fuzz/fuzz_filter.cpp"
#include "test_paths.h"

TEST_CASE("filter fuzz corpus replays cleanly", "[filter][fuzz][uses-captures]") {
    const auto dir = h2lens::test::sourceDir() / "fuzz" / "corpus" / "filter";
    REQUIRE(std::filesystem::is_directory(dir));
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (!entry.is_regular_file()) continue;
        std::ifstream in(entry.path(), std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), {});
        INFO(entry.path().filename().string());
        CHECK(LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                     bytes.size()) == 0);
        ++files;
    }
    CHECK(files >= 4);
}
