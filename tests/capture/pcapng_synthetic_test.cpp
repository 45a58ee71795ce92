// pcapng features the real captures lack (big-endian sections, several sections, power-of-two
// and coarse resolutions, time offsets, Simple and obsolete Packet Blocks, blocks to skip),
// built from real packet bytes with a small writer; tshark reads the same files as the oracle.
#include <set>

#include "capture/capture_test_util.h"
#include "capture/pcapng_reader.h"

using namespace h2lens;
using namespace h2lens::test;

namespace {

// The first `count` packets of 12a with at least 100 captured bytes (some tests cut to 100).
std::vector<OwnedPacket> realPackets(std::size_t count) {
    const Bytes bytes = readFile(sharedDir() / "captures/12a_pcapng_dumpcap_dsb/capture.pcapng");
    PcapngReader reader{ByteSpan(bytes)};
    std::vector<OwnedPacket> packets;
    for (auto& p : readAll(reader).packets) {
        if (p.data.size() >= 100 && packets.size() < count) packets.push_back(std::move(p));
    }
    return packets;
}

ReadResult readMemory(const Bytes& bytes) {
    PcapngReader reader{ByteSpan(bytes)};
    return readAll(reader);
}

void compareWithTshark(const Bytes& file, const ReadResult& r) {
    TempDir dir;
    const auto path = dir.path() / "synthetic.pcapng";
    writeFile(path, file);
    const auto frames = tsharkFrames(path);
    REQUIRE(frames.size() == r.packets.size());
    for (std::size_t i = 0; i < frames.size(); ++i) {
        INFO("packet " << i + 1);
        CHECK(frames[i].hasTime);
        CHECK(r.packets[i].ts == frames[i].ts);
        CHECK(r.packets[i].originalLength == frames[i].length);
        CHECK(r.packets[i].data.size() == frames[i].capturedLength);
    }
}

}  // namespace

TEST_CASE("Both byte orders, several sections, resolutions and offsets agree with tshark",
          "[capture][pcapng][synthetic][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const auto packets = realPackets(12);
    REQUIRE(packets.size() == 12);
    const std::uint64_t base = static_cast<std::uint64_t>(packets[0].ts);

    PcapngWriter w(false);
    // Section 1, little-endian: default microseconds, then 2^-20 s with a time offset.
    w.section(false);
    w.interface(1, 262144);
    w.interface(1, 262144, std::uint8_t{0x80 | 20}, std::int64_t{-1000});
    for (int i = 0; i < 3; ++i) {
        w.enhanced(0, static_cast<std::uint64_t>(packets[i].ts) / 1000, packets[i].data,
                   packets[i].originalLength);
    }
    for (int i = 3; i < 6; ++i) {
        const std::uint64_t ns = static_cast<std::uint64_t>(packets[i].ts) + 1'000'000'000'000;
        const std::uint64_t ticks =
            static_cast<std::uint64_t>((static_cast<unsigned __int128>(ns) << 20) / 1'000'000'000u);
        w.enhanced(1, ticks, packets[i].data, packets[i].originalLength);
    }
    // Section 2, big-endian: interface ids restart at 0; nanoseconds, milliseconds, 2^-30.
    w.section(true);
    w.interface(1, 0, std::uint8_t{9});
    w.interface(1, 0, std::uint8_t{3}, std::int64_t{3600});
    w.interface(1, 0, std::uint8_t{0x80 | 30});
    w.enhanced(0, static_cast<std::uint64_t>(packets[6].ts), packets[6].data,
               packets[6].originalLength);
    w.enhanced(1, (static_cast<std::uint64_t>(packets[7].ts) - 3'600'000'000'000) / 1'000'000,
               packets[7].data, packets[7].originalLength);
    w.enhanced(
        2,
        static_cast<std::uint64_t>(
            (static_cast<unsigned __int128>(packets[8].ts - static_cast<TimestampNs>(base)) << 30) /
            1'000'000'000u),
        packets[8].data, packets[8].originalLength);
    // Obsolete Packet Block (big-endian), with a snapped capture: 60 of the packet's bytes.
    w.obsolete(0, static_cast<std::uint64_t>(packets[9].ts), ByteSpan(packets[9].data).first(60),
               packets[9].originalLength);
    // Section 3, little-endian again.
    w.section(false);
    w.interface(1, 0);
    w.enhanced(0, static_cast<std::uint64_t>(packets[10].ts) / 1000, packets[10].data,
               packets[10].originalLength);
    const Bytes file = w.bytes();

    const ReadResult r = readMemory(file);
    INFO(r.issues.size() << " issues");
    CHECK(r.issues.empty());
    REQUIRE(r.packets.size() == 11);
    for (std::size_t i = 0; i < r.packets.size(); ++i) {
        INFO("packet " << i + 1);
        CHECK(r.packets[i].number == i + 1);
        CHECK(r.packets[i].linkType == 1);
        const std::size_t n =
            std::min<std::size_t>(r.packets[i].data.size(), packets[i].data.size());
        CHECK(std::equal(r.packets[i].data.begin(), r.packets[i].data.end(),
                         packets[i].data.begin(), packets[i].data.begin() + n));
    }
    CHECK(r.packets[9].data.size() == 60);
    CHECK(r.packets[9].originalLength == packets[9].originalLength);
    // Exact where the resolution holds the value: micro and nanosecond ticks.
    CHECK(r.packets[0].ts == packets[0].ts / 1000 * 1000);
    CHECK(r.packets[6].ts == packets[6].ts);
    compareWithTshark(file, r);
}

TEST_CASE("Blocks without packets are skipped by their length",
          "[capture][pcapng][synthetic][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const auto packets = realPackets(3);
    PcapngWriter plain(true);
    PcapngWriter busy(true);
    for (PcapngWriter* w : {&plain, &busy}) {
        w->section(true);
        w->interface(1, 0, std::uint8_t{9});
    }
    busy.nameResolution();
    busy.secrets(0x57474b4c, "WireGuard keys are not TLS");
    for (const auto& p : packets) {
        for (PcapngWriter* w : {&plain, &busy}) {
            w->enhanced(0, static_cast<std::uint64_t>(p.ts), p.data, p.originalLength);
        }
        busy.interfaceStatistics(0);
    }
    const ReadResult a = readMemory(plain.bytes());
    const ReadResult b = readMemory(busy.bytes());
    CHECK(a.issues.empty());
    CHECK(a.packets == b.packets);
    REQUIRE(a.packets.size() == 3);
    // The unused secrets type is mentioned, not silently dropped.
    REQUIRE(b.issues.size() == 1);
    CHECK(b.issues[0].message.find("UNKNOWN(0x57474b4c)") != std::string::npos);
    compareWithTshark(busy.bytes(), b);

    // Custom blocks and a type no specification defines are skipped the same way. tshark 4.0
    // shows custom blocks as frames of their own, so it is no oracle for numbering here.
    PcapngWriter odd(true);
    odd.section(true);
    odd.interface(1, 0, std::uint8_t{9});
    odd.custom(0x00000bad, "copyable custom data");
    odd.custom(0x40000bad, "non-copyable");
    odd.custom(0x0000abcd, "unassigned");
    for (const auto& p : packets)
        odd.enhanced(0, static_cast<std::uint64_t>(p.ts), p.data, p.originalLength);
    const ReadResult c = readMemory(odd.bytes());
    CHECK(c.issues.empty());
    CHECK(c.packets == a.packets);
}

TEST_CASE("Simple Packet Blocks take the previous timestamp and the snap length",
          "[capture][pcapng][synthetic][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const auto packets = realPackets(3);
    PcapngWriter w(false);
    w.section(false);
    w.interface(1, 100, std::uint8_t{9});
    w.enhanced(0, static_cast<std::uint64_t>(packets[0].ts),
               ByteSpan(packets[0].data).first(std::min<std::size_t>(100, packets[0].data.size())),
               packets[0].originalLength);
    w.simple(ByteSpan(packets[1].data).first(100), packets[1].originalLength);
    const ReadResult r = readMemory(w.bytes());
    CHECK(r.issues.empty());
    REQUIRE(r.packets.size() == 2);
    CHECK(r.packets[1].ts == r.packets[0].ts);
    CHECK(r.packets[1].originalLength == packets[1].originalLength);
    CHECK(r.packets[1].data == Bytes(packets[1].data.begin(), packets[1].data.begin() + 100));
    // tshark agrees on lengths; it shows no time for a Simple Packet Block, so skip times.
    TempDir dir;
    writeFile(dir.path() / "spb.pcapng", w.bytes());
    const auto frames = tsharkFrames(dir.path() / "spb.pcapng");
    REQUIRE(frames.size() == 2);
    CHECK_FALSE(frames[1].hasTime);
    CHECK(frames[1].length == r.packets[1].originalLength);
    CHECK(frames[1].capturedLength == r.packets[1].data.size());
}

TEST_CASE("Bad packets inside well-framed blocks are skipped and numbered",
          "[capture][pcapng][synthetic][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const auto packets = realPackets(3);
    PcapngWriter w(false);
    w.section(false);
    w.interface(1, 0);
    w.enhanced(0, 1, packets[0].data, packets[0].originalLength);
    w.enhanced(7, 2, packets[1].data, packets[1].originalLength);  // no interface 7
    w.enhanced(0, 3, packets[2].data, packets[2].originalLength);
    Bytes file = w.bytes();
    const ReadResult r = readMemory(file);
    REQUIRE(r.packets.size() == 2);
    CHECK(r.packets[1].number == 3);
    CHECK(r.packets[1].data == packets[2].data);
    REQUIRE(r.issues.size() == 1);
    CHECK(r.issues[0].packetNumber == 2);
    CHECK(r.issues[0].message.find("interface 7") != std::string::npos);
}
