#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tcp/seq_unwrapper.h"
#include "tcp/tcp_reassembler.h"

using namespace h2lens;

namespace {

// Records the byte stream with gaps written as explicit markers, so a test sees both.
struct Recorder : ReassemblySink {
    std::string bytes;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> gaps;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> mismatches;
    std::uint64_t expectedOffset = 0;
    bool contiguous = true;
    void onBytes(std::uint64_t offset, ByteSpan data, TimestampNs, std::uint64_t) override {
        if (offset != expectedOffset) contiguous = false;
        bytes.append(asStringView(data));
        expectedOffset = offset + data.size();
    }
    void onGap(std::uint64_t offset, std::uint64_t length, TimestampNs) override {
        if (offset != expectedOffset) contiguous = false;
        gaps.emplace_back(offset, length);
        bytes.append(std::string(length, '#'));
        expectedOffset = offset + length;
    }
    void onOverlapMismatch(std::uint64_t offset, std::uint64_t length, std::uint64_t) override {
        mismatches.emplace_back(offset, length);
    }
};

struct Seg {
    std::uint32_t seq;
    std::string data;
};

std::string runSegments(std::uint32_t isn, const std::vector<Seg>& segs, const Limits& limits,
                        Recorder& rec) {
    TcpReassembler r(limits);
    r.onSyn(isn);
    std::uint64_t pkt = 1;
    for (const auto& s : segs) r.addSegment(s.seq, asBytes(s.data), false, 0, pkt++, rec);
    r.flush(0, rec);
    return rec.bytes;
}

}  // namespace

TEST_CASE("SeqUnwrapper crosses the 32-bit wrap forwards and tolerates old segments") {
    SeqUnwrapper u;
    u.reset(0xFFFFFF00u);
    CHECK(u.unwrap(0xFFFFFF00u) == 0);
    CHECK(u.unwrap(0x00000010u) == 0x110);
    CHECK(u.unwrap(0xFFFFFFF0u) == 0xF0);  // older segment, before the wrap
    CHECK(u.unwrap(0x80000000u) == 0x80000100LL);
    CHECK(u.unwrap(0xC0000000u) == 0xC0000100LL);
    CHECK(u.unwrap(0x00000100u) == 0x100000200LL);  // second lap: beyond 4 GiB
    CHECK(u.unwrap(0xFFFFFE00u) == 0xFFFFFF00LL);   // a little older, across the wrap again

    SeqUnwrapper fresh;
    fresh.reset(0x10);
    CHECK(fresh.unwrap(0xFFFFFF10u) == -0x100);  // from before the base
}

TEST_CASE("Every permutation of a segment set reassembles to the same stream") {
    // Overlapping, duplicated and adjacent segments of "abcdefghijklmnopqrstuvwxyz".
    const std::string text = "abcdefghijklmnopqrstuvwxyz";
    const std::uint32_t isn = 0xFFFFFFF5u;  // data crosses the sequence wrap
    const std::uint32_t base = isn + 1;
    std::vector<Seg> segs = {
        {base + 0, text.substr(0, 5)},    {base + 3, text.substr(3, 6)},
        {base + 9, text.substr(9, 4)},    {base + 9, text.substr(9, 4)},
        {base + 13, text.substr(13, 13)}, {base + 20, text.substr(20, 3)},
    };
    std::vector<int> order(segs.size());
    std::iota(order.begin(), order.end(), 0);
    Limits limits;
    int permutations = 0;
    do {
        std::vector<Seg> permuted;
        for (int i : order) permuted.push_back(segs[i]);
        Recorder rec;
        runSegments(isn, permuted, limits, rec);
        INFO("permutation " << permutations);
        REQUIRE(rec.bytes == text);
        REQUIRE(rec.gaps.empty());
        REQUIRE(rec.mismatches.empty());
        REQUIRE(rec.contiguous);
        ++permutations;
    } while (std::next_permutation(order.begin(), order.end()));
    CHECK(permutations == 720);
}

TEST_CASE("Chunking of the same bytes into segments does not change the stream") {
    std::string text;
    for (int i = 0; i < 3000; ++i) text.push_back(static_cast<char>('A' + i % 57));
    const std::uint32_t isn = 1000;
    const std::size_t chunk = GENERATE(1, 2, 7, 100, 1448, 2999, 3000);
    std::vector<Seg> segs;
    for (std::size_t off = 0; off < text.size(); off += chunk) {
        segs.push_back({static_cast<std::uint32_t>(isn + 1 + off), text.substr(off, chunk)});
    }
    // Deliver in reverse: the worst case for the out-of-order buffer.
    std::reverse(segs.begin(), segs.end());
    Recorder rec;
    runSegments(isn, segs, Limits{}, rec);
    CHECK(rec.bytes == text);
    CHECK(rec.gaps.empty());
}

TEST_CASE("A hole never filled becomes a gap at flush and delivery goes on after it") {
    Recorder rec;
    runSegments(0, {{1, "hello"}, {11, "world"}}, Limits{}, rec);
    CHECK(rec.bytes == "hello#####world");
    REQUIRE(rec.gaps.size() == 1);
    CHECK(rec.gaps[0] == std::make_pair<std::uint64_t, std::uint64_t>(5, 5));
}

TEST_CASE("ACKs past a hole declare the capture's loss without waiting for the end") {
    Limits limits;
    TcpReassembler r(limits);
    Recorder rec;
    r.onSyn(0);
    r.addSegment(1, asBytes("aaaa"), false, 0, 1, rec);
    r.addSegment(9, asBytes("cccc"), false, 0, 2, rec);  // bytes 4..8 never captured
    // A real network loss keeps the cumulative ACK at the hole: no gap yet.
    for (int i = 0; i < 10; ++i) r.onPeerAck(5, 0, rec);
    CHECK(rec.gaps.empty());
    // The receiver acknowledges bytes the capture never saw: the capture lost them.
    for (int i = 0; i < 4; ++i) r.onPeerAck(13, 0, rec);
    REQUIRE(rec.gaps.size() == 1);
    CHECK(rec.bytes == "aaaa####cccc");
    CHECK(r.stats().gapBytes == 4);
}

TEST_CASE("Overlapping bytes that differ are reported and the first copy wins") {
    Recorder rec;
    runSegments(0, {{5, "EFGH"}, {3, "CDxFGHIJ"}, {1, "AB"}}, Limits{}, rec);
    CHECK(rec.bytes == "ABCDEFGHIJ");
    REQUIRE(rec.mismatches.size() == 1);
    CHECK(rec.mismatches[0].first == 4);
}

TEST_CASE("The out-of-order cap forces a gap instead of growing without bound") {
    Limits limits;
    limits.maxOutOfOrderBytesPerFlow = 8;
    TcpReassembler r(limits);
    Recorder rec;
    r.onSyn(0);
    r.addSegment(11, asBytes("12345"), false, 0, 1, rec);
    CHECK(rec.bytes.empty());
    r.addSegment(16, asBytes("67890"), false, 0, 2, rec);  // 10 bytes would exceed the cap of 8
    CHECK(r.stats().capForcedGaps == 1);
    CHECK(rec.bytes == "##########1234567890");
    CHECK(r.bufferedBytes() == 0);
}

TEST_CASE("Data past the FIN is not delivered and retransmissions are counted") {
    Limits limits;
    TcpReassembler r(limits);
    Recorder rec;
    r.onSyn(100);
    CHECK(r.addSegment(101, asBytes("abc"), true, 0, 1, rec) == SegmentClass::InOrder);
    CHECK(r.finReached());
    CHECK(r.addSegment(101, asBytes("abc"), false, 0, 2, rec) == SegmentClass::Retransmission);
    CHECK(r.addSegment(104, asBytes("zz"), false, 0, 3, rec) == SegmentClass::AfterFin);
    CHECK(rec.bytes == "abc");
    CHECK(r.stats().retransmittedSegments == 1);
}

TEST_CASE(
    "A connection first seen mid-way starts at its first segment, and older data is dropped") {
    Limits limits;
    TcpReassembler r(limits);
    Recorder rec;
    CHECK(r.addSegment(5000, asBytes("middle"), false, 0, 1, rec) == SegmentClass::InOrder);
    CHECK(r.addSegment(4990, asBytes("0123456789"), false, 0, 2, rec) == SegmentClass::BeforeStart);
    CHECK(r.addSegment(4996, asBytes("6789midd"), false, 0, 3, rec) ==
          SegmentClass::Retransmission);
    CHECK(rec.bytes == "middle");
}

TEST_CASE("Directions sharing an out-of-order total give up their own holes before passing it") {
    Limits limits;
    limits.maxOutOfOrderBytesPerFlow = 1000;  // each direction alone would keep 1000
    limits.maxOutOfOrderBytesTotal = 12;      // all of them together keep 12
    std::size_t shared = 0;
    Recorder a, b;
    {
        TcpReassembler ra(limits, &shared), rb(limits, &shared);
        ra.onSyn(0);
        rb.onSyn(0);
        ra.addSegment(1, asBytes("a1"), false, 0, 1, a);
        ra.addSegment(5, asBytes("AAAAAAAA"), false, 0, 2, a);  // hole at 2..4: 8 bytes wait
        CHECK(shared == 8);
        rb.addSegment(1, asBytes("b1"), false, 0, 3, b);
        rb.addSegment(5, asBytes("BBBB"), false, 0, 4, b);  // 12 in all: still fits
        CHECK(shared == 12);
        CHECK(a.gaps.empty());
        CHECK(b.gaps.empty());
        // b's next out-of-order bytes would pass the total: b gives up its own hole, a keeps its.
        rb.addSegment(11, asBytes("bb"), false, 0, 5, b);
        REQUIRE(b.gaps.size() == 1);
        CHECK(b.bytes == "b1##BBBB");
        CHECK(a.gaps.empty());
        CHECK(shared == 8 + 2);
        CHECK(ra.bufferedBytes() == 8);
        // The hole filled: a delivers and gives its share back.
        ra.addSegment(3, asBytes("xx"), false, 0, 6, a);
        CHECK(a.bytes == "a1xxAAAAAAAA");
        CHECK(shared == 2);
    }
    CHECK(shared == 0);  // destroyed directions give back what they still held
}
