// What happens without keys, with a key log that lacks one connection, and with a damaged
// record: each connection is reported on its own and no unauthenticated byte is ever emitted.
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "tls_test_support.h"

using namespace h2lens;
using namespace h2lens::test;

namespace {

std::vector<std::string> readLines(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

std::string hexLower(ByteSpan b) {
    return hexString(b);
}

// The client random of a connection, as its key log lines spell it (from the raw ClientHello).
std::string clientRandomHex(const TlsFlowResult& f) {
    const Bytes& c = f.raw[0];
    REQUIRE(c.size() > 5 + 4 + 2 + 32);
    return hexLower(ByteSpan(c).subspan(5 + 4 + 2, 32));
}

// Offset in `stream` of byte 20 of the middle application_data record's fragment (well after
// the handshake, so it carries application data in TLS 1.3 too).
std::uint64_t offsetInsideMiddleRecord(const Bytes& stream) {
    std::vector<std::size_t> starts;
    std::size_t pos = 0;
    while (pos + 5 <= stream.size()) {
        const std::size_t len = loadBe16(&stream[pos + 3]);
        if (stream[pos] == 23 && len > 40) starts.push_back(pos);
        pos += 5 + len;
    }
    REQUIRE(starts.size() > 8);
    return starts[starts.size() / 2] + 5 + 20;
}

}  // namespace

TEST_CASE("With a key log missing one connection that one reports no key and the others decrypt",
          "[tls][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    for (const char* scenario : {"03a_tls13_curl_nginx", "03b_tls12_curl_python_nginx"}) {
        DYNAMIC_SECTION(scenario) {
            const auto dir = sharedDir() / "captures" / scenario;
            KeyLog full = keyLogFrom(dir / "keylog.txt");
            const auto reference = runTls(dir / "capture.pcap", full);
            REQUIRE(reference.size() >= 3);
            // Drop every line of connection 1's client random.
            const std::string random = clientRandomHex(reference.at(1));
            KeyLog partial;
            std::size_t dropped = 0;
            for (const auto& line : readLines(dir / "keylog.txt")) {
                std::string lower = line;
                for (auto& ch : lower) ch = static_cast<char>(std::tolower(ch));
                if (lower.find(random) != std::string::npos) {
                    ++dropped;
                    continue;
                }
                partial.addLines(line);
            }
            REQUIRE(dropped > 0);
            const auto flows = runTls(dir / "capture.pcap", partial);
            REQUIRE(flows.size() == reference.size());
            for (const auto& [id, f] : flows) {
                INFO("connection " << id << ": " << f.report.summary());
                if (id == 1) {
                    CHECK(f.report.decryption == TlsDecryption::NoKey);
                    CHECK(f.report.reason == "no key for this client random");
                    CHECK(f.plaintext[0].empty());
                    CHECK(f.plaintext[1].empty());
                    CHECK(f.report.summary().find("not decrypted: no key") != std::string::npos);
                    CHECK(f.report.sni == reference.at(1).report.sni);
                    CHECK(f.report.alpnOffered == reference.at(1).report.alpnOffered);
                } else {
                    CHECK(f.report.decrypted());
                    CHECK((f.plaintext == reference.at(id).plaintext));
                }
            }
        }
    }
}

TEST_CASE("A tampered record is reported and skipped, and the rest still decrypts",
          "[tls][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    struct Target {
        const char* scenario;
        std::uint64_t flow;
    };
    // TLS 1.3 AES-256-GCM, TLS 1.2 AES-256-GCM (explicit nonce), TLS 1.2 ChaCha20-Poly1305.
    for (const Target t :
         {Target{"03a_tls13_curl_nginx", 0}, Target{"03b_tls12_curl_python_nginx", 0},
          Target{"03b_tls12_curl_python_nginx", 2}}) {
        DYNAMIC_SECTION(t.scenario << " connection " << t.flow) {
            const auto dir = sharedDir() / "captures" / t.scenario;
            KeyLog keys = keyLogFrom(dir / "keylog.txt");
            const auto clean = runTls(dir / "capture.pcap", keys);
            const TlsFlowResult& before = clean.at(t.flow);
            REQUIRE(before.report.decrypted());
            const auto s2c = Direction::ServerToClient;
            Tamper tamper{t.flow, s2c, offsetInsideMiddleRecord(before.raw[1])};
            const auto damaged = runTls(dir / "capture.pcap", keys, false, tamper);
            const TlsFlowResult& after = damaged.at(t.flow);
            INFO(after.report.summary());
            CHECK(after.report.decryption == TlsDecryption::Failed);
            CHECK(after.report.reason.find("decryption failed at s2c record") == 0);
            CHECK(after.report.reason.find("(bad tag)") != std::string::npos);
            CHECK(after.report.dir[1].failedRecords == 1);
            CHECK(after.gaps[1] == 1);
            // Exactly one record's plaintext is missing; every other record is unchanged.
            const auto& a = after.chunks[1];
            const auto& b = before.chunks[1];
            REQUIRE(a.size() + 1 == b.size());
            std::size_t skip = 0;
            while (skip < a.size() && a[skip] == b[skip]) ++skip;
            CHECK(std::equal(a.begin() + skip, a.end(), b.begin() + skip + 1));
            CHECK((after.plaintext[0] == before.plaintext[0]));
            // Other connections are untouched.
            for (const auto& [id, f] : damaged) {
                if (id != t.flow) CHECK((f.plaintext == clean.at(id).plaintext));
            }
        }
    }
}

TEST_CASE("A wrong key fails authentication and emits nothing", "[tls][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const auto dir = sharedDir() / "captures" / "03b_tls12_curl_python_nginx";
    KeyLog right = keyLogFrom(dir / "keylog.txt");
    const auto clean = runTls(dir / "capture.pcap", right);
    // Same random, master secret with one bit flipped.
    KeyLog wrong;
    for (const auto& line : readLines(dir / "keylog.txt")) {
        std::string l = line;
        l.back() = l.back() == '0' ? '1' : '0';
        wrong.addLines(l);
    }
    const auto flows = runTls(dir / "capture.pcap", wrong);
    REQUIRE(flows.size() == clean.size());
    for (const auto& [id, f] : flows) {
        INFO("connection " << id << ": " << f.report.summary());
        CHECK(f.report.decryption == TlsDecryption::Failed);
        CHECK(f.plaintext[0].empty());
        CHECK(f.plaintext[1].empty());
        // The direction gives up after a short streak instead of reporting every record.
        CHECK(f.report.dir[1].failedRecords == TlsSession::kMaxFailureStreak);
    }
}

TEST_CASE("A TCP gap stops the TLS direction without garbage", "[tls][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const auto dir = sharedDir() / "captures" / "03a_tls13_curl_nginx";
    KeyLog keys = keyLogFrom(dir / "keylog.txt");
    const auto clean = runTls(dir / "capture.pcap", keys);
    const TlsFlowResult& f = clean.at(0);
    // Replay connection 0 by hand with a gap in the middle of the server's stream.
    struct Sink : TlsPlaintextSink {
        Bytes out[2];
        int gaps = 0;
        void onPlaintext(Direction d, ByteSpan b, TimestampNs) override {
            out[static_cast<int>(d)].insert(out[static_cast<int>(d)].end(), b.begin(), b.end());
        }
        void onPlaintextGap(Direction, std::uint64_t, TimestampNs) override { ++gaps; }
    } sink;
    TlsSession session(keys, Limits{});
    const ByteSpan c = f.raw[0], s = f.raw[1];
    REQUIRE(c.size() > 5);
    const std::size_t hello = 5 + loadBe16(&c[3]);  // the ClientHello record
    REQUIRE(c.size() > hello);
    session.feed(Direction::ClientToServer, c.first(hello), 1, sink);
    const std::size_t half = s.size() / 2;
    session.feed(Direction::ServerToClient, s.first(half), 2, sink);
    session.feed(Direction::ClientToServer, c.subspan(hello), 3, sink);
    session.gap(Direction::ServerToClient, 1000, 4, sink);
    session.feed(Direction::ServerToClient, s.subspan(half + 1000), 5, sink);
    session.finish(6, sink);
    CHECK(session.report().dir[1].cut);
    CHECK(sink.gaps == 1);
    CHECK((sink.out[0] == f.plaintext[0]));
    // What came out before the gap is a prefix of the true plaintext.
    REQUIRE(sink.out[1].size() < f.plaintext[1].size());
    CHECK(std::equal(sink.out[1].begin(), sink.out[1].end(), f.plaintext[1].begin()));
}
