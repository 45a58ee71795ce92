// ClassicPcapReader on made files where the format's corners are (both byte orders, nanosecond
// timestamps, FCS bits in the link type, records larger than a read chunk or its spare room,
// corrupt lengths, a cut at every byte), and the same bytes read from a file (read ahead on a
// thread, in chunks) and from memory. libpcap as the reference on real captures is in
// tests/pcap/capture_file_test.cpp.
#include <catch2/catch.hpp>

#include "capture/capture_test_util.h"
#include "capture/classic_pcap_reader.h"

using namespace h2lens;
using namespace h2lens::test;

namespace {

struct MadePacket {
    std::uint32_t seconds;
    std::uint32_t fraction;
    Bytes data;
    std::uint32_t originalLength;
};

void put32(Bytes& out, std::uint32_t v, bool big) {
    for (int i = 0; i < 4; ++i) {
        const int shift = big ? 24 - 8 * i : 8 * i;
        out.push_back(static_cast<std::uint8_t>(v >> shift));
    }
}

void put16(Bytes& out, std::uint16_t v, bool big) {
    out.push_back(static_cast<std::uint8_t>(big ? v >> 8 : v));
    out.push_back(static_cast<std::uint8_t>(big ? v : v >> 8));
}

Bytes makePcap(const std::vector<MadePacket>& packets, bool big, bool nano,
               std::uint32_t linkTypeField, std::uint32_t snapLength = 262144,
               std::uint16_t minor = 4) {
    Bytes out;
    put32(out, nano ? 0xa1b23c4d : 0xa1b2c3d4, big);
    put16(out, 2, big);
    put16(out, minor, big);
    put32(out, 0, big);  // thiszone
    put32(out, 0, big);  // sigfigs
    put32(out, snapLength, big);
    put32(out, linkTypeField, big);
    for (const MadePacket& p : packets) {
        put32(out, p.seconds, big);
        put32(out, p.fraction, big);
        put32(out, static_cast<std::uint32_t>(p.data.size()), big);
        put32(out, p.originalLength, big);
        out.insert(out.end(), p.data.begin(), p.data.end());
    }
    return out;
}

Bytes pattern(std::size_t size, std::uint8_t seed) {
    Bytes b(size);
    for (std::size_t i = 0; i < size; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7);
    return b;
}

// Reads `bytes` both ways: through openCapture-style file reading (a FILE*, read ahead on its
// thread) and from memory. They must agree; the memory result is returned.
ReadResult readBothWays(const Bytes& bytes) {
    ClassicPcapReader fromMemory{ByteSpan(bytes)};
    ReadResult memory = readAll(fromMemory);
    TempDir dir;
    const auto path = dir.path() / "made.pcap";
    writeFile(path, bytes);
    std::FILE* file = std::fopen(path.string().c_str(), "rb");
    REQUIRE(file != nullptr);
    ClassicPcapReader fromFile(file, true);
    const ReadResult viaFile = readAll(fromFile);
    CHECK(viaFile.packets == memory.packets);
    REQUIRE(viaFile.issues.size() == memory.issues.size());
    for (std::size_t i = 0; i < memory.issues.size(); ++i) {
        CHECK(viaFile.issues[i].packetNumber == memory.issues[i].packetNumber);
        CHECK(viaFile.issues[i].message == memory.issues[i].message);
    }
    CHECK(fromFile.readFailed() == fromMemory.readFailed());
    CHECK(fromFile.bytesRead() == fromMemory.bytesRead());
    if (!fromFile.readFailed()) CHECK(fromFile.bytesRead() == bytes.size());
    CHECK(fromFile.fileSize() == bytes.size());
    return memory;
}

}  // namespace

TEST_CASE("Classic pcap in both byte orders, micro- and nanoseconds, gives the same packets",
          "[capture][pcap-classic]") {
    const std::vector<MadePacket> packets = {
        {1700000000, 123456, pattern(60, 1), 60},
        {1700000001, 999999, pattern(1514, 2), 1514},
        {4000000000u, 0, pattern(96, 3), 1500},  // snapped; seconds past 2^31 stay positive
    };
    for (const bool big : {false, true}) {
        for (const bool nano : {false, true}) {
            INFO("big-endian " << big << ", nanoseconds " << nano);
            const ReadResult r = readBothWays(makePcap(packets, big, nano, 1));
            CHECK(r.issues.empty());
            REQUIRE(r.packets.size() == 3);
            for (std::size_t i = 0; i < 3; ++i) {
                CHECK(r.packets[i].number == i + 1);
                CHECK(r.packets[i].linkType == 1);
                CHECK(r.packets[i].data == packets[i].data);
                CHECK(r.packets[i].originalLength == packets[i].originalLength);
                const TimestampNs fraction =
                    static_cast<TimestampNs>(packets[i].fraction) * (nano ? 1 : 1000);
                CHECK(r.packets[i].ts ==
                      static_cast<TimestampNs>(packets[i].seconds) * 1'000'000'000 + fraction);
            }
        }
    }
}

TEST_CASE("The FCS bits of a classic pcap link type are not part of the link type",
          "[capture][pcap-classic]") {
    // LINKTYPE_ETHERNET with "4 bytes of FCS follow" (bit 26 set, length 2 words in 28-31).
    const ReadResult r =
        readBothWays(makePcap({{1, 0, pattern(64, 9), 64}}, false, false, 0x24000001));
    REQUIRE(r.packets.size() == 1);
    CHECK(r.packets[0].linkType == 1);
}

TEST_CASE("Records larger than a read chunk and its spare room come out whole from a file",
          "[capture][pcap-classic]") {
    // 300 KiB passes the room kept before each 1 MiB chunk; 2.5 MiB spans three chunks; small
    // packets between them end at every offset of a chunk.
    std::vector<MadePacket> packets;
    std::uint8_t seed = 0;
    for (std::size_t size : {300u << 10, 100u, 2621440u, 70000u, 1u}) {
        packets.push_back({10, 0, pattern(size, ++seed), static_cast<std::uint32_t>(size)});
    }
    for (int i = 0; i < 3000; ++i) {
        const std::size_t size = 1 + (static_cast<std::size_t>(i) * 977) % 9000;
        packets.push_back({11, 0, pattern(size, ++seed), static_cast<std::uint32_t>(size)});
    }
    const ReadResult r = readBothWays(makePcap(packets, false, true, 101, 4u << 20));
    CHECK(r.issues.empty());
    REQUIRE(r.packets.size() == packets.size());
    for (std::size_t i = 0; i < packets.size(); ++i) {
        if (r.packets[i].data != packets[i].data) FAIL_CHECK("packet " << i + 1 << " differs");
    }
}

TEST_CASE("A classic pcap cut at any byte keeps the packets before the cut and names the cut",
          "[capture][pcap-classic][truncation]") {
    const std::vector<MadePacket> packets = {
        {1, 0, pattern(40, 1), 40}, {2, 0, pattern(33, 2), 33}, {3, 0, pattern(50, 3), 50}};
    const Bytes full = makePcap(packets, true, false, 1);
    for (std::size_t cut = 0; cut <= full.size(); ++cut) {
        INFO("cut at " << cut);
        const Bytes part(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(cut));
        ClassicPcapReader reader{ByteSpan(part)};
        const ReadResult r = readAll(reader);
        std::size_t whole = 0;
        std::size_t end = ClassicPcapReader::kHeaderSize;
        std::vector<std::size_t> boundaries = {end};
        for (const MadePacket& p : packets) {
            end += 16 + p.data.size();
            boundaries.push_back(end);
            if (end <= cut) ++whole;
        }
        REQUIRE(r.packets.size() == (cut < ClassicPcapReader::kHeaderSize ? 0 : whole));
        for (std::size_t i = 0; i < r.packets.size(); ++i)
            CHECK(r.packets[i].data == packets[i].data);
        const bool clean = std::find(boundaries.begin(), boundaries.end(), cut) != boundaries.end();
        CHECK(reader.readFailed() == !clean);
        if (clean) {
            CHECK(r.issues.empty());
        } else {
            REQUIRE(r.issues.size() == 1);
            CHECK(r.issues[0].packetNumber == r.packets.size() + 1);
            // Under four bytes there is no magic number to say it is a pcap at all.
            CHECK(r.issues[0].message.find(cut < 4 ? "not a classic pcap" : "file truncated (") ==
                  0);
        }
        Packet p;
        CHECK(reader.next(p) == ReadStatus::End);  // End is sticky
    }
}

TEST_CASE("A corrupt captured length stops reading with an issue instead of taking the file",
          "[capture][pcap-classic]") {
    Bytes bytes =
        makePcap({{1, 0, pattern(40, 1), 40}, {2, 0, pattern(40, 2), 40}}, false, false, 1, 65535);
    // The second record's caplen becomes 0x7fffffff.
    const std::size_t second = ClassicPcapReader::kHeaderSize + 16 + 40;
    bytes[second + 8] = 0xff;
    bytes[second + 9] = 0xff;
    bytes[second + 10] = 0xff;
    bytes[second + 11] = 0x7f;
    const ReadResult r = readBothWays(bytes);
    REQUIRE(r.packets.size() == 1);
    REQUIRE(r.issues.size() == 1);
    CHECK(r.issues[0].packetNumber == 2);
    CHECK(r.issues[0].message ==
          "captured length 2147483647 is above the 262144-byte limit (a corrupt packet header); "
          "the rest of the file is not read");
}

TEST_CASE("The header check takes version 2.4 and leaves other pcap variants to libpcap",
          "[capture][pcap-classic]") {
    using H = ClassicPcapReader::Header;
    for (const bool big : {false, true}) {
        CHECK(ClassicPcapReader::checkHeader(makePcap({}, big, false, 1)) == H::Ours);
        CHECK(ClassicPcapReader::checkHeader(makePcap({}, big, true, 1)) == H::Ours);
        CHECK(ClassicPcapReader::checkHeader(makePcap({}, big, false, 1, 65535, 3)) ==
              H::Unsupported);
    }
    Bytes modified = makePcap({}, false, false, 1);
    const std::uint8_t modifiedMagic[] = {0x34, 0xcd, 0xb2, 0xa1};  // 0xa1b2cd34, little-endian
    std::copy(std::begin(modifiedMagic), std::end(modifiedMagic), modified.begin());
    CHECK(ClassicPcapReader::checkHeader(modified) == H::Unsupported);
    const Bytes cut = makePcap({}, false, false, 1);
    CHECK(ClassicPcapReader::checkHeader(ByteSpan(cut).first(10)) == H::Truncated);
    CHECK(ClassicPcapReader::checkHeader(asBytes("GET / HTTP/1.1\r\n")) == H::NotPcap);
}
