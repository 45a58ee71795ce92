// FrameDecoder as a byte-stream machine: preface, chunk independence, frame-sync search, gaps,
// the hard payload cap.
#include <algorithm>
#include <random>
#include <set>

#include <catch2/catch.hpp>

#include "frame_test_support.h"
#include "h2/frame_header.h"

using namespace h2lens;
using namespace h2lens::test;

namespace {

// Frames of every type, with padding, priority, an unknown type and malformed ones.
Bytes allTypes() {
    Bytes b;
    appendFrame(b, 0x4, 0, 0, cat({be16(3), be32(100), be16(4), be32(65535), be16(9), be32(1)}));
    appendFrame(b, 0x4, 0x1, 0, {});
    appendFrame(b, 0x8, 0, 0, be32(1 << 20));
    appendFrame(b, 0x2, 0, 3, cat({be32(0), {200}}));
    appendFrame(b, 0x1, 0x25, 13, cat({be32(0x80000003), {15}, {0x82, 0x86, 0x84, 0x41, 0x8a}}));
    appendFrame(b, 0x1, 0x0c, 15, cat({{4}, {0x82, 0x87}, Bytes(4, 0)}));
    appendFrame(b, 0x9, 0x4, 15, {0x41, 0x83, 0xbc, 0xee, 0x67});
    appendFrame(b, 0x5, 0x4, 13, cat({be32(2), {0x82, 0x84}}));
    appendFrame(b, 0x0, 0x0, 13, Bytes(40, 0x61));
    appendFrame(b, 0x0, 0x9, 13, cat({{5}, str("body"), Bytes(5, 0)}));
    appendFrame(b, 0xfa, 0x05, 0, str("unknown extension"));
    appendFrame(b, 0xa, 0, 0, cat({be16(9), str("127.0.0.1"), str("h2=\":8443\"")}));
    appendFrame(b, 0xc, 0, 0, cat({be16(11), str("https://a.b")}));
    appendFrame(b, 0x10, 0, 0, cat({be32(13), str("u=2")}));
    appendFrame(b, 0x6, 0, 0, {1, 2, 3, 4, 5, 6, 7, 8});
    appendFrame(b, 0x6, 0x1, 0, {1, 2, 3, 4, 5, 6, 7, 8});
    appendFrame(b, 0x6, 0, 0, {1, 2, 3});    // malformed: PING length 3
    appendFrame(b, 0x0, 0x8, 7, {9, 1, 2});  // malformed: padding too long
    appendFrame(b, 0x3, 0, 2, be32(8));
    appendFrame(b, 0x8, 0, 13, be32(0));  // malformed: increment 0
    appendFrame(b, 0x0, 0x1, 0, {});      // malformed: DATA on stream 0
    appendFrame(b, 0x7, 0, 0, cat({be32(13), be32(0), str("bye")}));
    return b;
}

Bytes withPreface(const Bytes& frames) {
    return cat({str(kClientPreface), frames});
}

// Only well-formed frames of known types: every boundary is a plausible sync point.
Bytes wellFormed() {
    Bytes b;
    appendFrame(b, 0x4, 0, 0, cat({be16(1), be32(4096), be16(5), be32(16384)}));
    appendFrame(b, 0x8, 0, 0, be32(983041));
    appendFrame(b, 0x1, 0x24, 1, cat({be32(0), {255}, {0x82, 0x86, 0x84}}));
    appendFrame(b, 0x0, 0x0, 1, str("The quick brown fox jumps over the lazy dog"));
    appendFrame(b, 0x0, 0x8, 1, cat({{3}, str("padded"), Bytes(3, 0)}));
    appendFrame(b, 0x6, 0, 0, {0, 0, 0, 0, 0, 0, 0, 1});
    appendFrame(b, 0x1, 0x4, 3, {0x82, 0x87, 0x41, 0x8a, 0x08, 0x9d});
    appendFrame(b, 0x0, 0x1, 3, Bytes(100, 0x78));
    appendFrame(b, 0x3, 0, 1, be32(8));
    appendFrame(b, 0x4, 0x1, 0, {});
    appendFrame(b, 0x8, 0, 3, be32(100));
    appendFrame(b, 0x7, 0, 0, cat({be32(3), be32(0), str("done")}));
    return b;
}

std::vector<std::size_t> boundaries(const Bytes& frames) {
    std::vector<std::size_t> out;
    for (std::size_t pos = 0; pos + 9 <= frames.size(); pos += 9 + loadBe24(&frames[pos]))
        out.push_back(pos);
    return out;
}

}  // namespace

TEST_CASE("The client preface followed by frames of every type decodes with the right counts",
          "[frame][preface]") {
    const Bytes bytes = withPreface(allTypes());
    auto r = decodeSplit(bytes, {}, Start::Preface);
    CHECK(r.issues.empty());
    CHECK(r.stats.prefaceSeen);
    REQUIRE(r.sink.frames.size() == 22);
    CHECK(r.sink.frames.front().offset == 24);
    CHECK(r.sink.frames.front().type == 0x4);
    CHECK(r.sink.frames.back().type == 0x7);
    CHECK(r.stats.malformedFrames == 4);
    CHECK(r.stats.unknownTypeFrames == 1);
    CHECK(r.stats.frames == 22);
    CHECK(r.stats.framesByType[0x6] == 3);
    CHECK(r.stats.bytes == bytes.size());
}

TEST_CASE("A bad client preface is reported and frame-sync search follows", "[frame][preface]") {
    SECTION("HTTP/1.1 request instead of the preface") {
        const Bytes bytes = cat({str("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), wellFormed()});
        auto r = decodeSplit(bytes, {}, Start::Preface);
        REQUIRE(r.sink.issues.size() == 2);
        CHECK(r.sink.issues[0].kind == FrameIssueKind::PrefaceMismatch);
        CHECK(r.sink.issues[0].offset == 0);
        CHECK(r.sink.issues[1].kind == FrameIssueKind::Resynced);
        CHECK(r.sink.issues[1].byteCount == 27);
        CHECK(r.sink.frames.size() == boundaries(wellFormed()).size());
        CHECK(r.sink.frames.front().offset == 27);
        CHECK_FALSE(r.stats.prefaceSeen);
    }
    SECTION("diverging after a matching prefix: bytes searched from the start") {
        const Bytes bytes = cat({str("PRI * HTTP/1.1\r\n"), wellFormed()});
        auto r = decodeSplit(bytes, {}, Start::Preface);
        REQUIRE(r.sink.issues.size() == 2);
        CHECK(r.sink.issues[0].byteCount == 12);  // mismatch at byte 11
        CHECK(r.sink.issues[1].byteCount == 16);
        CHECK(r.sink.frames.front().offset == 16);
    }
    SECTION("frames where the preface was expected") {
        auto r = decodeSplit(wellFormed(), {}, Start::Preface);
        // The mismatch only: sync lands on byte 0, nothing skipped, no "skipping 0 bytes".
        REQUIRE(r.sink.issues.size() == 1);
        CHECK(r.sink.issues[0].kind == FrameIssueKind::PrefaceMismatch);
        CHECK(r.frames == decodeSplit(wellFormed(), {}).frames);
    }
    SECTION("preface fed byte by byte") {
        auto whole = decodeSplit(withPreface(wellFormed()), {}, Start::Preface);
        auto bytewise = decodeInChunks(withPreface(wellFormed()), 1, Start::Preface);
        CHECK(bytewise.issues.empty());
        CHECK(bytewise.frames == whole.frames);
    }
}

TEST_CASE("The decoded frames do not depend on the chunk size or on random splits of the bytes",
          "[frame][chunks]") {
    const Bytes bytes = withPreface(allTypes());
    const auto whole = decodeSplit(bytes, {}, Start::Preface);
    REQUIRE(whole.frames.size() == 22);
    for (std::size_t chunk = 1; chunk <= bytes.size(); ++chunk) {
        INFO("chunk size " << chunk);
        const auto r = decodeInChunks(bytes, chunk, Start::Preface);
        REQUIRE(r.frames == whole.frames);
        REQUIRE(r.issues == whole.issues);
    }
    std::mt19937 rng(12345);
    for (int round = 0; round < 300; ++round) {
        std::uniform_int_distribution<std::size_t> count(1, 40);
        std::uniform_int_distribution<std::size_t> at(1, bytes.size() - 1);
        std::set<std::size_t> cuts;
        for (std::size_t i = count(rng); i > 0; --i) cuts.insert(at(rng));
        INFO("round " << round);
        const auto r = decodeSplit(bytes, {cuts.begin(), cuts.end()}, Start::Preface);
        REQUIRE(r.frames == whole.frames);
    }
}

TEST_CASE("The fast path copies nothing and only frames straddling chunks are buffered",
          "[frame][chunks]") {
    const Bytes bytes = allTypes();
    CHECK(decodeSplit(bytes, {}).stats.bufferedFrames == 0);
    // Cutting inside the 9th frame (the 40-byte DATA) buffers exactly that frame.
    const auto b = boundaries(bytes);
    const auto r = decodeSplit(bytes, {b[8] + 20});
    CHECK(r.stats.bufferedFrames == 1);
    CHECK(r.frames == decodeSplit(bytes, {}).frames);
}

TEST_CASE("Frame-sync search from every offset finds the next true boundary", "[frame][sync]") {
    const Bytes frames = wellFormed();
    const auto bounds = boundaries(frames);
    const auto reference = decodeSplit(frames, {});
    REQUIRE(reference.sink.frames.size() == bounds.size());
    for (std::size_t start = 0; start < frames.size(); ++start) {
        INFO("start offset " << start);
        const Bytes tail(frames.begin() + static_cast<std::ptrdiff_t>(start), frames.end());
        const auto r = decodeSplit(tail, {}, Start::MidStream);
        // Empty frames (the SETTINGS ACK) are sync starting points only at the first byte.
        const auto next = std::find_if(bounds.begin(), bounds.end(), [&](std::size_t b) {
            return b == start || (b > start && loadBe24(&frames[b]) > 0);
        });
        const std::size_t expected = static_cast<std::size_t>(bounds.end() - next);
        REQUIRE(r.sink.frames.size() == expected);
        for (std::size_t i = 0; i < expected; ++i) {
            const auto& got = r.sink.frames[i];
            const auto& want =
                reference.sink.frames[static_cast<std::size_t>(next - bounds.begin()) + i];
            REQUIRE(got.offset + start == want.offset);
            REQUIRE(got.type == want.type);
            REQUIRE(got.length == want.length);
            REQUIRE(got.streamId == want.streamId);
        }
        if (expected > 0 && *next == start) {
            CHECK(r.sink.issues.empty());  // nothing skipped: nothing to report
        } else if (expected > 0) {
            REQUIRE(r.sink.issues.size() == 1);
            CHECK(r.sink.issues[0].kind == FrameIssueKind::Resynced);
            CHECK(r.sink.issues[0].byteCount == *next - start);
        }
        CHECK(r.stats.skippedBytes + (expected ? frames.size() - *next : 0) == tail.size());
    }
}

TEST_CASE("Frame-sync search is chunk independent over garbage", "[frame][sync][chunks]") {
    // The tail of a big DATA payload ('a' bytes) and then frames.
    const Bytes bytes = cat({Bytes(300, 0x61), wellFormed()});
    const auto whole = decodeSplit(bytes, {}, Start::MidStream);
    REQUIRE(whole.sink.frames.size() == boundaries(wellFormed()).size());
    REQUIRE(whole.sink.issues.size() == 1);
    CHECK(whole.sink.issues[0].byteCount == 300);
    for (std::size_t chunk = 1; chunk <= bytes.size(); chunk += (chunk < 40 ? 1 : 7)) {
        INFO("chunk size " << chunk);
        const auto r = decodeInChunks(bytes, chunk, Start::MidStream);
        REQUIRE(r.frames == whole.frames);
        REQUIRE(r.issues == whole.issues);
    }
}

TEST_CASE("Frame-sync search accepts a lone frame when the chunk ends at its end",
          "[frame][sync]") {
    const Bytes one = frameBytes(0x8, 0, 0, be32(1000));
    auto r = decodeSplit(cat({Bytes(10, 0xff), one}), {}, Start::MidStream);
    REQUIRE(r.sink.frames.size() == 1);
    CHECK(r.sink.frames[0].offset == 10);
    // Not when more bytes follow that are not a frame header.
    auto r2 = decodeSplit(cat({Bytes(10, 0xff), one, Bytes(9, 0xff)}), {}, Start::MidStream);
    CHECK(r2.sink.frames.empty());
    CHECK(r2.stats.skippedBytes == 10 + one.size() + 9);
    REQUIRE(r2.sink.issues.size() == 1);
    CHECK(r2.sink.issues[0].kind == FrameIssueKind::SyncAbandoned);
}

TEST_CASE("Frame-sync search keeps a bounded window", "[frame][sync]") {
    FrameDecoder dec(Limits{});
    dec.startMidStream();
    RecordingFrameSink sink;
    const Bytes junk(1 << 20, 0xff);
    dec.feed(junk, 1, sink);
    CHECK(sink.frames.empty());
    CHECK(dec.stats().skippedBytes >= junk.size() - 8);
    CHECK_FALSE(dec.synchronised());
    dec.feed(wellFormed(), 2, sink);
    CHECK(dec.synchronised());
    dec.finish(3, sink);
    CHECK(sink.frames.size() == boundaries(wellFormed()).size());
    CHECK(sink.frames.front().offset == junk.size());
}

TEST_CASE(
    "A gap in the bytes loses only the frames it touches, then decoding resumes at the next "
    "boundary or by frame-sync search",
    "[frame][gap]") {
    const Bytes frames = wellFormed();
    const auto b = boundaries(frames);
    const auto reference = decodeSplit(frames, {});
    // Frame 7 is the 100-byte DATA frame on stream 3.
    const std::size_t dataAt = b[7];
    REQUIRE(frames[dataAt + 3] == 0x0);
    REQUIRE(loadBe24(&frames[dataAt]) == 100);

    SECTION("gap ending inside the frame in progress: continue at the next boundary") {
        FrameDecoder dec(Limits{});
        RecordingFrameSink sink;
        dec.feed(ByteSpan(frames).first(dataAt + 9 + 10), 1, sink);
        dec.gap(50, 2, sink);
        dec.feed(ByteSpan(frames).subspan(dataAt + 9 + 60), 3, sink);
        REQUIRE(sink.issues.size() == 1);
        CHECK(sink.issues[0].kind == FrameIssueKind::FrameLost);
        CHECK(sink.issues[0].offset == dataAt + 19);
        CHECK(sink.frames.size() == b.size() - 1);
        CHECK(dec.stats().lostFrames == 1);
        CHECK(dec.stats().resyncs == 0);
        CHECK(sink.frames[7].offset == b[8]);
        CHECK(sink.frames.back().text == reference.frames.back());
        CHECK(dec.offset() == frames.size());
    }
    SECTION("gap ending exactly at the end of the frame in progress") {
        FrameDecoder dec(Limits{});
        RecordingFrameSink sink;
        dec.feed(ByteSpan(frames).first(dataAt + 9 + 10), 1, sink);
        dec.gap(90, 2, sink);
        dec.feed(ByteSpan(frames).subspan(b[8]), 3, sink);
        CHECK(sink.frames.size() == b.size() - 1);
        CHECK(dec.stats().resyncs == 0);
    }
    SECTION("gap in a lost frame's remainder after an earlier gap") {
        FrameDecoder dec(Limits{});
        RecordingFrameSink sink;
        dec.feed(ByteSpan(frames).first(dataAt + 9 + 10), 1, sink);
        dec.gap(10, 2, sink);
        dec.feed(ByteSpan(frames).subspan(dataAt + 29, 10), 3, sink);
        dec.gap(20, 4, sink);
        dec.feed(ByteSpan(frames).subspan(dataAt + 59), 5, sink);
        CHECK(sink.frames.size() == b.size() - 1);
        CHECK(dec.stats().resyncs == 0);
        CHECK(dec.stats().lostFrames == 1);
    }
    SECTION("gap running past the frame end: frame-sync search") {
        FrameDecoder dec(Limits{});
        RecordingFrameSink sink;
        dec.feed(ByteSpan(frames).first(dataAt + 9 + 10), 1, sink);
        const std::size_t resume = b[8] + 3;  // inside the RST_STREAM header
        dec.gap(resume - (dataAt + 19), 2, sink);
        dec.feed(ByteSpan(frames).subspan(resume), 3, sink);
        dec.finish(4, sink);  // the last frames' chain ends with the bytes
        REQUIRE(sink.issues.size() == 2);
        CHECK(sink.issues[0].kind == FrameIssueKind::FrameLost);
        CHECK(sink.issues[1].kind == FrameIssueKind::Resynced);
        // b[9] is an empty SETTINGS ACK: empty frames are never sync starting points.
        CHECK(sink.issues[1].byteCount == b[10] - resume);
        REQUIRE(sink.frames.size() == 7 + (b.size() - 10));
        CHECK(sink.frames[7].offset == b[10]);
    }
    SECTION("gap at a frame boundary: frame-sync search") {
        FrameDecoder dec(Limits{});
        RecordingFrameSink sink;
        dec.feed(ByteSpan(frames).first(b[3]), 1, sink);
        dec.gap(b[5] - b[3], 2, sink);
        dec.feed(ByteSpan(frames).subspan(b[5]), 3, sink);
        dec.finish(4, sink);
        REQUIRE(sink.frames.size() == b.size() - 2);
        CHECK(sink.frames[3].offset == b[5]);
        CHECK(dec.stats().resyncs == 1);
        CHECK(dec.stats().skippedBytes == 0);
    }
    SECTION("gap inside a frame header") {
        FrameDecoder dec(Limits{});
        RecordingFrameSink sink;
        dec.feed(ByteSpan(frames).first(b[3] + 4), 1, sink);
        dec.gap(b[4] - b[3] - 4, 2, sink);
        dec.feed(ByteSpan(frames).subspan(b[4]), 3, sink);
        dec.finish(4, sink);
        CHECK(sink.frames.size() == b.size() - 1);
        CHECK(dec.stats().lostFrames == 1);
    }
    SECTION("gap inside the preface") {
        FrameDecoder dec(Limits{});
        dec.expectClientPreface();
        RecordingFrameSink sink;
        const Bytes bytes = withPreface(frames);
        dec.feed(ByteSpan(bytes).first(5), 1, sink);
        dec.gap(10, 2, sink);
        dec.feed(ByteSpan(bytes).subspan(15), 3, sink);
        REQUIRE(sink.issues.size() == 1);
        CHECK(sink.issues[0].kind == FrameIssueKind::PrefaceLost);
        CHECK(sink.frames.size() == b.size());
        CHECK(sink.frames[0].offset == 24);
    }
    SECTION("gap during frame-sync search") {
        FrameDecoder dec(Limits{});
        dec.startMidStream();
        RecordingFrameSink sink;
        dec.feed(Bytes(50, 0xff), 1, sink);
        dec.gap(1000, 2, sink);
        dec.feed(frames, 3, sink);
        dec.finish(4, sink);
        // The frames start right after the gap: sync found with nothing skipped, no issue.
        REQUIRE(sink.issues.size() == 1);
        CHECK(sink.issues[0].kind == FrameIssueKind::SyncAbandoned);
        CHECK(sink.issues[0].byteCount == 50);
        CHECK(dec.stats().resyncs == 1);
        CHECK(sink.frames.size() == b.size());
        CHECK(sink.frames[0].offset == 1050);
        CHECK(dec.stats().gapBytes == 1000);
    }
}

TEST_CASE(
    "A frame above the hard payload cap is reported, never allocated, and followed by a resync",
    "[frame][cap]") {
    Limits limits;
    limits.maxFramePayload = 64;
    const Bytes frames = wellFormed();
    Bytes huge;
    appendFrame(huge, 0x0, 0, 1, Bytes(200, 0x61));
    const Bytes bytes = cat({frameBytes(0x4, 0x1, 0, {}), huge, frames});
    for (std::size_t chunk : {bytes.size(), std::size_t{1}, std::size_t{7}, std::size_t{100}}) {
        INFO("chunk " << chunk);
        auto r = decodeInChunks(bytes, chunk, Start::Boundary, limits);
        REQUIRE(r.sink.issues.size() == 4);
        CHECK(r.sink.issues[0].kind == FrameIssueKind::FrameTooLarge);
        CHECK(r.sink.issues[0].offset == 9);
        CHECK(r.sink.issues[0].byteCount == 200);
        CHECK(r.sink.issues[1].kind == FrameIssueKind::Resynced);
        // The 100-byte DATA frame of wellFormed() is above the cap too: it is not a sync point,
        // so sync lands on the SETTINGS right at the start, and the big frame resyncs again.
        CHECK(r.sink.frames.front().offset == 0);
        CHECK(r.sink.frames[1].offset == 9 + huge.size());
        CHECK(r.sink.issues[2].kind == FrameIssueKind::FrameTooLarge);
        CHECK(r.sink.issues[2].offset == 9 + huge.size() + boundaries(frames)[7]);
        CHECK(r.sink.issues[3].kind == FrameIssueKind::Resynced);
        CHECK(r.stats.tooLargeFrames == 2);
        CHECK(r.sink.frames.size() == 1 + boundaries(frames).size() - 1);
    }
}
