#pragma once
// Where tests find real captures. ../shared may be absent on a developer's machine: tests that
// need it call requireShared(), which skips (with a message) instead of failing.
#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

namespace h2lens::test {

inline std::filesystem::path sourceDir() { return H2LENS_SOURCE_DIR; }
inline std::filesystem::path sharedDir() { return H2LENS_SHARED_DIR; }
inline std::filesystem::path cliPath() { return H2LENS_CLI_PATH; }

inline bool haveShared() { return std::filesystem::exists(sharedDir() / "captures" / "INDEX.md"); }

}  // namespace h2lens::test

// Skips the rest of the test case when ../shared is not beside the checkout.
#define H2LENS_REQUIRE_SHARED()                                                      \
    do {                                                                             \
        if (!h2lens::test::haveShared()) {                                           \
            WARN("skipped: ../shared (real captures) not found at "                  \
                 << h2lens::test::sharedDir());                                      \
            return;                                                                  \
        }                                                                            \
    } while (0)
