#pragma once
// Replays every file of fuzz/corpus/<name> through a fuzz target's entry point, so inputs that
// once crashed stay fixed in the ordinary test run. Returns the number of files replayed.
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "test_paths.h"

namespace h2lens::test {

template <typename Target>
std::size_t replayFuzzCorpus(const char* name, Target&& target) {
    const auto dir = sourceDir() / "fuzz" / "corpus" / name;
    REQUIRE(std::filesystem::is_directory(dir));
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (!entry.is_regular_file()) continue;
        INFO(entry.path().filename().string());
        std::ifstream in(entry.path(), std::ios::binary);
        const std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(in)), {});
        CHECK(target(data.data(), data.size()) == 0);
        ++files;
    }
    return files;
}

}  // namespace h2lens::test
