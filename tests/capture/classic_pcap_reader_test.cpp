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
        {1700000000, 123456, patternBytes(60, 1), 60},
        {1700000001, 999999, patternBytes(1514, 2), 1514},
        {4000000000u, 0, patternBytes(96, 3), 1500},  // snapped; seconds past 2^31 stay positive
    };
    for (const bool big : {false, true}) {
        for (const bool nano : {false, true}) {
            INFO("big-endian " << big << ", nanoseconds " << nano);
            const ReadResult r = readBothWays(makeClassicPcap(packets, big, nano, 1));
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
        readBothWays(makeClassicPcap({{1, 0, patternBytes(64, 9), 64}}, false, false, 0x24000001));
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
        packets.push_back({10, 0, patternBytes(size, ++seed), static_cast<std::uint32_t>(size)});
    }
    for (int i = 0; i < 3000; ++i) {
        const std::size_t size = 1 + (static_cast<std::size_t>(i) * 977) % 9000;
        packets.push_back({11, 0, patternBytes(size, ++seed), static_cast<std::uint32_t>(size)});
    }
    // LINKTYPE_DBUS: libpcap takes captured lengths up to 128 MiB there (262,144 elsewhere).
    const ReadResult r = readBothWays(makeClassicPcap(packets, false, true, 231, 4u << 20));
    CHECK(r.issues.empty());
    REQUIRE(r.packets.size() == packets.size());
    for (std::size_t i = 0; i < packets.size(); ++i) {
        if (r.packets[i].data != packets[i].data) FAIL_CHECK("packet " << i + 1 << " differs");
    }
}

TEST_CASE("A classic pcap cut at any byte keeps the packets before the cut and names the cut",
          "[capture][pcap-classic][truncation]") {
    const std::vector<MadePacket> packets = {{1, 0, patternBytes(40, 1), 40},
                                             {2, 0, patternBytes(33, 2), 33},
                                             {3, 0, patternBytes(50, 3), 50}};
    const Bytes full = makeClassicPcap(packets, true, false, 1);
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
    Bytes bytes = makeClassicPcap(
        {{1, 0, patternBytes(40, 1), 40}, {2, 0, patternBytes(40, 2), 40}}, false, false, 1, 65535);
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
          "captured length 2147483647 is above the 262144-byte limit for this link type (a "
          "corrupt packet header); the rest of the file is not read");
}

TEST_CASE("The header check takes version 2.4 and leaves other pcap variants to libpcap",
          "[capture][pcap-classic]") {
    using H = ClassicPcapReader::Header;
    for (const bool big : {false, true}) {
        CHECK(ClassicPcapReader::checkHeader(makeClassicPcap({}, big, false, 1)) == H::Ours);
        CHECK(ClassicPcapReader::checkHeader(makeClassicPcap({}, big, true, 1)) == H::Ours);
        CHECK(ClassicPcapReader::checkHeader(makeClassicPcap({}, big, false, 1, 65535, 3)) ==
              H::Unsupported);
    }
    Bytes modified = makeClassicPcap({}, false, false, 1);
    const std::uint8_t modifiedMagic[] = {0x34, 0xcd, 0xb2, 0xa1};  // 0xa1b2cd34, little-endian
    std::copy(std::begin(modifiedMagic), std::end(modifiedMagic), modified.begin());
    CHECK(ClassicPcapReader::checkHeader(modified) == H::Unsupported);
    const Bytes cut = makeClassicPcap({}, false, false, 1);
    CHECK(ClassicPcapReader::checkHeader(ByteSpan(cut).first(10)) == H::Truncated);
    CHECK(ClassicPcapReader::checkHeader(asBytes("GET / HTTP/1.1\r\n")) == H::NotPcap);
}

TEST_CASE("A record longer than the file's snaplen is cut to it, as libpcap does",
          "[capture][pcap-classic]") {
    // Writers that get the header's snaplen wrong: libpcap hands out snaplen bytes and skips the
    // rest of the record; the original length stays.
    const std::vector<MadePacket> packets = {{1, 0, patternBytes(200, 1), 1500},
                                             {2, 0, patternBytes(80, 2), 80},
                                             {3, 0, patternBytes(101, 3), 101}};
    const ReadResult r = readBothWays(makeClassicPcap(packets, false, false, 1, 100));
    CHECK(r.issues.empty());
    REQUIRE(r.packets.size() == 3);
    CHECK(r.packets[0].data == Bytes(packets[0].data.begin(), packets[0].data.begin() + 100));
    CHECK(r.packets[0].originalLength == 1500);
    CHECK(r.packets[1].data == packets[1].data);
    CHECK(r.packets[2].data.size() == 100);
    // A snaplen of 0 means the link type's maximum.
    const ReadResult zero = readBothWays(makeClassicPcap(packets, false, false, 1, 0));
    REQUIRE(zero.packets.size() == 3);
    CHECK(zero.packets[0].data == packets[0].data);
}
