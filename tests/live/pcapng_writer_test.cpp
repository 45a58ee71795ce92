// PcapngWriter: real captures written back as pcapng must read back packet for packet through
// our reader, libpcap-independent tools (tshark, capinfos) must accept them, and the
// interface metadata and statistics must land in the blocks Wireshark reads them from.
#include <filesystem>
#include <string>

#include "capture/pcapng_reader.h"
#include "capture/pcapng_writer.h"
#include "live/live_test_support.h"
#include "pcap/capture_file.h"

using namespace h2lens;
using namespace h2lens::test;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> sampleCaptures() {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(sourceDir() / "samples")) {
        const auto ext = e.path().extension();
        if (ext == ".pcap" || ext == ".pcapng") out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

fs::path tempPath(const std::string& name) {
    return fs::temp_directory_path() / ("h2lens_live_" + std::to_string(getpid()) + "_" + name);
}

// Copies every packet of `in` into a pcapng at `out`; returns what was read.
CopiedCapture copyAsPcapng(const fs::path& in, const fs::path& out, const PcapngInterface& iface) {
    auto source = openCapture(in.string());
    CopiedCapture original = readPackets(*source);
    REQUIRE(!original.packets.empty());
    PcapngWriter writer = PcapngWriter::open(out.string(), "h2lens test");
    PcapngInterface withType = iface;
    withType.linkType = original.packets.front().linkType;
    const std::uint32_t id = writer.addInterface(withType);
    for (const CopiedPacket& p : original.packets) {
        writer.writePacket(id, p.view());
    }
    writer.flush();
    CHECK_FALSE(writer.failed());
    CHECK(writer.packetsWritten() == original.packets.size());
    return original;
}

struct BlockInfo {
    std::uint32_t type;
    Bytes body;
};

// An independent little-endian block walk, to look at blocks our reader skips.
std::vector<BlockInfo> blocks(const Bytes& file) {
    std::vector<BlockInfo> out;
    std::size_t pos = 0;
    while (pos + 12 <= file.size()) {
        const std::uint32_t type = loadLe32(&file[pos]);
        const std::uint32_t len = loadLe32(&file[pos + 4]);
        REQUIRE(len >= 12);
        REQUIRE(len % 4 == 0);
        REQUIRE(pos + len <= file.size());
        CHECK(loadLe32(&file[pos + len - 4]) == len);
        out.push_back({type, Bytes(file.begin() + static_cast<long>(pos) + 8,
                                   file.begin() + static_cast<long>(pos + len) - 4)});
        pos += len;
    }
    CHECK(pos == file.size());
    return out;
}

// The copy at `path` holds exactly `original`'s packets: ns timestamps, lengths and bytes, and
// our reader reports nothing skipped.
void checkReadsBackAs(const fs::path& path, const CopiedCapture& original) {
    auto back = openCapture(path.string());
    const CopiedCapture copy = readPackets(*back);
    CHECK(copy.issues.empty());
    REQUIRE(copy.packets.size() == original.packets.size());
    for (std::size_t i = 0; i < copy.packets.size(); ++i) {
        INFO("packet " << i + 1);
        CHECK(copy.packets[i] == original.packets[i]);
    }
}

}  // namespace

TEST_CASE("The pcapng writer's copy of every sample capture reads back packet for packet",
          "[live][pcapng][uses-captures]") {
    const auto files = sampleCaptures();
    REQUIRE(files.size() >= 5);
    for (const fs::path& f : files) {
        INFO(f);
        const fs::path out = tempPath(f.filename().string() + ".pcapng");
        const CopiedCapture original =
            copyAsPcapng(f, out, PcapngInterface{1, 262144, "lo", "", ""});
        const Bytes head = readBinaryFile(out);
        REQUIRE(head.size() >= 4);
        CHECK(loadBe32(head.data()) == 0x0a0d0d0a);
        checkReadsBackAs(out, original);
        fs::remove(out);
    }
}

TEST_CASE("tshark reads the pcapng writer's copy with the same frames and interface name",
          "[live][pcapng][uses-captures]") {
    if (!haveProgram("tshark")) {
        WARN("skipped: tshark not installed");
        return;
    }
    const fs::path in = sourceDir() / "samples" / "h2c_nano.pcap";
    const fs::path out = tempPath("tshark.pcapng");
    copyAsPcapng(in, out, PcapngInterface{1, 65535, "lo", "loopback", "tcp port 18482"});
    const std::string fields =
        " -T fields -e frame.number -e frame.time_epoch -e frame.len -e frame.cap_len";
    int code = 0;
    const std::string original =
        runCommand("tshark -n -r " + shellQuote(in.string()) + fields, &code);
    REQUIRE(code == 0);
    const std::string copy = runCommand("tshark -n -r " + shellQuote(out.string()) + fields, &code);
    REQUIRE(code == 0);
    CHECK(!original.empty());
    CHECK(copy == original);
    const std::string names = runCommand("tshark -n -r " + shellQuote(out.string()) +
                                         " -T fields -e frame.interface_name -c 1");
    CHECK(names == "lo\n");
    fs::remove(out);
}

TEST_CASE(
    "The pcapng writer writes interface options and an Interface Statistics Block with its "
    "counters",
    "[live][pcapng]") {
    const fs::path out = tempPath("isb.pcapng");
    {
        PcapngWriter writer = PcapngWriter::open(out.string(), "h2lens test");
        const std::uint32_t id =
            writer.addInterface(PcapngInterface{1, 1500, "eth7", "a NIC", "tcp port 443"});
        CHECK(id == 0);
        CHECK(writer.addInterface(PcapngInterface{101, 0, "raw0", "", ""}) == 1);
        PcapngInterfaceStats stats;
        stats.ts = 1'700'000'000'123'456'789;
        stats.start = 1'700'000'000'000'000'000;
        stats.received = 1234;
        stats.droppedByOs = 5;
        stats.droppedByInterface = 6;
        stats.delivered = 1229;
        writer.writeStats(id, stats);
    }
    const Bytes file = readBinaryFile(out);
    const auto list = blocks(file);
    REQUIRE(list.size() == 4);
    CHECK(list[0].type == 0x0a0d0d0a);
    CHECK(loadLe32(list[0].body.data()) == 0x1a2b3c4d);
    REQUIRE(list[1].type == 1);
    CHECK(loadLe16(list[1].body.data()) == 1);
    CHECK(loadLe32(list[1].body.data() + 4) == 1500);
    const std::string idb(list[1].body.begin(), list[1].body.end());
    CHECK(idb.find("eth7") != std::string::npos);
    CHECK(idb.find("a NIC") != std::string::npos);
    CHECK(idb.find(std::string("\0tcp port 443", 13)) != std::string::npos);  // if_filter, type 0
    CHECK(loadLe16(list[2].body.data()) == 101);
    REQUIRE(list[3].type == 5);
    const Bytes& isb = list[3].body;
    CHECK(loadLe32(isb.data()) == 0);
    const std::uint64_t ts =
        (std::uint64_t{loadLe32(isb.data() + 4)} << 32) | loadLe32(isb.data() + 8);
    CHECK(ts == 1'700'000'000'123'456'789ull);
    // Options: starttime(2), ifrecv(4), ifdrop(5), osdrop(7), usrdeliv(8), end.
    std::size_t pos = 12;
    std::vector<std::pair<std::uint16_t, std::uint64_t>> options;
    while (pos + 4 <= isb.size()) {
        const std::uint16_t code = loadLe16(&isb[pos]);
        const std::uint16_t len = loadLe16(&isb[pos + 2]);
        if (code == 0) break;
        REQUIRE(len == 8);
        std::uint64_t v = 0;
        if (code == 2) {
            v = (std::uint64_t{loadLe32(&isb[pos + 4])} << 32) | loadLe32(&isb[pos + 8]);
        } else {
            v = loadLe32(&isb[pos + 4]) | (std::uint64_t{loadLe32(&isb[pos + 8])} << 32);
        }
        options.emplace_back(code, v);
        pos += 4 + len;
    }
    using P = std::pair<std::uint16_t, std::uint64_t>;
    CHECK(options ==
          std::vector<P>{{2, 1'700'000'000'000'000'000ull}, {4, 1234}, {5, 6}, {7, 5}, {8, 1229}});
    // Our reader skips statistics and sees two interfaces but no packets.
    auto back = openCapture(out.string());
    CHECK(readPackets(*back).packets.empty());
    fs::remove(out);
}

TEST_CASE("The pcapng writer reports an unwritable path or a full device as an environment error",
          "[live][pcapng]") {
    CHECK_THROWS_AS(PcapngWriter::open("/nonexistent-dir/x.pcapng"), CaptureError);
    // A full device: the first failure is kept, later writes do nothing.
    if (!fs::exists("/dev/full")) return;
    std::FILE* full = std::fopen("/dev/full", "wb");
    REQUIRE(full != nullptr);
    PcapngWriter writer(full, true);
    writer.addInterface(PcapngInterface{});
    writer.flush();
    CHECK(writer.failed());
    CHECK(writer.error().find("space") != std::string::npos);
}

// Issue 19.4: a Decryption Secrets Block written before the packets makes a TLS capture open
// decrypted with no key log beside it, in h2lens and in tshark: the real TLS 1.3 capture 03a
// copied with its key log inside reads as the original does with --keylog.
TEST_CASE("TLS key log lines the pcapng writer puts in a Decryption Secrets Block decrypt the copy",
          "[live][pcapng][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const fs::path dir = sharedDir() / "captures" / "03a_tls13_curl_nginx";
    const std::string keys = readTextFile(dir / "keylog.txt");
    REQUIRE(keys.find("CLIENT_TRAFFIC_SECRET_0 ") != std::string::npos);
    const fs::path out = tempPath("dsb.pcapng");
    {
        auto source = openCapture((dir / "capture.pcap").string());
        CopiedCapture original = readPackets(*source);
        PcapngWriter writer = PcapngWriter::open(out.string(), "h2lens test");
        const std::uint32_t id =
            writer.addInterface({original.packets.front().linkType, 262144, "lo", {}, {}});
        writer.writeTlsKeyLog(keys);
        writer.writeTlsKeyLog("");  // nothing: no block
        for (const CopiedPacket& p : original.packets) writer.writePacket(id, p.view());
        writer.flush();
        CHECK(writer.secretBlocksWritten() == 1);
    }
    std::size_t secretBlocks = 0;
    for (const BlockInfo& b : blocks(readBinaryFile(out))) {
        if (b.type != 0x0000000a) continue;
        ++secretBlocks;
        REQUIRE(b.body.size() >= 8 + keys.size());
        CHECK(loadLe32(&b.body[0]) == 0x544c534b);
        CHECK(loadLe32(&b.body[4]) == keys.size());
        CHECK(std::string(b.body.begin() + 8,
                          b.body.begin() + 8 + static_cast<long>(keys.size())) == keys);
    }
    CHECK(secretBlocks == 1);

    int rc = -1;
    const std::string cli = shellQuote(cliPath().string());
    const std::string embedded =
        runCommand(cli + " streams --json " + shellQuote(out.string()) + " 2>/dev/null", &rc);
    CHECK(rc == 0);
    const std::string withKeylog =
        runCommand(cli + " streams --json --keylog " + shellQuote((dir / "keylog.txt").string()) +
                       " " + shellQuote((dir / "capture.pcap").string()) + " 2>/dev/null",
                   &rc);
    CHECK(rc == 0);
    CHECK(embedded.find("\":path\"") != std::string::npos);
    CHECK(embedded == withKeylog);
    if (haveProgram("tshark")) {
        const std::string paths = runCommand("tshark -r " + shellQuote(out.string()) +
                                             " -Y http2.header -T fields -e http2.headers.path "
                                             "2>/dev/null");
        CHECK(paths.find('/') != std::string::npos);
    }
    fs::remove(out);
}

// `live --direct-io` (the GUI's child): written around the page cache, every flush must end on a
// 4 KiB boundary with whole blocks before it, so a reader following the file never meets half a
// block; the filler blocks must be invisible to our reader and to tshark. Capture 05 (6.8 MB)
// crosses the writer's 4 MiB chunks; flushing every few packets makes many fillers.
TEST_CASE(
    "The pcapng writer's O_DIRECT copy ends each flush on a 4 KiB boundary and reads back "
    "packet for packet",
    "[live][pcapng][uses-captures]") {
    std::vector<fs::path> inputs = sampleCaptures();
    const fs::path big =
        sharedDir() / "captures" / "05_many_streams_h2load_nghttpd" / "capture.pcap";
    if (fs::exists(big))
        inputs.push_back(big);
    else
        WARN("../shared absent: the O_DIRECT copy is not tried across its 4 MiB chunks");
    for (const fs::path& in : inputs) {
        INFO(in);
        auto source = openCapture(in.string());
        const CopiedCapture original = readPackets(*source);
        REQUIRE(!original.packets.empty());
        const fs::path out = tempPath(in.filename().string() + ".direct.pcapng");
        std::size_t flushes = 0;
        bool direct = false;
        {
            PcapngWriter writer = PcapngWriter::openDirect(out.string(), "h2lens test");
            direct = writer.writesDirect();
            const std::uint32_t id = writer.addInterface(
                PcapngInterface{original.packets.front().linkType, 262144, "lo", "", ""});
            for (std::size_t i = 0; i < original.packets.size(); ++i) {
                writer.writePacket(id, original.packets[i].view());
                if (i % 7 != 3) continue;
                writer.flush();
                ++flushes;
                REQUIRE_FALSE(writer.failed());
                const auto size = fs::file_size(out);
                if (direct) CHECK(size % 4096 == 0);
                blocks(readBinaryFile(out));  // whole blocks up to the end
            }
        }
        if (!direct) WARN("the file system refuses O_DIRECT here: the copy went through the cache");
        CHECK(flushes > 0);
        const auto list = blocks(readBinaryFile(out));
        std::size_t fillers = 0;
        for (const BlockInfo& b : list) fillers += b.type == PcapngWriter::kFillerBlock;
        if (direct) CHECK(fillers >= 1);
        checkReadsBackAs(out, original);
        if (haveProgram("tshark")) {
            const std::string fields =
                " -T fields -e frame.number -e frame.time_epoch -e frame.len";
            int code = 0;
            const std::string a =
                runCommand("tshark -n -r " + shellQuote(in.string()) + fields, &code);
            REQUIRE(code == 0);
            const std::string b =
                runCommand("tshark -n -r " + shellQuote(out.string()) + fields, &code);
            CHECK(code == 0);
            CHECK(b == a);
        }
        fs::remove(out);
    }
}

TEST_CASE("live --direct-io without -w FILE is a usage error", "[live][cli]") {
    int code = 0;
    const std::string out =
        runCommand(shellQuote(cliPath().string()) + " live -i lo --direct-io 2>&1", &code);
    CHECK(code == 2);
    CHECK(out.find("--direct-io") != std::string::npos);
    runCommand(shellQuote(cliPath().string()) + " live -i lo --direct-io -w - 2>&1", &code);
    CHECK(code == 2);
}
