// FloodWatch: each rate says once when it crosses its threshold within one second, per side.
#include <catch2/catch.hpp>

#include "h2/flood_watch.h"

using namespace h2lens;

namespace {
constexpr TimestampNs kMs = 1'000'000;
}

TEST_CASE("The 100th client reset within one second is reported as a rapid reset, once",
          "[h2][flood]") {
    FloodWatch w;
    int found = 0;
    for (int i = 0; i < 300; ++i) {
        if (auto f = w.clientReset(i * kMs)) {  // 1000 per second
            ++found;
            CHECK(i == 99);
            CHECK(f->name == "RAPID_RESET");
            CHECK(f->rfc.find("CVE-2023-44487") != std::string::npos);
        }
    }
    CHECK(found == 1);
}

TEST_CASE("Resets spread thinner than 100 a second are never a flood", "[h2][flood]") {
    FloodWatch w;
    for (int i = 0; i < 1000; ++i) CHECK_FALSE(w.clientReset(i * 11 * kMs));  // ~91 per second
}

TEST_CASE("SETTINGS and PING floods are counted per side", "[h2][flood]") {
    FloodWatch w;
    int settings = 0, pings = 0;
    for (int i = 0; i < 150; ++i) {
        const Direction side = i % 2 ? Direction::ClientToServer : Direction::ServerToClient;
        if (w.settings(side, i * kMs)) ++settings;  // 75 per side within 150 ms: no flood
        if (w.ping(Direction::ClientToServer, i * kMs)) ++pings;  // 150 from one side
    }
    CHECK(settings == 0);
    CHECK(pings == 1);
    CHECK(w.ping(Direction::ServerToClient, 0) == std::nullopt);
}

TEST_CASE("A header block reaching 64 CONTINUATION frames is a flood", "[h2][flood]") {
    CHECK_FALSE(FloodWatch::continuation(63));
    const auto f = FloodWatch::continuation(64);
    REQUIRE(f);
    CHECK(f->name == "CONTINUATION_FLOOD");
    CHECK(f->detail == "64 CONTINUATION frames in one header block");
    CHECK_FALSE(FloodWatch::continuation(65));
}

TEST_CASE("A flood is reported again only after its rate fell below the threshold", "[h2][flood]") {
    FloodWatch w;
    std::vector<int> at;
    // 10 000 resets at 10 000 a second, a two-second pause, then 200 more at 1000 a second.
    for (int i = 0; i < 10000; ++i) {
        if (w.clientReset(static_cast<TimestampNs>(i) * 100'000)) at.push_back(i);
    }
    const TimestampNs later = 3'000'000'000;
    for (int i = 0; i < 200; ++i) {
        if (w.clientReset(later + i * kMs)) at.push_back(10000 + i);
    }
    REQUIRE(at.size() == 2);
    CHECK(at[0] == 99);
    CHECK(at[1] == 10099);
}
