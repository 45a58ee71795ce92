// Differential check against tshark on every real capture libpcap can open: the same TCP
// packets, with the same endpoints. Plus every truncated prefix of real packets.
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>

#include "common/limits.h"
#include "libpcap_capture.h"
#include "net/packet_decoder.h"
#include "test_paths.h"

using namespace h2lens;
using Outcome = PacketDecoder::Outcome;
namespace fs = std::filesystem;

namespace {

struct TsharkView {
    std::map<std::uint64_t, std::string> tcp;  // frame number -> "src -> dst"
    std::set<std::uint64_t> bogusHeader;       // TCP data offset < 5 or past the payload
};

std::string endpoint(const std::string& v4, const std::string& v6, const std::string& port) {
    return v4.empty() ? "[" + v6 + "]:" + port : v4 + ":" + port;
}

bool haveTshark() {
    return std::system("tshark -v > /dev/null 2>&1") == 0;
}

TsharkView runTshark(const fs::path& file) {
    const std::string cmd = "tshark -r '" + file.string() +
                            "' -T fields -E separator=/t -E occurrence=f -e frame.number "
                            "-e ip.src -e ipv6.src -e tcp.srcport -e ip.dst -e ipv6.dst "
                            "-e tcp.dstport -e tcp.hdr_len -e ip.len -e ip.hdr_len -e ip.flags.mf "
                            "-e ip.frag_offset -e ipv6.plen -Y tcp 2>/dev/null";
    TsharkView view;
    FILE* pipe = popen(cmd.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string text;
    char buf[4096];
    while (std::size_t n = fread(buf, 1, sizeof buf, pipe)) text.append(buf, n);
    REQUIRE(pclose(pipe) == 0);
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        std::vector<std::string> f;
        std::istringstream fields(line);
        std::string field;
        while (std::getline(fields, field, '\t')) f.push_back(field);
        f.resize(13);
        const std::uint64_t number = std::stoull(f[0]);
        auto num = [&](int i) { return f[i].empty() ? 0 : std::stol(f[i]); };
        const bool fragmented = num(10) == 1 || num(11) != 0;
        const long ipPayload = f[1].empty() ? num(12) : num(8) - num(9);
        // tshark still lists TCP whose header is impossible (it flags it as malformed).
        if (num(7) < 20 || (!fragmented && num(7) > ipPayload)) {
            view.bogusHeader.insert(number);
            continue;
        }
        view.tcp[number] = endpoint(f[1], f[2], f[3]) + " -> " + endpoint(f[4], f[5], f[6]);
    }
    return view;
}

struct OurView {
    std::map<std::uint64_t, std::string> tcp;
    std::map<std::uint64_t, Outcome> outcomes;
    std::uint32_t linkType = 0;
    PacketDecoderStats stats;
    std::vector<Issue> issues;
};

bool decodeFile(const fs::path& file, OurView& view) {
    PacketDecoder decoder{Limits{}};
    const bool ok = test::forEachPcapPacket(file, [&](const Packet& p) {
        view.linkType = p.linkType;
        TcpSegment seg;
        const Outcome o = decoder.decode(p, seg);
        view.outcomes[p.number] = o;
        if (o == Outcome::Segment) {
            CHECK(seg.packetNumber == p.number);
            view.tcp[p.number] = seg.src.toString() + " -> " + seg.dst.toString();
        }
    });
    decoder.finish();
    view.stats = decoder.stats();
    view.issues = decoder.takeIssues();
    return ok;
}

}  // namespace

TEST_CASE("Real captures give the same TCP packets and endpoints as tshark",
          "[net][real][tshark][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    if (!haveTshark()) {
        WARN("skipped: tshark not found");
        return;
    }
    std::set<std::uint32_t> linkTypes;
    std::uint64_t ipv6Segments = 0;
    int compared = 0;
    for (const fs::path& file : test::realCaptures(test::sharedDir())) {
        OurView ours;
        if (!decodeFile(file, ours)) {
            WARN("libpcap cannot read all of " << file << "; not compared");
            continue;
        }
        const TsharkView theirs = runTshark(file);
        INFO(file);
        CHECK(ours.tcp == theirs.tcp);
        for (std::uint64_t n : theirs.bogusHeader) CHECK(ours.outcomes[n] == Outcome::Skipped);
        CHECK(ours.stats.tcp == theirs.tcp.size());
        linkTypes.insert(ours.linkType);
        ipv6Segments += ours.stats.ipv6;
        ++compared;
    }
    CHECK(compared >= 40);
    // The corpus covers these link layers; if one disappears this test no longer proves it.
    for (std::uint32_t lt : {0u, 1u, 113u, 276u}) CHECK(linkTypes.count(lt) == 1);
    CHECK(ipv6Segments > 0);
}

TEST_CASE(
    "The drop-protocol-change capture's IP fragment junk is not TCP and its bogus TCP header is "
    "skipped",
    "[net][real][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const fs::path file =
        test::sharedDir() / "corpus/pcaps/suricata-verify/drop-protocol-change/input.pcap";
    OurView ours;
    REQUIRE(decodeFile(file, ours));
    // Packet 1 is a non-first fragment (offset 6400) of protocol 116: never TCP, never held.
    CHECK(ours.outcomes[1] == Outcome::NotTcp);
    CHECK(ours.stats.fragments.fragmentsHeld == 0);
    // Packet 7's TCP data offset is 2 words.
    CHECK(ours.outcomes[7] == Outcome::Skipped);
    CHECK(ours.stats.badHeaders == 1);
    REQUIRE(ours.issues.size() == 1);
    CHECK(ours.issues[0].packetNumber == 7);
    CHECK_THAT(ours.issues[0].message, Catch::Contains("below 5 words"));
    CHECK(ours.stats.tcp == 5);
}

TEST_CASE("Every truncated prefix of real packets is skipped cleanly",
          "[net][real][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const std::vector<fs::path> files = {
        test::sharedDir() / "captures/12b_any_interface_sll2/capture.pcap",
        test::sharedDir() / "captures/11_ipv6_loopback/capture.pcap",
        test::sharedDir() / "corpus/pcaps/ndpi/http2.pcapng",
        test::sharedDir() / "corpus/pcaps/pcap_file_ex/http2_sample.pcap",
        test::sharedDir() / "corpus/pcaps/suricata-verify/http2-keywords/input.pcap",
    };
    for (const fs::path& file : files) {
        int packets = 0;
        REQUIRE(test::forEachPcapPacket(file, [&](const Packet& p) {
            if (++packets > 6 || p.data.size() > 400) return;
            PacketDecoder full{Limits{}};
            TcpSegment seg;
            REQUIRE(full.decode(p, seg) == Outcome::Segment);
            const std::size_t ipEnd =
                static_cast<std::size_t>(seg.payload.data() + seg.payload.size() - p.data.data());
            for (std::size_t len = 0; len < p.data.size(); ++len) {
                INFO(file << " packet " << p.number << " prefix " << len);
                Packet cut = p;
                cut.data = p.data.first(len);
                PacketDecoder d{Limits{}};
                const Outcome o = d.decode(cut, seg);
                if (len >= ipEnd) {
                    CHECK(o == Outcome::Segment);  // only link-layer padding was cut
                } else {
                    CHECK(o == Outcome::Skipped);
                    CHECK(d.stats().truncated == 1);
                }
            }
        }));
    }
}
