// Replays every file of fuzz/corpus/frames through the fuzz target's own entry point, so inputs
// that once crashed (or broke chunk independence, which the target aborts on) stay fixed.
#include <filesystem>
#include <fstream>
#include <iterator>

#include <catch2/catch.hpp>

#include "../../fuzz/fuzz_frames.cpp"
#include "test_paths.h"

TEST_CASE("fuzz corpus replay: frames", "[frame][fuzz]") {
    const auto dir = h2lens::test::sourceDir() / "fuzz" / "corpus" / "frames";
    REQUIRE(std::filesystem::is_directory(dir));
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (!entry.is_regular_file()) continue;
        INFO(entry.path().filename().string());
        std::ifstream in(entry.path(), std::ios::binary);
        const std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(in)), {});
        CHECK(LLVMFuzzerTestOneInput(data.data(), data.size()) == 0);
        ++files;
    }
    CHECK(files >= 5);
}
