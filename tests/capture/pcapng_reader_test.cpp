// PcapngReader against real pcapng files, with Wireshark's tools as the independent oracle.
#include <chrono>
#include <cstdio>
#include <thread>

#include <unistd.h>
#include <set>

#include "capture/capture_test_util.h"
#include "capture/pcapng_reader.h"

using namespace h2lens;
using namespace h2lens::test;

namespace {

ReadResult readMemory(const Bytes& bytes, PcapngOptions options = {}) {
    PcapngReader reader(ByteSpan(bytes), options);
    return readAll(reader);
}

std::string issuesText(const std::vector<CaptureIssue>& issues) {
    std::string s;
    for (const auto& i : issues) s += std::to_string(i.packetNumber) + ": " + i.message + "\n";
    return s;
}

// Offsets where blocks start (and the file end), walking a little-endian file's block lengths.
std::set<std::size_t> blockBoundaries(const Bytes& file) {
    std::set<std::size_t> out;
    std::size_t offset = 0;
    while (offset + 8 <= file.size()) {
        out.insert(offset);
        offset += loadLe32(&file[offset + 4]);
    }
    out.insert(offset);
    return out;
}

}  // namespace

TEST_CASE("PcapngReader reads every real pcapng like tshark does",
          "[capture][pcapng][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const auto files = sharedPcapngCaptures();
    REQUIRE(files.size() >= 10);
    for (const auto& path : files) {
        INFO(path.string());
        const ReadResult r = readMemory(readFile(path));
        CHECK(r.issues.empty());
        INFO(issuesText(r.issues));
        const auto expectedCount = capinfosPacketCount(path);
        REQUIRE(expectedCount.has_value());
        CHECK(r.packets.size() == *expectedCount);
        const auto frames = tsharkFrames(path);
        REQUIRE(frames.size() == r.packets.size());
        for (std::size_t i = 0; i < frames.size(); ++i) {
            INFO("packet " << i + 1);
            CHECK(r.packets[i].number == i + 1);
            CHECK(r.packets[i].ts == frames[i].ts);
            CHECK(r.packets[i].originalLength == frames[i].length);
            CHECK(r.packets[i].data.size() == frames[i].capturedLength);
        }
    }
}

TEST_CASE("PcapngReader over a FILE stream gives what it gives over memory",
          "[capture][pcapng][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    for (const auto& path : sharedPcapngCaptures()) {
        INFO(path.string());
        const Bytes bytes = readFile(path);
        const ReadResult fromMemory = readMemory(bytes);

        PcapngReader fromFile(std::fopen(path.c_str(), "rb"), true);
        CHECK(fromFile.fileSize() == bytes.size());
        const ReadResult r1 = readAll(fromFile);
        CHECK(r1.packets == fromMemory.packets);
        CHECK(fromFile.bytesRead() == bytes.size());

        // A pipe, with the magic already taken off the stream as capture detection does.
        std::FILE* pipe = popen(("cat " + shellQuote(path)).c_str(), "r");
        REQUIRE(pipe != nullptr);
        std::setvbuf(pipe, nullptr, _IONBF, 0);  // as openCapture does for pipes
        Bytes prefix(4);
        REQUIRE(std::fread(prefix.data(), 1, 4, pipe) == 4);
        {
            PcapngReader fromPipe(pipe, false, prefix);
            CHECK(fromPipe.fileSize() == 0);
            const ReadResult r2 = readAll(fromPipe);
            CHECK(r2.packets == fromMemory.packets);
            CHECK(r2.secrets == fromMemory.secrets);
        }
        pclose(pipe);
    }
}

TEST_CASE("Decryption Secrets Blocks give the key log lines of the sidecar files",
          "[capture][pcapng][dsb][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const auto shared = sharedDir();
    const std::pair<std::filesystem::path, std::filesystem::path> cases[] = {
        {shared / "captures/12a_pcapng_dumpcap_dsb/capture.pcapng",
         shared / "captures/12a_pcapng_dumpcap_dsb/keylog.txt"},
        {shared / "corpus/pcaps/wireshark/http2-brotli.pcapng",
         shared / "corpus/pcaps/wireshark/http2-brotli.keys"},
        {shared / "corpus/pcaps/pcap2har/firefox-tls13-facebook-dsb.pcapng",
         shared / "corpus/pcaps/pcap2har/firefox-tls13-facebook-dsb.keys"},
    };
    for (const auto& [capture, keys] : cases) {
        INFO(capture.string());
        const Bytes bytes = readFile(capture);
        PcapngReader reader{ByteSpan(bytes)};
        const ReadResult r = readAll(reader);
        const auto expected = readLines(keys);
        REQUIRE(!expected.empty());
        CHECK(reader.decryptionSecrets() == expected);
    }
    // A file without a DSB has none.
    const Bytes plain = readFile(shared / "corpus/pcaps/ndpi/http2.pcapng");
    PcapngReader reader{ByteSpan(plain)};
    readAll(reader);
    CHECK(reader.decryptionSecrets().empty());
}

TEST_CASE("Nanosecond pcapng timestamps of capture 12a match capinfos' first and last packet time",
          "[capture][pcapng][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const auto path = sharedDir() / "captures/12a_pcapng_dumpcap_dsb/capture.pcapng";
    const ReadResult r = readMemory(readFile(path));
    REQUIRE(r.packets.size() == 103);
    // capinfos -a -e -T prints epoch seconds with the file's precision (9 digits here).
    const std::string out = runCommand("capinfos -T -r -a -e -S " + shellQuote(path));
    const auto tab1 = out.find('\t');
    const auto tab2 = out.find('\t', tab1 + 1);
    REQUIRE(tab2 != std::string::npos);
    const TimestampNs first = parseEpoch(out.substr(tab1 + 1, tab2 - tab1 - 1));
    const TimestampNs last = parseEpoch(out.substr(tab2 + 1));
    CHECK(first % 1000 != 0);  // really nanoseconds, not padded microseconds
    CHECK(r.packets.front().ts == first);
    CHECK(r.packets.back().ts == last);
}

TEST_CASE(
    "Interfaces with different link types in one pcapng give each packet its interface's link type",
    "[capture][pcapng][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    // libpcap 1.10 refuses this file; tshark says which interface each frame came from and
    // only frames from the Linux cooked interface have an sll header.
    const auto path = sharedDir() / "corpus/pcaps/wireshark/grpc_stream_reassembly_sample.pcapng";
    const ReadResult r = readMemory(readFile(path));
    REQUIRE(r.packets.size() == 173);
    const std::string out =
        runCommand("tshark -n -r " + shellQuote(path) + " -T fields -e sll.pkttype 2>/dev/null");
    std::vector<bool> isSll;
    std::size_t start = 0;
    while (start < out.size()) {
        const std::size_t end = out.find('\n', start);
        isSll.push_back(end != start);
        start = end == std::string::npos ? out.size() : end + 1;
    }
    REQUIRE(isSll.size() == r.packets.size());
    std::set<std::uint32_t> seen;
    for (std::size_t i = 0; i < r.packets.size(); ++i) {
        INFO("packet " << i + 1);
        seen.insert(r.packets[i].linkType);
        CHECK(r.packets[i].linkType == (isSll[i] ? static_cast<std::uint32_t>(LinkType::LinuxSll)
                                                 : static_cast<std::uint32_t>(LinkType::Ethernet)));
    }
    CHECK(seen.size() == 2);
}

TEST_CASE("A truncated pcapng keeps the packets before the cut intact and names the cut",
          "[capture][pcapng][truncation][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    for (const auto& path : sharedPcapngCaptures()) {
        INFO(path.string());
        const Bytes full = readFile(path);
        const ReadResult whole = readMemory(full);
        REQUIRE(!whole.packets.empty());
        REQUIRE(loadLe32(&full[8]) == 0x1a2b3c4d);  // the walk below assumes little-endian
        const auto boundaries = blockBoundaries(full);
        REQUIRE(*boundaries.rbegin() == full.size());

        std::vector<std::size_t> cuts;
        for (std::size_t cut = 0; cut < std::min<std::size_t>(full.size(), 6000); cut += 37) {
            cuts.push_back(cut);
        }
        // The middle of the last packet, and one byte short of the end.
        cuts.push_back(full.size() - whole.packets.back().data.size() / 2 - 4);
        cuts.push_back(full.size() - 1);

        for (std::size_t cut : cuts) {
            INFO("cut at " << cut);
            const Bytes part(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(cut));
            const ReadResult r = readMemory(part);
            REQUIRE(r.packets.size() <= whole.packets.size());
            for (std::size_t i = 0; i < r.packets.size(); ++i) {
                REQUIRE(r.packets[i] == whole.packets[i]);
            }
            if (cut == 0) {
                REQUIRE(r.issues.size() == 1);
                CHECK(r.issues[0].message.find("empty") != std::string::npos);
                continue;
            }
            if (boundaries.count(cut) != 0) {  // a clean cut between blocks is a shorter file
                CHECK(r.issues.empty());
                continue;
            }
            REQUIRE(r.issues.size() == 1);
            const std::uint64_t next = r.packets.size() + 1;
            CHECK(r.issues[0].packetNumber == next);
            // The number is the issue's, not repeated in the sentence (printers add it).
            CHECK(r.issues[0].message.find("file truncated") == 0);
        }
    }
}

TEST_CASE("Absurd block lengths stop reading with an issue",
          "[capture][pcapng][limits][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const Bytes full = readFile(sharedDir() / "captures/12a_pcapng_dumpcap_dsb/capture.pcapng");
    const ReadResult whole = readMemory(full);
    REQUIRE(whole.packets.size() == 103);

    // Offset of the block holding packet 3: walk the real file's little-endian block lengths.
    std::size_t offset = 0;
    int packets = 0;
    while (packets < 2 || loadLe32(&full[offset]) != 6) {
        if (loadLe32(&full[offset]) == 6) ++packets;
        offset += loadLe32(&full[offset + 4]);
    }
    const std::uint32_t badLengths[] = {0xfffffff0u, 65 * 1024 * 1024, 13, 8, 0};
    for (std::uint32_t bad : badLengths) {
        INFO("length " << bad);
        Bytes patched = full;
        patched[offset + 4] = static_cast<std::uint8_t>(bad);
        patched[offset + 5] = static_cast<std::uint8_t>(bad >> 8);
        patched[offset + 6] = static_cast<std::uint8_t>(bad >> 16);
        patched[offset + 7] = static_cast<std::uint8_t>(bad >> 24);
        const ReadResult r = readMemory(patched);
        REQUIRE(r.packets.size() == 2);
        CHECK(r.packets[1] == whole.packets[1]);
        REQUIRE(r.issues.size() == 1);
        CHECK(r.issues[0].packetNumber == 3);
        CHECK(r.issues[0].message.find("invalid length " + std::to_string(bad)) !=
              std::string::npos);
    }
    // A smaller configured cap refuses the 1 MiB-class blocks of this file.
    const ReadResult capped = readMemory(full, PcapngOptions{.maxBlockBytes = 2048});
    CHECK(capped.packets.size() < whole.packets.size());
    REQUIRE(capped.issues.size() == 1);
    CHECK(capped.issues[0].packetNumber == capped.packets.size() + 1);
}

TEST_CASE("A stream that is not pcapng gives an issue and no packets",
          "[capture][pcapng][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const Bytes classic = readFile(sharedDir() / "captures/06_server_push/capture.pcap");
    const ReadResult r = readMemory(classic);
    CHECK(r.packets.empty());
    REQUIRE(r.issues.size() == 1);
    CHECK(r.issues[0].message.find("not a pcapng file") == 0);
}

TEST_CASE("Packets from a pipe that stays open are delivered as they arrive",
          "[capture][pcapng][uses-captures]") {
    // `h2lens live -w - | h2lens frames -`: the reader must not wait for a full buffer or EOF.
    const Bytes bytes = readFile(h2lens::test::sourceDir() / "samples/h2c_dumpcap.pcapng");
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    REQUIRE(::write(fds[1], bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    std::FILE* in = fdopen(fds[0], "r");
    std::setvbuf(in, nullptr, _IONBF, 0);
    std::thread closer([fd = fds[1]] {
        std::this_thread::sleep_for(std::chrono::seconds(3));
        ::close(fd);
    });
    const auto start = std::chrono::steady_clock::now();
    PcapngReader reader(in, true);
    Packet p;
    std::size_t packets = 0;
    std::chrono::steady_clock::duration untilLast{};
    while (packets < 12 && reader.next(p) == ReadStatus::Packet) {
        ++packets;
        untilLast = std::chrono::steady_clock::now() - start;
    }
    CHECK(packets == 12);  // samples/README.md: 12 packets
    CHECK(untilLast < std::chrono::seconds(2));  // all of them before the writer closed
    closer.join();
}
