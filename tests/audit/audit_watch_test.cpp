// AuditWatch on hand-made frame sequences: each detector at, below and across its threshold,
// at the edges of its one-second window, with the peer, count, peak and span it reports.
#include <catch2/catch.hpp>

#include "audit/audit_watch.h"
#include "h2/connection_engine.h"

using namespace h2lens;

namespace {

constexpr TimestampNs kMs = 1'000'000;
constexpr TimestampNs kT0 = 1'700'000'000'000'000'000;  // a real epoch time
constexpr Direction kC2S = Direction::ClientToServer;
constexpr Direction kS2C = Direction::ServerToClient;

Frame makeFrame(FrameType type, std::uint32_t stream, TimestampNs ts, std::uint8_t flags = 0,
                std::uint32_t length = 1) {
    Frame f;
    f.type = static_cast<std::uint8_t>(type);
    f.streamId = stream;
    f.ts = f.firstTs = ts;
    f.flags = flags;
    f.length = length;
    return f;
}

class Feed {
  public:
    explicit Feed(AuditThresholds t = {}) : m_watch(t) { m_conn.id = 7; }
    void frame(Direction d, const Frame& f, const HeaderBlock* headers = nullptr) {
        FrameEvent e{&m_conn, d, &f, headers};
        m_watch.onFrame(e);
    }
    void request(std::uint32_t stream, TimestampNs ts, bool endStream = true) {
        static const Bytes kBlock{0x82};  // :method GET
        Frame f = makeFrame(FrameType::Headers, stream, ts,
                            frame_flag::kEndHeaders | (endStream ? frame_flag::kEndStream : 0));
        f.headerBlockFragment = kBlock;
        frame(kC2S, f);
    }
    void reset(Direction d, std::uint32_t stream, TimestampNs ts) {
        frame(d, makeFrame(FrameType::RstStream, stream, ts, 0, 4));
        StreamRecord s;
        s.id = stream;
        m_watch.onStreamDone(m_conn, s);
    }
    void streamDone(std::uint32_t stream) {
        StreamRecord s;
        s.id = stream;
        m_watch.onStreamDone(m_conn, s);
    }
    std::vector<Finding> end(const ConnectionSummary& summary = {}) {
        m_watch.onConnectionDone(m_conn, summary);
        return m_watch.takeFindings();
    }

  private:
    ConnectionInfo m_conn;
    AuditWatch m_watch;
};

HeaderField indexedField(std::string name, std::string value) {
    HeaderField f;
    f.name = std::move(name);
    f.value = std::move(value);
    f.representation = HpackRepresentation::Indexed;
    f.index = 62;
    return f;
}

}  // namespace

TEST_CASE("The rate window counts events 0.95 s apart together, never events over 1 s apart",
          "[audit]") {
    RateWindow w;
    CHECK(w.add(kT0) == 1);
    CHECK(w.add(kT0 + 950 * kMs) == 2);
    CHECK(w.oldest() == kT0);
    CHECK(w.add(kT0 + 2001 * kMs) == 1);  // both earlier ones left the window
    RateWindow v;
    v.add(kT0 + 10 * kMs);
    CHECK(v.add(kT0 + 1011 * kMs) == 1);
    CHECK(v.oldest() == kT0 + 1011 * kMs);
}

TEST_CASE("The rate window counts a time that goes backwards in the current step", "[audit]") {
    RateWindow w;
    w.add(kT0 + 500 * kMs);
    CHECK(w.add(kT0 + 499 * kMs) == 2);
    CHECK(w.oldest() == kT0 + 499 * kMs);
}

TEST_CASE("A client opening and resetting 100 streams within a second is a rapid reset",
          "[audit]") {
    Feed feed;
    for (std::uint32_t i = 0; i < 100; ++i) {
        const TimestampNs ts = kT0 + i * 9 * kMs;  // 100 in 891 ms
        feed.request(2 * i + 1, ts);
        feed.reset(kC2S, 2 * i + 1, ts + kMs / 10);
    }
    const auto findings = feed.end();
    REQUIRE(findings.size() == 1);
    const Finding& f = findings[0];
    CHECK(f.kind == FindingKind::RapidReset);
    CHECK(f.conn == 7);
    CHECK(f.peer == kC2S);
    CHECK(f.count == 100);
    CHECK(f.peak == 100);
    CHECK(f.first == kT0 + kMs / 10);
    CHECK(f.last == kT0 + 99 * 9 * kMs + kMs / 10);
    CHECK(f.thresholdText == "100/s");
    CHECK(f.severity() == Severity::Attack);
    CHECK(kindInfo(f.kind).reference.find("CVE-2023-44487") != std::string_view::npos);
}

TEST_CASE("Rapid resets at 99 in a second are below the threshold, and slow cancels are not rapid",
          "[audit]") {
    Feed feed;
    for (std::uint32_t i = 0; i < 99; ++i) {
        feed.request(2 * i + 1, kT0 + i * kMs);
        feed.reset(kC2S, 2 * i + 1, kT0 + i * kMs + kMs);
    }
    // 150 more, each reset 200 ms after it opened: resets, but not rapid ones (and 150 spread
    // over 1.8 s stay under the reset flood's 100/s).
    for (std::uint32_t i = 0; i < 150; ++i) {
        const std::uint32_t id = 1001 + 2 * i;
        feed.request(id, kT0 + 2000 * kMs + i * 12 * kMs);
        feed.reset(kC2S, id, kT0 + 2200 * kMs + i * 12 * kMs);
    }
    CHECK(feed.end().empty());
}

TEST_CASE("The rapid reset threshold and age are settable", "[audit]") {
    AuditThresholds t;
    t.set("rapid-reset=10/s");
    t.set("rapid-reset-age=1s");
    Feed feed(t);
    for (std::uint32_t i = 0; i < 10; ++i) {
        feed.request(2 * i + 1, kT0 + i * 50 * kMs);
        feed.reset(kC2S, 2 * i + 1, kT0 + i * 50 * kMs + 500 * kMs);
    }
    const auto findings = feed.end();
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].kind == FindingKind::RapidReset);
    CHECK(findings[0].thresholdText == "10/s");
}

TEST_CASE("RST_STREAM from the server at 100 a second is a reset flood", "[audit]") {
    Feed feed;
    for (std::uint32_t i = 0; i < 120; ++i) {
        feed.request(2 * i + 1, kT0 + i * 5 * kMs);
        feed.reset(kS2C, 2 * i + 1, kT0 + i * 5 * kMs + kMs);
    }
    const auto findings = feed.end();
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].kind == FindingKind::ResetFlood);
    CHECK(findings[0].peer == kS2C);
    CHECK(findings[0].count == 120);
    CHECK(findings[0].peak == 120);
    CHECK(findings[0].first == kT0 + kMs);
}

TEST_CASE(
    "The 64th CONTINUATION frame of one header block crosses the CONTINUATION flood threshold",
    "[audit]") {
    auto run = [](int continuations, bool end) {
        Feed feed;
        feed.frame(kC2S, makeFrame(FrameType::Headers, 1, kT0));
        for (int i = 0; i < continuations; ++i) {
            const bool last = end && i == continuations - 1;
            feed.frame(kC2S, makeFrame(FrameType::Continuation, 1, kT0 + (i + 1) * kMs,
                                       last ? frame_flag::kEndHeaders : 0));
        }
        return feed.end();
    };
    CHECK(run(63, true).empty());
    const auto findings = run(64, false);
    REQUIRE(findings.size() == 1);
    const Finding& f = findings[0];
    CHECK(f.kind == FindingKind::ContinuationFlood);
    CHECK(f.peer == kC2S);
    CHECK(f.count == 1);
    CHECK(f.peak == 64);
    CHECK(f.first == kT0);
    CHECK(f.last == kT0 + 64 * kMs);
    CHECK(f.detail.find("1 never ended") != std::string::npos);
}

TEST_CASE("A header block of 256 KiB on the wire crosses the CONTINUATION flood threshold too",
          "[audit]") {
    Feed feed;
    const Bytes fragment(64 * 1024, 0x40);
    Frame h = makeFrame(FrameType::Headers, 1, kT0);
    h.headerBlockFragment = fragment;
    feed.frame(kS2C, h);
    for (int i = 0; i < 3; ++i) {
        Frame c = makeFrame(FrameType::Continuation, 1, kT0 + (i + 1) * kMs,
                            i == 2 ? frame_flag::kEndHeaders : 0);
        c.headerBlockFragment = fragment;
        feed.frame(kS2C, c);
    }
    const auto findings = feed.end();
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].peer == kS2C);
    CHECK(findings[0].peak == 3);
    CHECK(findings[0].detail.find("256 KiB") != std::string::npos);
}

TEST_CASE(
    "A header block the decoder cut at its header list cap, far above its wire size, is an HPACK "
    "bomb",
    "[audit]") {
    Feed feed;
    const Bytes wire(4000, 0xbe);
    Frame h = makeFrame(FrameType::Headers, 1, kT0, frame_flag::kEndHeaders);
    h.headerBlockFragment = wire;
    HeaderBlock block;
    for (int i = 0; i < 250; ++i)  // 250 x 4 KiB = 1 MB from 250 one-byte references
        block.fields.push_back(indexedField("x-bomb", std::string(4000, 'a')));
    block.error = HpackError{HpackErrorCode::HeaderListTooLarge, 250, "too large"};
    feed.frame(kC2S, h, &block);
    const auto findings = feed.end();
    REQUIRE(findings.size() == 1);
    const Finding& f = findings[0];
    CHECK(f.kind == FindingKind::HpackBomb);
    CHECK(f.count == 1);
    CHECK(f.peak == 250 * 4006);
    CHECK(f.first == kT0);
    CHECK(f.detail.find("250 references to table entries of 1 KiB or more") != std::string::npos);
    CHECK(f.detail.find("cut 1 block") != std::string::npos);
}

TEST_CASE("Indexed headers at a high ratio but a low volume are not an HPACK bomb", "[audit]") {
    Feed feed;
    const Bytes wire(4, 0xbe);
    for (int i = 0; i < 1000; ++i) {  // 1000 requests/s of 4 wire bytes decoding to 2 KiB
        Frame h = makeFrame(FrameType::Headers, 2 * i + 1, kT0 + i * kMs,
                            frame_flag::kEndHeaders | frame_flag::kEndStream);
        h.headerBlockFragment = wire;
        HeaderBlock block;
        block.fields.push_back(indexedField("cookie", std::string(2048, 'c')));
        feed.frame(kC2S, h, &block);
        feed.streamDone(2 * i + 1);
    }
    CHECK(feed.end().empty());
}

TEST_CASE("Decoding 4 MiB a second at 100 times the wire bytes is an HPACK bomb", "[audit]") {
    Feed feed;
    const Bytes wire(100, 0xbe);
    for (int i = 0; i < 500; ++i) {  // 10 000 decoded bytes per 100 wire bytes, 500 in 0.5 s
        Frame h = makeFrame(FrameType::Headers, 2 * i + 1, kT0 + i * kMs,
                            frame_flag::kEndHeaders | frame_flag::kEndStream);
        h.headerBlockFragment = wire;
        HeaderBlock block;
        block.fields.push_back(indexedField("x", std::string(9999, 'v')));
        feed.frame(kC2S, h, &block);
        feed.streamDone(2 * i + 1);
    }
    const auto findings = feed.end();
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].kind == FindingKind::HpackBomb);
    CHECK(findings[0].peak == 500 * 10000);
    CHECK(findings[0].first == kT0);
    CHECK(findings[0].last == kT0 + 499 * kMs);
}

TEST_CASE("SETTINGS and PING floods are counted per sender, ACKs aside", "[audit]") {
    Feed feed;
    for (int i = 0; i < 150; ++i) {
        const TimestampNs ts = kT0 + i * kMs;
        feed.frame(i % 2 ? kC2S : kS2C, makeFrame(FrameType::Settings, 0, ts, 0, 6));  // 75 each
        feed.frame(kC2S, makeFrame(FrameType::Ping, 0, ts, 0, 8));
        feed.frame(kS2C, makeFrame(FrameType::Ping, 0, ts, frame_flag::kAck, 8));
        feed.frame(kS2C, makeFrame(FrameType::Settings, 0, ts, frame_flag::kAck, 0));
    }
    const auto findings = feed.end();
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].kind == FindingKind::PingFlood);
    CHECK(findings[0].peer == kC2S);
    CHECK(findings[0].count == 150);
    CHECK(findings[0].peak == 150);
}

TEST_CASE("Empty DATA without END_STREAM is an empty frame flood, the empty last DATA is not",
          "[audit]") {
    Feed feed;
    feed.request(1, kT0, false);
    for (int i = 0; i < 99; ++i)
        feed.frame(kC2S, makeFrame(FrameType::Data, 1, kT0 + i * kMs, 0, 0));
    for (int i = 0; i < 50; ++i)
        feed.frame(kC2S, makeFrame(FrameType::Data, 1, kT0 + 100 * kMs, frame_flag::kEndStream, 0));
    CHECK(feed.end().empty());

    Feed flood;
    flood.request(1, kT0, false);
    for (int i = 0; i < 100; ++i)
        flood.frame(kC2S, makeFrame(FrameType::Data, 1, kT0 + i * kMs, 0, 0));
    const auto findings = flood.end();
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].kind == FindingKind::EmptyFrameFlood);
}

TEST_CASE("PRIORITY frames at 100 a second are priority churn", "[audit]") {
    Feed feed;
    for (int i = 0; i < 100; ++i)
        feed.frame(kC2S,
                   makeFrame(FrameType::Priority, 2 * (i % 10) + 1, kT0 + i * 10 * kMs, 0, 5));
    const auto findings = feed.end();  // 100 within 990 ms
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].kind == FindingKind::PriorityChurn);
    CHECK(findings[0].peak == 100);
    Feed slower;
    for (int i = 0; i < 300; ++i)  // 100 within 1.01 s at most: under the threshold
        slower.frame(kC2S,
                     makeFrame(FrameType::Priority, 1, kT0 + i * TimestampNs{10'200'000}, 0, 5));
    CHECK(slower.end().empty());
}

TEST_CASE("A sender stalled 10 s on one stream is a slow read blamed on the reader", "[audit]") {
    Feed feed;
    feed.request(1, kT0);
    for (int i = 0; i < 50; ++i) {
        Frame w = makeFrame(FrameType::WindowUpdate, 1, kT0 + i * 200 * kMs, 0, 4);
        w.windowIncrement = 16;
        feed.frame(kC2S, w);
    }
    ConnectionSummary summary;
    for (int i = 0; i < 50; ++i) {  // 50 stalls of 199 ms and 2 of 100 ms: 10.15 s
        summary.stalls.push_back({kS2C, 1, kT0 + i * 200 * kMs, kT0 + i * 200 * kMs + 199 * kMs});
    }
    summary.stalls.push_back({kS2C, 1, kT0 + 20'000 * kMs, kT0 + 20'100 * kMs});
    summary.stalls.push_back({kS2C, 1, kT0 + 21'000 * kMs, kT0 + 21'100 * kMs});
    const auto findings = feed.end(summary);
    REQUIRE(findings.size() == 1);
    const Finding& f = findings[0];
    CHECK(f.kind == FindingKind::SlowRead);
    CHECK(f.peer == kC2S);
    CHECK(f.count == 52);
    CHECK(f.peak == 10'150);
    CHECK(f.first == kT0);
    CHECK(f.last == kT0 + 21'100 * kMs);
    CHECK(f.severity() == Severity::Warning);
    CHECK(f.detail.find("50 of them of 1 KiB or less") != std::string::npos);
}

TEST_CASE("Stalls of 9.9 s spread over streams are not one slow read", "[audit]") {
    Feed feed;
    feed.request(1, kT0);
    ConnectionSummary summary;
    summary.stalls.push_back({kS2C, 1, kT0, kT0 + 9'900 * kMs});
    summary.stalls.push_back({kS2C, 3, kT0, kT0 + 9'900 * kMs});
    CHECK(feed.end(summary).empty());
}

TEST_CASE(
    "The 11th open stream against a limit of 10 breaks the stream limit once the client "
    "acknowledged it",
    "[audit]") {
    auto serverSettings = [](std::uint32_t limit, TimestampNs ts) {
        Frame f = makeFrame(FrameType::Settings, 0, ts, 0, 6);
        f.settings.push_back({0x3, limit});
        return f;
    };
    Feed feed;
    feed.frame(kS2C, serverSettings(10, kT0));
    for (std::uint32_t i = 0; i < 12; ++i) feed.request(2 * i + 1, kT0 + kMs + i, false);
    // Before the ACK the client may not know the limit: no finding yet.
    for (std::uint32_t i = 0; i < 12; ++i) feed.streamDone(2 * i + 1);
    feed.frame(kC2S, makeFrame(FrameType::Settings, 0, kT0 + 2 * kMs, frame_flag::kAck, 0));
    for (std::uint32_t i = 0; i < 10; ++i) feed.request(101 + 2 * i, kT0 + 3 * kMs, false);
    feed.streamDone(101);
    feed.request(201, kT0 + 4 * kMs, false);  // 10 open again: fine
    feed.request(203, kT0 + 5 * kMs, false);  // 11
    feed.request(205, kT0 + 6 * kMs, false);  // 12
    const auto findings = feed.end();
    REQUIRE(findings.size() == 1);
    const Finding& f = findings[0];
    CHECK(f.kind == FindingKind::StreamLimitBroken);
    CHECK(f.peer == kC2S);
    CHECK(f.count == 2);
    CHECK(f.peak == 12);
    CHECK(f.threshold == 10);
    CHECK(f.first == kT0 + 5 * kMs);
    CHECK(f.last == kT0 + 6 * kMs);
}

TEST_CASE("A finding turned off is never made", "[audit]") {
    AuditThresholds t;
    t.set("ping-flood=off");
    Feed feed(t);
    for (int i = 0; i < 500; ++i)
        feed.frame(kC2S, makeFrame(FrameType::Ping, 0, kT0 + i * kMs, 0, 8));
    CHECK(feed.end().empty());
}

TEST_CASE("Thresholds read NAME=VALUE with units, and the rest gets clear errors", "[audit]") {
    AuditThresholds t;
    t.set("rapid-reset=50/s");
    CHECK(t.rapidReset == 50);
    t.set("ping-flood=70");
    CHECK(t.pingFlood == 70);
    t.set("slow-read=2.5s");
    CHECK(t.slowReadNs == 2'500'000'000);
    t.set("rapid-reset-age=20ms");
    CHECK(t.rapidResetAgeNs == 20'000'000);
    t.set("continuation-bytes=1MiB");
    CHECK(t.headerBlockBytes == 1 << 20);
    t.set("hpack-bomb=512KiB/s");
    CHECK(t.hpackBytesPerSecond == 512 * 1024);
    t.set("hpack-ratio=50x");
    CHECK(t.hpackRatio == 50);
    CHECK(t.text(FindingKind::HpackBomb) == "512KiB/s");
    CHECK(t.text(FindingKind::SlowRead) == "2500ms");
    auto message = [&](const char* a) {
        try {
            t.set(a);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(message("rapid-reset") ==
          "--threshold 'rapid-reset': expected NAME=VALUE, e.g. rapid-reset=100/s");
    CHECK(message("rapid-reset=fast").find("is not a count per second") != std::string::npos);
    CHECK(message("slow-read=10").find("is not a duration") != std::string::npos);
    CHECK(message("rapid-reset=-1").find("is not") != std::string::npos);
    CHECK(message("rapid-rest=1").find("no threshold called 'rapid-rest' (known: rapid-reset,") !=
          std::string::npos);
    CHECK(t.rapidReset == 50);  // a bad value changes nothing
}

TEST_CASE("Every finding kind has a name, title, reference and units", "[audit]") {
    for (int k = 0; k < kFindingKinds; ++k) {
        const FindingKindInfo& info = kindInfo(static_cast<FindingKind>(k));
        CHECK_FALSE(info.name.empty());
        CHECK_FALSE(info.title.empty());
        CHECK_FALSE(info.reference.empty());
        CHECK_FALSE(info.countUnit.empty());
        CHECK_FALSE(info.peakUnit.empty());
        AuditThresholds t;
        CHECK(t.value(static_cast<FindingKind>(k)) > 0);
    }
}
