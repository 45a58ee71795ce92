// The connection engine's parts on their own: StreamTable and the END_STREAM transition,
// FlowWindows (windows, stalls), SettingsExchange (values in force, ACK pairing).
#include <catch2/catch.hpp>

#include "h2/flow_windows.h"
#include "h2/settings_exchange.h"
#include "h2/stream_table.h"

using namespace h2lens;

namespace {
constexpr Direction kClient = Direction::ClientToServer;
constexpr Direction kServer = Direction::ServerToClient;
}  // namespace

TEST_CASE("END_STREAM both ways closes a stream, one way half-closes it", "[h2][streams]") {
    StreamRecord s;
    s.state = StreamState::Open;
    CHECK_FALSE(applyEndStream(s, true));
    CHECK(s.state == StreamState::HalfClosedLocal);
    CHECK_FALSE(applyEndStream(s, true));  // a second END_STREAM from the same side changes nothing
    CHECK(applyEndStream(s, false));

    StreamRecord pushed;
    pushed.state = StreamState::HalfClosedLocal;  // a pushed stream after its response HEADERS
    CHECK(applyEndStream(pushed, false));

    StreamRecord serverFirst;
    serverFirst.state = StreamState::Open;
    CHECK_FALSE(applyEndStream(serverFirst, false));
    CHECK(serverFirst.state == StreamState::HalfClosedRemote);
    CHECK(applyEndStream(serverFirst, true));
}

TEST_CASE("The stream table tracks the ids opened per side and remembers resets within a bound",
          "[h2][streams]") {
    StreamTable t;
    bool created = false;
    StreamRecord& s = t.obtain(5, created);
    CHECK(created);
    CHECK(s.id == 5);
    t.obtain(5, created);
    CHECK_FALSE(created);
    CHECK(t.find(5) == &s);
    t.noteOpened(0, 5);
    t.noteOpened(0, 3);  // never lowers the highest id
    CHECK(t.highest(0) == 5);
    CHECK(t.highest(1) == 0);
    t.erase(5);
    CHECK(t.find(5) == nullptr);

    t.noteReset(1, kServer);
    REQUIRE(t.resetBy(1));
    CHECK(*t.resetBy(1) == kServer);
    for (std::uint32_t id = 3; id < 3 + 2 * StreamTable::kMaxResetKept; id += 2) {
        t.noteReset(id, kClient);
    }
    CHECK_FALSE(t.resetBy(1));  // the lowest ids went first
    CHECK(t.resetBy(3 + 2 * (StreamTable::kMaxResetKept - 1)));
}

TEST_CASE("DATA lowers both flow windows, and a stall lasts until an update opens them",
          "[h2][windows]") {
    std::vector<WindowPoint> series[2];
    std::vector<FlowStall> stalls;
    FlowWindows w(series, &stalls);
    StreamRecord s;
    s.id = 1;
    FlowWindows::startStream(s, 10, 65535, 100);
    CHECK(w.chargeData(kServer, s, 60, true, 20) == 40);
    CHECK(w.connection(kServer) == 65535 - 60);
    CHECK(stalls.empty());
    CHECK(w.chargeData(kServer, s, 40, true, 30) == 0);
    REQUIRE(stalls.size() == 1);
    CHECK(stalls[0].streamId == 1);
    CHECK(stalls[0].sender == kServer);
    CHECK_FALSE(stalls[0].end);
    CHECK(w.openStream(kServer, s, 10, 40) == 10);
    CHECK(stalls[0].end == TimestampNs{40});
    REQUIRE(series[1].size() == 2);
    CHECK(series[1].back().value == 65535 - 100);
    CHECK(series[0].empty());

    // A SETTINGS change pushes the window below zero: a stall unless the sender is done.
    CHECK(w.shiftStream(kServer, s, -20, false, 50) == -10);
    REQUIRE(stalls.size() == 2);
    w.finish(60);
    CHECK(stalls[1].end == TimestampNs{60});
    CHECK(w.openConnection(kClient, 5, 70) == 65540);
}

TEST_CASE("The settings exchange pairs ACKs with the other side's SETTINGS in order",
          "[h2][settings]") {
    PeerSettings settings[2];
    std::vector<SettingsRecord> history;
    SettingsExchange x(settings, &history);
    CHECK(x.acknowledged(kServer, 5) == nullptr);
    CHECK(x.received(SettingsRecord{kClient, 10, {{0x4, 1000}}, false, std::nullopt}) ==
          1000 - 65535);
    CHECK(x.received(SettingsRecord{kClient, 20, {{0x1, 0}}, false, std::nullopt}) == 0);
    CHECK(x.of(kClient).initialWindowSize == 1000);
    CHECK(x.of(kClient).headerTableSize == 0);
    CHECK(x.of(kServer).initialWindowSize == 65535);
    CHECK(x.acknowledged(kClient, 25) == nullptr);  // the client acknowledges the server's
    const SettingsRecord* first = x.acknowledged(kServer, 30);
    REQUIRE(first);
    CHECK(first->ts == TimestampNs{10});
    CHECK(history[0].ackTs == TimestampNs{30});
    const SettingsRecord* second = x.acknowledged(kServer, 40);
    REQUIRE(second);
    CHECK(second->ts == TimestampNs{20});
    CHECK(x.acknowledged(kServer, 50) == nullptr);
}
