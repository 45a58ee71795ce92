// openCapture over every real capture, libpcap as a second reader of pcapng, nanosecond pcap,
// truncated classic pcap, standard input, and the environment errors.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <set>

#include "capture/capture_test_util.h"
#include "capture/classic_pcap_reader.h"
#include "capture/pcapng_reader.h"
#include "pcap/capture_file.h"
#include "pcap/libpcap_reader.h"

using namespace h2lens;
using namespace h2lens::test;

namespace {

ReadResult readPath(const std::filesystem::path& path) {
    auto source = openCapture(path.string());
    return readAll(*source);
}

// Reads `path` through openCapture("-") with the file piped into this process's stdin.
ReadResult readThroughStdin(const std::filesystem::path& path) {
    std::FILE* pipe = popen(("cat " + shellQuote(path)).c_str(), "r");
    REQUIRE(pipe != nullptr);
    const int savedStdin = dup(STDIN_FILENO);
    REQUIRE(dup2(fileno(pipe), STDIN_FILENO) == STDIN_FILENO);
    clearerr(stdin);
    ReadResult r;
    try {
        auto source = openCapture("-");
        r = readAll(*source);
        CHECK(source->bytesRead() == std::filesystem::file_size(path));
    } catch (...) {
        dup2(savedStdin, STDIN_FILENO);
        close(savedStdin);
        pclose(pipe);
        throw;
    }
    dup2(savedStdin, STDIN_FILENO);
    close(savedStdin);
    clearerr(stdin);
    pclose(pipe);
    return r;
}

// Both reads clean and packet for packet the same (number, time, link type, lengths, bytes).
void requireSamePackets(const ReadResult& actual, const ReadResult& expected) {
    CHECK(expected.issues.empty());
    CHECK(actual.issues.empty());
    REQUIRE(actual.packets.size() == expected.packets.size());
    for (std::size_t i = 0; i < actual.packets.size(); ++i) {
        INFO("packet " << i + 1);
        REQUIRE(actual.packets[i] == expected.packets[i]);
    }
}

std::string captureErrorFor(const std::string& path) {
    try {
        openCapture(path);
    } catch (const CaptureError& e) {
        return e.what();
    }
    return "(no CaptureError)";
}

}  // namespace

TEST_CASE("Every real capture opens and yields capinfos' packet count",
          "[pcap][capture][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const auto files = sharedCaptures();
    REQUIRE(files.size() >= 40);
    for (const auto& path : files) {
        INFO(path.string());
        const ReadResult r = readPath(path);
        CHECK(r.issues.empty());
        const auto expected = capinfosPacketCount(path);
        REQUIRE(expected.has_value());
        CHECK(r.packets.size() == *expected);
        for (std::size_t i = 0; i < r.packets.size(); ++i) {
            if (r.packets[i].number != i + 1) FAIL_CHECK("packet number " << r.packets[i].number);
        }
        if (!isPcapngFile(path)) {
            // The link type as the file header states it (LINKTYPE_*, not libpcap's DLT_*).
            const Bytes bytes = readFile(path);
            REQUIRE(bytes.size() >= 24);
            const std::uint32_t headerLinkType = loadLe32(&bytes[20]) & 0xffff;
            for (const auto& p : r.packets) REQUIRE(p.linkType == headerLinkType);
        }
    }
}

TEST_CASE("PcapngReader and libpcap deliver the same packets",
          "[pcap][capture][differential][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    int compared = 0;
    for (const auto& path : sharedPcapngCaptures()) {
        INFO(path.string());
        std::unique_ptr<LibpcapReader> libpcap;
        try {
            libpcap = std::make_unique<LibpcapReader>(path.string());
        } catch (const CaptureError& e) {
            // libpcap 1.10 refuses interfaces with different link types; we do not.
            WARN("libpcap cannot open " << path << ": " << e.what());
            continue;
        }
        const ReadResult expected = readAll(*libpcap);
        if (expected.packets.empty() && !expected.issues.empty()) {
            // libpcap 1.10 refuses interfaces with different link types at the first packet.
            WARN("libpcap cannot read " << path << ": " << expected.issues[0].message);
            continue;
        }
        const Bytes bytes = readFile(path);
        PcapngReader ours{ByteSpan(bytes)};
        const ReadResult actual = readAll(ours);
        requireSamePackets(actual, expected);
        ++compared;
    }
    CHECK(compared >= 8);
}

TEST_CASE("Our classic pcap reader and libpcap deliver the same packets",
          "[pcap][capture][differential][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    int compared = 0;
    for (const auto& path : sharedCaptures()) {
        if (isPcapngFile(path)) continue;
        INFO(path.string());
        LibpcapReader libpcap(path.string());
        const ReadResult expected = readAll(libpcap);
        auto ours = openCapture(path.string());  // read ahead in chunks, on its own thread
        REQUIRE(dynamic_cast<ClassicPcapReader*>(ours.get()) != nullptr);
        const ReadResult actual = readAll(*ours);
        requireSamePackets(actual, expected);
        ++compared;
    }
    CHECK(compared >= 30);
}

TEST_CASE("Made classic pcaps with odd lengths read as libpcap reads them",
          "[pcap][capture][differential]") {
    // snaplen below the records (cut to it), snaplen 0, a captured length past libpcap's
    // maximum for Ethernet under a larger snaplen (a damaged file: both stop there).
    const std::vector<MadePacket> packets = {{1, 5, patternBytes(200, 1), 1500},
                                             {2, 6, patternBytes(60, 2), 60}};
    const std::vector<MadePacket> oversized = {{1, 0, patternBytes(60, 1), 60},
                                               {2, 0, patternBytes(300000, 2), 300000},
                                               {3, 0, patternBytes(60, 3), 60}};
    const Bytes files[] = {makeClassicPcap(packets, false, false, 1, 100),
                           makeClassicPcap(packets, true, true, 1, 0),
                           makeClassicPcap(oversized, false, false, 1, 1000000)};
    TempDir dir;
    int n = 0;
    for (const Bytes& bytes : files) {
        INFO("file " << n);
        const auto path = dir.path() / ("made" + std::to_string(n++) + ".pcap");
        writeFile(path, bytes);
        LibpcapReader libpcap(path.string());
        const ReadResult expected = readAll(libpcap);
        auto ours = openCapture(path.string());
        REQUIRE(dynamic_cast<ClassicPcapReader*>(ours.get()) != nullptr);
        const ReadResult actual = readAll(*ours);
        CHECK(actual.packets == expected.packets);
        CHECK(actual.issues.size() == expected.issues.size());
        CHECK(ours->readFailed() == libpcap.readFailed());
    }
}

TEST_CASE("A classic pcap of another version goes to libpcap, which reads it",
          "[pcap][capture][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    // Version 2.3: the same records; libpcap takes it, our reader leaves it alone.
    const auto original = sharedDir() / "captures/07_continuation/capture.pcap";
    Bytes bytes = readFile(original);
    REQUIRE(bytes.size() > 24);
    REQUIRE(loadLe32(bytes.data()) == 0xa1b2c3d4);
    bytes[6] = 3;
    TempDir dir;
    const auto path = dir.path() / "v23.pcap";
    writeFile(path, bytes);
    auto source = openCapture(path.string());
    CHECK(dynamic_cast<LibpcapReader*>(source.get()) != nullptr);
    const ReadResult r = readAll(*source);
    CHECK(r.issues.empty());
    CHECK(r.packets == readPath(original).packets);
}

TEST_CASE(
    "A pcapng with mixed link types that libpcap refuses goes through openCapture to our reader",
    "[pcap][capture][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const auto path = sharedDir() / "corpus/pcaps/wireshark/grpc_stream_reassembly_sample.pcapng";
    LibpcapReader libpcap(path.string());
    const ReadResult refused = readAll(libpcap);
    CHECK(refused.packets.empty());
    REQUIRE(refused.issues.size() == 1);
    CHECK(refused.issues[0].packetNumber == 1);
    CHECK(refused.issues[0].message.find("read error (libpcap: ") == 0);
    CHECK(libpcap.readFailed());
    const ReadResult r = readPath(path);
    CHECK(r.issues.empty());
    CHECK(r.packets.size() == 173);
    // Secrets from a DSB come through openCapture too.
    const ReadResult dsb = readPath(sharedDir() / "captures/12a_pcapng_dumpcap_dsb/capture.pcapng");
    CHECK(dsb.secrets == readLines(sharedDir() / "captures/12a_pcapng_dumpcap_dsb/keylog.txt"));
}

TEST_CASE("Nanosecond pcap timestamps agree with the microsecond original",
          "[pcap][capture][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    TempDir dir;
    const auto micro = sharedDir() / "captures/03a_tls13_curl_nginx/capture.pcap";
    const auto nano = dir.path() / "nsec.pcap";
    runCommand("editcap -F nsecpcap " + shellQuote(micro) + " " + shellQuote(nano) + " 2>&1");
    const Bytes nanoBytes = readFile(nano);
    REQUIRE(nanoBytes.size() >= 4);
    REQUIRE(loadLe32(nanoBytes.data()) == 0xa1b23c4d);  // really the nanosecond format
    const ReadResult a = readPath(micro);
    const ReadResult b = readPath(nano);
    REQUIRE(a.packets.size() == 209);
    REQUIRE(b.packets.size() == a.packets.size());
    for (std::size_t i = 0; i < a.packets.size(); ++i) {
        INFO("packet " << i + 1);
        CHECK(a.packets[i].ts % 1000 == 0);
        CHECK(b.packets[i].ts == a.packets[i].ts);
        CHECK(b.packets[i].data == a.packets[i].data);
    }
    // And against capinfos' first packet time, printed with microsecond precision.
    const std::string out = runCommand("capinfos -T -r -a -S " + shellQuote(micro));
    const auto tab = out.find('\t');
    REQUIRE(tab != std::string::npos);
    CHECK(a.packets.front().ts == parseEpoch(out.substr(tab + 1)));
}

TEST_CASE(
    "A truncated classic pcap keeps the packets before the cut intact and an issue names the "
    "packet",
    "[pcap][capture][truncation][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    TempDir dir;
    const std::filesystem::path files[] = {
        sharedDir() / "captures/06_server_push/capture.pcap",
        sharedDir() / "corpus/pcaps/suricata-verify/http2-keywords/input.pcap",
        sharedDir() / "corpus/pcaps/deepflow/grpc-service-name.pcap",
    };
    for (const auto& path : files) {
        INFO(path.string());
        const Bytes full = readFile(path);
        const ReadResult whole = readPath(path);
        REQUIRE(!whole.packets.empty());
        std::set<std::size_t> boundaries;
        for (std::size_t off = 24; off <= full.size(); off += 16 + loadLe32(&full[off + 8])) {
            boundaries.insert(off);
            if (off + 16 > full.size()) break;
        }
        std::vector<std::size_t> cuts;
        for (std::size_t cut = 0; cut < std::min<std::size_t>(full.size(), 4000); cut += 37) {
            cuts.push_back(cut);
        }
        cuts.push_back(full.size() - whole.packets.back().data.size() / 2);
        for (std::size_t cut : cuts) {
            INFO("cut at " << cut);
            const auto cutPath = dir.path() / "cut.pcap";
            writeFile(cutPath, ByteSpan(full).first(cut));
            if (cut < 24) {
                // No complete file header: not a capture we can open at all.
                CHECK(captureErrorFor(cutPath.string()).find(cutPath.string()) == 0);
                continue;
            }
            const ReadResult r = readPath(cutPath);
            for (std::size_t i = 0; i < r.packets.size(); ++i) {
                REQUIRE(r.packets[i] == whole.packets[i]);
            }
            if (boundaries.count(cut) != 0) {
                CHECK(r.issues.empty());
                continue;
            }
            REQUIRE(r.issues.size() == 1);
            const std::uint64_t next = r.packets.size() + 1;
            CHECK(r.issues[0].packetNumber == next);
            const std::string& msg = r.issues[0].message;
            // The number is the issue's, not repeated; the parenthesis says what was cut.
            CHECK(msg.find("file truncated (") == 0);
            CHECK((msg.find("captured bytes)") != std::string::npos ||
                   msg.find("of 16 bytes)") != std::string::npos));
        }
    }
}

TEST_CASE("Standard input carries pcap and pcapng", "[pcap][capture][stdin][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const std::filesystem::path files[] = {
        sharedDir() / "captures/07_continuation/capture.pcap",
        sharedDir() / "captures/12a_pcapng_dumpcap_dsb/capture.pcapng",
    };
    for (const auto& path : files) {
        INFO(path.string());
        const ReadResult fromFile = readPath(path);
        const ReadResult fromStdin = readThroughStdin(path);
        CHECK(fromStdin.issues.empty());
        CHECK(fromStdin.packets == fromFile.packets);
        CHECK(fromStdin.secrets == fromFile.secrets);
    }
}

TEST_CASE("A capture source's bytesRead reaches its fileSize at the end",
          "[pcap][capture][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    for (const char* rel : {"captures/09_netem_loss_reorder/capture.pcap",
                            "captures/12a_pcapng_dumpcap_dsb/capture.pcapng"}) {
        const auto path = sharedDir() / rel;
        INFO(path.string());
        auto source = openCapture(path.string());
        CHECK(source->fileSize() == std::filesystem::file_size(path));
        readAll(*source);
        CHECK(source->bytesRead() == source->fileSize());
    }
}

TEST_CASE(
    "A file that is not a capture, empty, missing or a directory gives one CaptureError naming the "
    "path",
    "[pcap][capture][errors]") {
    TempDir dir;
    const auto text = dir.path() / "x.txt";
    writeFile(text, asBytes("HTTP/1.1 200 OK\r\n\r\n"));
    CHECK(captureErrorFor(text.string()) ==
          text.string() + ": not a pcap or pcapng capture (starts with 0x48545450)");

    const auto empty = dir.path() / "empty.pcap";
    writeFile(empty, {});
    CHECK(captureErrorFor(empty.string()) ==
          empty.string() + ": empty file, not a pcap or pcapng capture");

    const auto tiny = dir.path() / "tiny.pcapng";
    writeFile(tiny, asBytes("\x0a\x0d"));
    CHECK(captureErrorFor(tiny.string()) ==
          tiny.string() + ": not a pcap or pcapng capture (only 2 bytes)");

    const auto missing = dir.path() / "missing.pcap";
    CHECK(captureErrorFor(missing.string()) ==
          missing.string() + ": cannot open: No such file or directory");

    CHECK(captureErrorFor(dir.path().string()) ==
          dir.path().string() + ": is a directory, not a capture file");

    // A classic pcap header cut short.
    const auto header = dir.path() / "header.pcap";
    writeFile(header, asBytes(std::string_view("\xd4\xc3\xb2\xa1\x02\x00\x04\x00", 8)));
    const std::string msg = captureErrorFor(header.string());
    CHECK(msg == header.string() + ": truncated pcap file header (8 of 24 bytes)");
}
