// Issue 14.1: frames that frame-sync search held back carry the time of the packet that
// brought their last byte, as every other frame does, not the time of the packet where sync
// was decided; and a search that skipped nothing reports nothing (no "skipping 0 bytes").
#include <catch2/catch.hpp>
#include <vector>

#include "frame_test_support.h"

using namespace h2lens;
using namespace h2lens::test;

namespace {

struct TimedSink : FrameSink {
    std::vector<std::pair<std::uint8_t, TimestampNs>> frames;
    std::vector<TimestampNs> firstTs;
    std::vector<FrameIssue> issues;
    void onFrame(const Frame& f) override {
        frames.emplace_back(f.type, f.ts);
        firstTs.push_back(f.firstTs);
    }
    void onIssue(const FrameIssue& i) override { issues.push_back(i); }
};

Bytes ping(std::uint8_t fill) {
    return frameBytes(0x6, 0, 0, Bytes(8, fill));
}

}  // namespace

TEST_CASE("Frames out of the sync window keep their own packet's time", "[frame][sync][time]") {
    // Mid-connection: garbage, then two PINGs, each in its own "packet"; the 3-frame chain is
    // only complete with the third packet, or at finish().
    FrameDecoder dec(Limits{});
    dec.startMidStream();
    TimedSink sink;
    dec.feed(cat({Bytes(5, 0xee), ping(1)}), 10, sink);
    dec.feed(ping(2), 20, sink);
    CHECK(sink.frames.empty());  // two headers: not enough yet
    dec.finish(30, sink);        // the chain ends exactly at the end: accepted
    REQUIRE(sink.frames.size() == 2);
    CHECK(sink.frames[0].second == 10);
    CHECK(sink.frames[1].second == 20);
    REQUIRE(sink.issues.size() == 1);
    CHECK(sink.issues[0].kind == FrameIssueKind::Resynced);
    CHECK(sink.issues[0].byteCount == 5);
}

TEST_CASE("A frame straddling packets in the sync window has its last byte's time",
          "[frame][sync][time]") {
    FrameDecoder dec(Limits{});
    dec.startMidStream();
    TimedSink sink;
    const Bytes all = cat({ping(1), ping(2), ping(3)});
    dec.feed(ByteSpan(all).first(20), 1, sink);        // PING 1 and 3 bytes of PING 2
    dec.feed(ByteSpan(all).subspan(20, 14), 2, sink);  // rest of PING 2
    dec.feed(ByteSpan(all).subspan(34), 3, sink);      // PING 3: chain of 3 complete
    REQUIRE(sink.frames.size() == 3);
    CHECK(sink.frames[0].second == 1);
    CHECK(sink.frames[1].second == 2);
    CHECK(sink.frames[2].second == 3);
    // The time of the first byte too: PING 2 began in packet 1.
    CHECK(sink.firstTs == std::vector<TimestampNs>{1, 1, 3});
    CHECK(sink.issues.empty());  // sync at offset 0: nothing skipped, nothing to say
}

TEST_CASE("Every frame has the time of its first and of its last byte", "[frame][time]") {
    FrameDecoder dec(Limits{});
    TimedSink sink;
    const Bytes all = cat({ping(1), ping(2)});
    dec.feed(ByteSpan(all).first(4), 1, sink);        // half a header
    dec.feed(ByteSpan(all).subspan(4, 20), 2, sink);  // rest of PING 1, 7 bytes of PING 2
    dec.feed(ByteSpan(all).subspan(24), 3, sink);
    REQUIRE(sink.frames.size() == 2);
    CHECK(sink.firstTs == std::vector<TimestampNs>{1, 2});
    CHECK(sink.frames[0].second == 2);
    CHECK(sink.frames[1].second == 3);
}

TEST_CASE("A SETTINGS ACK starting a mid-connection capture is a frame", "[frame][sync]") {
    FrameDecoder dec(Limits{});
    dec.startMidStream();
    TimedSink sink;
    dec.feed(cat({frameBytes(0x4, 0x1, 0, {}), ping(1), ping(2)}), 1, sink);
    REQUIRE(sink.frames.size() == 3);
    CHECK(sink.frames[0].first == 0x4);
    CHECK(sink.issues.empty());
}

TEST_CASE("Two headers cut by the end at the segment start are taken, not invented elsewhere",
          "[frame][sync]") {
    // HEADERS (stream 1) then a DATA frame of 16384 bytes of which the capture has 100.
    FrameDecoder dec(Limits{});
    dec.startMidStream();
    TimedSink sink;
    Bytes data;
    appendFrame(data, 0x0, 0, 1, Bytes(100, 0x61), 16384);
    dec.feed(cat({frameBytes(0x1, 0x4, 1, Bytes{0x88}), data}), 7, sink);
    dec.finish(8, sink);
    REQUIRE(sink.frames.size() == 1);
    CHECK(sink.frames[0].first == 0x1);
    CHECK(sink.frames[0].second == 7);
    REQUIRE(sink.issues.size() == 1);
    CHECK(sink.issues[0].kind == FrameIssueKind::Truncated);
}

TEST_CASE("The client preface at a segment start is the preface, not skipped bytes",
          "[frame][sync]") {
    // transform-base64-7296 connection 57228: the request before the preface was not captured
    // (a gap), so the client direction is searched; it resumes with the preface.
    const Bytes preface(kClientPreface.begin(), kClientPreface.end());
    for (bool afterGap : {false, true}) {
        INFO("after a gap: " << afterGap);
        FrameDecoder dec(Limits{});
        dec.startMidStream();
        TimedSink sink;
        if (afterGap) dec.gap(196, 1, sink);
        const Bytes bytes = cat({preface, ping(1), ping(2), ping(3)});
        dec.feed(ByteSpan(bytes).first(10), 2, sink);  // the preface's first bytes: wait
        dec.feed(ByteSpan(bytes).subspan(10), 3, sink);
        CHECK(sink.frames.size() == 3);
        CHECK(sink.issues.empty());
        CHECK(dec.stats().prefaceSeen);
        CHECK(dec.stats().skippedBytes == 0);
    }
}
