// The connection engine on hand-made conversations: stream states, windows, timings, anomalies.
#include <catch2/catch.hpp>

#include "frame_test_support.h"
#include "h2/connection_engine.h"

using namespace h2lens;
using namespace h2lens::test;

namespace {

constexpr std::uint8_t kData = 0, kHeaders = 1, kRst = 3, kSettings = 4, kPing = 6, kGoaway = 7,
                       kWindowUpdate = 8, kContinuation = 9;
constexpr std::uint8_t kEndStream = 1, kEndHeaders = 4, kAck = 1;

const Bytes kGetRequest = {0x82, 0x86, 0x84};        // :method GET, :scheme http, :path /
const Bytes kStatus200 = {0x88};                     // :status 200
const Bytes kStatus103 = {0x08, 0x03, '1', '0', '3'};  // :status 103, literal without indexing

Bytes setting(std::uint16_t id, std::uint32_t v) { return cat({be16(id), be32(v)}); }

struct Recorder : H2Listener {
    std::vector<StreamRecord> streams;
    std::vector<Anomaly> anomalies;
    std::vector<std::string> frames;
    void onStreamDone(const ConnectionInfo&, const StreamRecord& s) override { streams.push_back(s); }
    void onAnomaly(const ConnectionInfo&, const Anomaly& a) override { anomalies.push_back(a); }
    void onFrame(const FrameEvent& ev) override {
        std::string s = std::to_string(ev.frame->type) + "/" + std::to_string(ev.frame->streamId);
        if (ev.headers) {
            for (const auto& h : ev.headers->fields) s += " " + h.name + "=" + h.value;
        }
        frames.push_back(s);
    }
    bool hasAnomaly(std::string_view name) const {
        for (const auto& a : anomalies) {
            if (a.name == name) return true;
        }
        return false;
    }
};

struct Conversation {
    Limits limits;
    Recorder rec;
    ConnectionEngine engine{limits, ConnectionInfo{}, &rec};
    TimestampNs t = 1'000'000'000;
    Conversation() {
        engine.startPriorKnowledge();
        c2s(cat({str(kClientPreface), frameBytes(kSettings, 0, 0, {})}));
        s2c(frameBytes(kSettings, 0, 0, {}));
        c2s(frameBytes(kSettings, kAck, 0, {}));
        s2c(frameBytes(kSettings, kAck, 0, {}));
    }
    void c2s(const Bytes& b) { engine.feed(Direction::ClientToServer, b, t += 1000); }
    void s2c(const Bytes& b) { engine.feed(Direction::ServerToClient, b, t += 1000); }
};

}  // namespace

TEST_CASE("A request and response make one complete stream with ordered timings") {
    Conversation c;
    c.c2s(frameBytes(kHeaders, kEndStream | kEndHeaders, 1, kGetRequest));
    c.s2c(frameBytes(kHeaders, kEndHeaders, 1, kStatus103));
    c.s2c(frameBytes(kHeaders, kEndHeaders, 1, kStatus200));
    c.s2c(frameBytes(kData, 0, 1, str("hello ")));
    c.s2c(frameBytes(kData, kEndStream, 1, str("world")));
    REQUIRE(c.rec.streams.size() == 1);
    const StreamRecord& s = c.rec.streams[0];
    CHECK(s.end == StreamEnd::Complete);
    CHECK(s.state == StreamState::Closed);
    REQUIRE(s.request);
    CHECK(s.request->value(":method") == "GET");
    REQUIRE(s.informational.size() == 1);
    CHECK(s.informational[0].value(":status") == "103");
    REQUIRE(s.response);
    CHECK(s.response->value(":status") == "200");
    CHECK(s.responseBodyBytes == 11);
    CHECK(s.responseDataFrames == 2);
    CHECK(*s.requestStart <= *s.requestEnd);
    CHECK(*s.requestEnd < *s.responseStart);
    CHECK(*s.responseStart < *s.firstResponseData);
    CHECK(*s.firstResponseData < *s.responseEnd);
    CHECK(c.rec.anomalies.empty());
    const auto& settings = c.engine.summary().settingsHistory;
    REQUIRE(settings.size() == 2);
    CHECK(settings[0].ackTs);
    CHECK(settings[1].ackTs);
}

TEST_CASE("An unfinished stream is reported at the end in the state it reached") {
    Conversation c;
    c.c2s(frameBytes(kHeaders, kEndStream | kEndHeaders, 1, kGetRequest));
    c.s2c(frameBytes(kHeaders, kEndHeaders, 1, kStatus200));
    c.engine.finish(c.t);
    REQUIRE(c.rec.streams.size() == 1);
    CHECK(c.rec.streams[0].end == StreamEnd::Incomplete);
    CHECK(c.rec.streams[0].state == StreamState::HalfClosedLocal);
    CHECK(mirroredState(c.rec.streams[0].state) == StreamState::HalfClosedRemote);
}

TEST_CASE("SETTINGS_INITIAL_WINDOW_SIZE shifts open windows below zero and a stall is measured") {
    Conversation c;
    c.c2s(frameBytes(kHeaders, kEndHeaders, 1, cat({Bytes{0x83}, Bytes{0x86, 0x84}})));  // POST
    for (int i = 0; i < 4; ++i) c.c2s(frameBytes(kData, 0, 1, Bytes(15000, 'x')));
    // The server lowers its initial window: the client's stream window drops by 64535.
    c.s2c(frameBytes(kSettings, 0, 0, setting(0x4, 1000)));
    const TimestampNs blockedAt = c.t;
    c.s2c(frameBytes(kWindowUpdate, 0, 1, be32(60000)));
    c.c2s(frameBytes(kData, kEndStream, 1, Bytes(500, 'y')));
    c.s2c(frameBytes(kHeaders, kEndStream | kEndHeaders, 1, kStatus200));
    REQUIRE(c.rec.streams.size() == 1);
    const auto& w = c.rec.streams[0].window[0];  // the client's send window on stream 1
    std::vector<std::int64_t> values;
    for (const auto& p : w) values.push_back(p.value);
    CHECK(values ==
          std::vector<std::int64_t>{65535, 50535, 35535, 20535, 5535, -59000, 1000, 500});
    const auto& conn = c.engine.summary().connectionWindow[0];
    REQUIRE(!conn.empty());
    CHECK(conn.back().value == 65535 - 60500);
    const auto& stalls = c.engine.summary().stalls;
    REQUIRE(stalls.size() == 1);
    CHECK(stalls[0].streamId == 1);
    CHECK(stalls[0].sender == Direction::ClientToServer);
    CHECK(stalls[0].start == blockedAt);
    REQUIRE(stalls[0].end);
    CHECK(*stalls[0].end > stalls[0].start);
    CHECK(c.rec.anomalies.empty());
}

TEST_CASE("DATA beyond the window and DATA on a closed stream are anomalies with their RFC section") {
    Conversation c;
    c.c2s(frameBytes(kHeaders, kEndStream | kEndHeaders, 1, kGetRequest));
    c.s2c(frameBytes(kHeaders, kEndHeaders, 1, kStatus200));
    for (int i = 0; i < 3; ++i) c.s2c(frameBytes(kData, 0, 1, Bytes(16384, 'z')));
    c.s2c(frameBytes(kData, 0, 1, Bytes(16383, 'z')));  // exactly the 65535 window
    CHECK(!c.rec.hasAnomaly("DATA_BEYOND_WINDOW"));
    c.s2c(frameBytes(kData, kEndStream, 1, Bytes(1, 'z')));
    CHECK(c.rec.hasAnomaly("DATA_BEYOND_WINDOW"));
    c.s2c(frameBytes(kData, 0, 1, str("late")));
    REQUIRE(c.rec.hasAnomaly("DATA_ON_CLOSED_STREAM"));
    for (const auto& a : c.rec.anomalies) {
        if (a.name == "DATA_ON_CLOSED_STREAM") CHECK(a.rfc == "RFC 9113 §5.1");
    }
}

TEST_CASE("A client opening and resetting many streams at once is flagged as a rapid reset") {
    Conversation c;
    Bytes burst;
    for (std::uint32_t id = 1; id < 2 * 120; id += 2) {
        appendFrame(burst, kHeaders, kEndStream | kEndHeaders, id, kGetRequest);
        appendFrame(burst, kRst, 0, id, be32(0x8));  // CANCEL
    }
    c.c2s(burst);
    CHECK(c.rec.hasAnomaly("RAPID_RESET"));
    CHECK(c.rec.streams.size() == 120);
    CHECK(c.rec.streams[0].end == StreamEnd::ResetByClient);
    CHECK(c.rec.streams[0].resetCode == 0x8);
}

TEST_CASE("GOAWAY refuses the streams above its last stream id") {
    Conversation c;
    c.c2s(frameBytes(kHeaders, kEndStream | kEndHeaders, 1, kGetRequest));
    c.c2s(frameBytes(kHeaders, kEndStream | kEndHeaders, 3, kGetRequest));
    c.s2c(frameBytes(kGoaway, 0, 0, cat({be32(1), be32(0)})));
    REQUIRE(c.rec.streams.size() == 1);
    CHECK(c.rec.streams[0].id == 3);
    CHECK(c.rec.streams[0].end == StreamEnd::RefusedByGoaway);
    c.s2c(frameBytes(kHeaders, kEndStream | kEndHeaders, 1, kStatus200));
    REQUIRE(c.rec.streams.size() == 2);
    CHECK(c.rec.streams[1].end == StreamEnd::Complete);
}

TEST_CASE("Header blocks span CONTINUATION frames and an interrupted block is a violation") {
    Conversation c;
    c.c2s(frameBytes(kHeaders, 0, 1, Bytes{0x82, 0x86}));
    c.c2s(frameBytes(kContinuation, kEndHeaders, 1, Bytes{0x84}));
    REQUIRE(!c.rec.frames.empty());
    CHECK(c.rec.frames.back() == "9/1 :method=GET :scheme=http :path=/");
    c.c2s(frameBytes(kHeaders, 0, 3, Bytes{0x82}));
    c.c2s(frameBytes(kPing, 0, 0, Bytes(8, 1)));
    CHECK(c.rec.hasAnomaly("HEADERS_INTERRUPTED"));
}

TEST_CASE("Bad pseudo-headers and uppercase names are flagged") {
    Conversation c;
    // :path missing, and a literal "Foo: x" with an uppercase name.
    c.c2s(frameBytes(kHeaders, kEndStream | kEndHeaders, 1,
                     Bytes{0x82, 0x86, 0x00, 0x03, 'F', 'o', 'o', 0x01, 'x'}));
    CHECK(c.rec.hasAnomaly("BAD_REQUEST_PSEUDO_HEADERS"));
    CHECK(c.rec.hasAnomaly("UPPERCASE_HEADER_NAME"));
}

TEST_CASE("PING round trips are paired by payload") {
    Conversation c;
    const Bytes payload = {1, 2, 3, 4, 5, 6, 7, 8};
    c.s2c(frameBytes(kPing, 0, 0, payload));
    const TimestampNs sent = c.t;
    c.c2s(frameBytes(kPing, kAck, 0, payload));
    const auto& pings = c.engine.summary().pings;
    REQUIRE(pings.size() == 1);
    CHECK(pings[0].from == Direction::ServerToClient);
    REQUIRE(pings[0].ackTs);
    CHECK(*pings[0].ackTs - sent == 1000);
}

TEST_CASE("The engine's view does not depend on how the bytes are chunked") {
    Bytes c2s = cat({str(kClientPreface), frameBytes(kSettings, 0, 0, setting(0x4, 100000))});
    appendFrame(c2s, kHeaders, kEndHeaders, 1, Bytes{0x83, 0x86, 0x84});
    appendFrame(c2s, kData, 0x8, 1, cat({Bytes{3}, Bytes(1000, 'a'), Bytes(3, 0)}));  // padded
    appendFrame(c2s, kData, kEndStream, 1, Bytes(70000 - 1004, 'b'));
    auto run = [&](std::size_t chunk) {
        Limits limits;
        Recorder rec;
        ConnectionEngine e(limits, ConnectionInfo{}, &rec);
        e.startPriorKnowledge();
        for (std::size_t off = 0; off < c2s.size(); off += chunk) {
            const auto n = std::min(chunk, c2s.size() - off);
            e.feed(Direction::ClientToServer, ByteSpan(c2s).subspan(off, n), 0);
        }
        e.finish(0);
        REQUIRE(rec.streams.size() == 1);
        std::vector<std::string> anomalies;
        for (const auto& a : rec.anomalies) anomalies.push_back(a.name);
        return std::make_tuple(rec.frames, rec.streams[0].requestBodyBytes,
                               rec.streams[0].paddingBytes, rec.streams[0].window[0].back().value,
                               anomalies);
    };
    const auto whole = run(c2s.size());
    CHECK(std::get<1>(whole) == 1000 + 70000 - 1004);
    CHECK(std::get<2>(whole) == 4);
    // DATA beyond the server's default 65535 window (the client's SETTINGS do not change it).
    // and a frame above the default SETTINGS_MAX_FRAME_SIZE of 16384.
    CHECK(std::get<4>(whole) == std::vector<std::string>{"FRAME_SIZE_ERROR", "DATA_BEYOND_WINDOW"});
    for (std::size_t chunk : {1u, 2u, 9u, 10u, 1448u, 16393u}) {
        INFO("chunk " << chunk);
        CHECK(run(chunk) == whole);
    }
}

TEST_CASE("SETTINGS and PING floods are flagged once, a normal rate is not") {
    Conversation c;
    for (int i = 0; i < 99; ++i) c.c2s(frameBytes(kPing, 0, 0, Bytes(8, static_cast<std::uint8_t>(i))));
    CHECK(!c.rec.hasAnomaly("PING_FLOOD"));
    c.c2s(frameBytes(kPing, 0, 0, Bytes(8, 0xee)));  // the 100th within a second
    CHECK(c.rec.hasAnomaly("PING_FLOOD"));
    for (int i = 0; i < 150; ++i) c.s2c(frameBytes(kSettings, 0, 0, setting(0x3, 100)));
    std::size_t floods = 0;
    for (const auto& a : c.rec.anomalies) floods += a.name == "SETTINGS_FLOOD";
    CHECK(floods == 1);
    // Spread over time, the same number of PINGs is no flood.
    Conversation slow;
    for (int i = 0; i < 200; ++i) {
        slow.t += 20'000'000;  // 50 per second
        slow.c2s(frameBytes(kPing, 0, 0, Bytes(8, 1)));
    }
    CHECK(!slow.rec.hasAnomaly("PING_FLOOD"));
}

TEST_CASE("Beyond Limits::maxOpenStreams the stream open longest is reported as it stands") {
    Conversation c;
    c.limits.maxOpenStreams = 3;
    // A client that opens five streams the server never answers.
    for (std::uint32_t id = 1; id <= 9; id += 2)
        c.c2s(frameBytes(kHeaders, kEndStream | kEndHeaders, id, kGetRequest));
    REQUIRE(c.rec.streams.size() == 2);
    for (std::size_t i = 0; i < 2; ++i) {
        const StreamRecord& s = c.rec.streams[i];
        CHECK(s.id == 1 + 2 * i);
        CHECK(s.end == StreamEnd::Incomplete);
        CHECK(s.state == StreamState::HalfClosedLocal);
        REQUIRE(s.request);
        CHECK(s.request->value(":method") == "GET");
    }
    REQUIRE(c.rec.anomalies.size() == 2);
    CHECK(c.rec.anomalies[0].name == "OPEN_STREAMS_CUT");
    CHECK(c.rec.anomalies[0].streamId == 1);
    CHECK(c.rec.anomalies[0].dir == Direction::ClientToServer);
    CHECK(c.rec.anomalies[0].detail.find("more than 3 streams open at once") != std::string::npos);
    CHECK(c.rec.anomalies[1].streamId == 3);
    // A late answer on a cut stream is not a new stream (nor an anomaly of its own); the open
    // ones end as usual.
    c.s2c(frameBytes(kHeaders, kEndHeaders, 1, kStatus200));
    c.s2c(frameBytes(kData, kEndStream, 1, str("late")));
    c.s2c(frameBytes(kHeaders, kEndHeaders | kEndStream, 5, kStatus200));
    REQUIRE(c.rec.streams.size() == 3);
    CHECK(c.rec.streams[2].id == 5);
    CHECK(c.rec.streams[2].end == StreamEnd::Complete);
    CHECK(c.rec.anomalies.size() == 2);
    c.engine.finish(c.t);
    REQUIRE(c.rec.streams.size() == 5);
    CHECK(c.rec.streams[3].id == 7);
    CHECK(c.rec.streams[4].id == 9);
    CHECK(c.engine.summary().streams == 5);
}

TEST_CASE("Open streams' headers beyond Limits::maxOpenStreamHeaderBytes cut the oldest") {
    Conversation c;
    // Each request carries a 1000-byte literal value; room for a few of them.
    c.limits.maxOpenStreamHeaderBytes = 8000;
    Bytes request = kGetRequest;
    const Bytes literal = cat({Bytes{0x00, 0x01, 'x', 0x7f, 0xe9, 0x06}, Bytes(1000, 'v')});
    request.insert(request.end(), literal.begin(), literal.end());
    for (std::uint32_t id = 1; id <= 11; id += 2)
        c.c2s(frameBytes(kHeaders, kEndStream | kEndHeaders, id, request));
    const std::size_t cut = c.rec.streams.size();
    REQUIRE(cut > 0);
    // What one request holds (its strings and fields); the budget keeps as many as fit.
    const std::size_t each = c.rec.streams[0].heldHeaderBytes;
    CHECK(each > 1000);
    CHECK(each < 4000);
    CHECK(cut == 6 - 8000 / each);
    for (std::size_t i = 0; i < cut; ++i) {
        CHECK(c.rec.streams[i].id == 1 + 2 * i);
        CHECK(c.rec.streams[i].request->value("x") == std::string(1000, 'v'));
    }
    REQUIRE(c.rec.anomalies.size() == cut);
    CHECK(c.rec.anomalies[0].detail.find("more than 8000 bytes of headers") != std::string::npos);
    c.engine.finish(c.t);
    CHECK(c.rec.streams.size() == 6);
}
