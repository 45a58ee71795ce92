// The TLS layer's parts on real bytes: key log parsing, record framing and handshake assembly
// independent of chunking, hello parsing, and fuzz corpus replay.
#include <filesystem>
#include <fstream>
#include <iterator>

#include <catch2/catch.hpp>

#include "../../fuzz/fuzz_tls.cpp"
#include "tls_test_support.h"

using namespace h2lens;
using namespace h2lens::test;

TEST_CASE("The key log reads labels and randoms, skips comments and counts malformed lines",
          "[tls][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    KeyLog keys = keyLogFrom(sharedDir() / "captures/03a_tls13_curl_nginx/keylog.txt");
    // 3 TLS 1.3 connections x (4 traffic secrets used + EXPORTER_SECRET ignored).
    CHECK(keys.randomCount() == 3);
    CHECK(keys.acceptedLines() == 12);
    CHECK(keys.ignoredLines() == 3);
    CHECK(keys.malformedLines() == 0);

    KeyLog k;
    k.addLines(
        "# a comment\r\n\nCLIENT_RANDOM 00 11\nCLIENT_RANDOM zz 11\n"
        "UNKNOWN_LABEL " +
        std::string(64, 'a') +
        " 11\n"
        "CLIENT_RANDOM " +
        std::string(64, 'A') + " " + std::string(96, 'b') + "\r\n");
    CHECK(k.malformedLines() == 2);
    CHECK(k.ignoredLines() == 1);
    CHECK(k.randomCount() == 1);
    const Bytes random(32, 0xaa);
    REQUIRE(k.find(random) != nullptr);
    CHECK(k.find(random)->masterSecret == Bytes(48, 0xbb));
    std::string error;
    CHECK_FALSE(k.loadFile("/nonexistent/keys", error));
    CHECK(error.find("/nonexistent/keys") != std::string::npos);
}

TEST_CASE("TLS records and handshake messages do not depend on chunking", "[tls][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    KeyLog none;
    const auto flows = runTls(sharedDir() / "captures/09_netem_loss_reorder/capture.pcap", none);
    REQUIRE(!flows.empty());
    const Bytes& stream = flows.begin()->second.raw[1];
    REQUIRE(stream.size() > 100000);

    struct Collect : TlsRecordHandler {
        std::vector<std::pair<int, Bytes>> records;
        std::vector<std::pair<int, std::uint32_t>> messages;
        HandshakeAssembler hs{1 << 20};
        void onRecord(const TlsRecord& r) override {
            records.emplace_back(r.type, Bytes(r.fragment.begin(), r.fragment.end()));
            if (r.type == 22 && messages.size() < 4)  // the clear part of the handshake
                hs.feed(r.fragment, [this](const HandshakeMessage& m) {
                    messages.emplace_back(m.type, m.length);
                });
        }
    };
    Collect whole;
    TlsRecordReader reader;
    reader.feed(stream, whole);
    CHECK_FALSE(reader.invalid());
    CHECK(reader.buffered() == 0);
    REQUIRE(whole.records.size() > 50);
    // ServerHello, Certificate, ServerKeyExchange, ServerHelloDone (TLS 1.2 full handshake).
    REQUIRE(whole.messages.size() >= 4);
    CHECK(whole.messages[0].first == 2);
    CHECK(whole.messages[1].first == 11);

    const std::size_t chunk = GENERATE(1, 2, 4, 5, 6, 1448, 16389, 16390);
    Collect split;
    TlsRecordReader r2;
    for (std::size_t pos = 0; pos < stream.size(); pos += chunk)
        r2.feed(ByteSpan(stream).subspan(pos, std::min(chunk, stream.size() - pos)), split);
    CHECK((split.records == whole.records));
    CHECK(split.messages == whole.messages);
}

TEST_CASE("The TLS record reader stops at bytes that are not TLS", "[tls]") {
    struct Count : TlsRecordHandler {
        int n = 0;
        void onRecord(const TlsRecord&) override { ++n; }
    } count;
    TlsRecordReader reader;
    const std::string http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    reader.feed(asBytes(http), count);
    CHECK(reader.invalid());
    CHECK(reader.error() == "record header 474554202f is not TLS");
    CHECK(count.n == 0);
    // A length above 2^14 + 2048 cannot be a record.
    TlsRecordReader r2;
    const std::uint8_t big[] = {0x17, 0x03, 0x03, 0x48, 0x01};
    r2.feed(big, count);
    CHECK(r2.invalid());
}

TEST_CASE(
    "The hello parser reads a real ClientHello and ServerHello, and every truncation fails cleanly",
    "[tls][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    KeyLog none;
    const auto flows = runTls(sharedDir() / "captures/03d_tls_nghttp_nghttpd/capture.pcap", none);
    REQUIRE(!flows.empty());
    const auto& f = flows.begin()->second;
    CHECK(f.report.helloRetryRequest);
    CHECK(f.report.version == kTls13);
    CHECK(f.report.cipherSuiteName == "TLS_AES_256_GCM_SHA384");
    // Parse the first ClientHello directly: it is the first record of the client's stream.
    const ByteSpan c = f.raw[0];
    REQUIRE(c.size() > 9);
    const ByteSpan body = c.subspan(9, loadBe24(&c[6]));
    std::string error;
    auto hello = parseClientHello(body, error);
    REQUIRE(hello);
    CHECK(hello->maxVersion() == kTls13);
    CHECK(std::find(hello->alpn.begin(), hello->alpn.end(), "h2") != hello->alpn.end());
    CHECK(std::equal(hello->random.begin(), hello->random.end(), c.begin() + 11));
    // Every truncation fails cleanly, never reads past the body.
    for (std::size_t n = 0; n < body.size(); ++n) {
        std::string e;
        auto h = parseClientHello(body.first(n), e);
        if (!h) CHECK(!e.empty());
    }
}

TEST_CASE("Cipher suite names keep unknown values", "[tls]") {
    CHECK(cipherSuiteName(0x1301) == "TLS_AES_128_GCM_SHA256");
    CHECK(cipherSuiteName(0xcca8) == "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
    CHECK(cipherSuiteName(0x1234) == "UNKNOWN(0x1234)");
    CHECK(findCipherSuite(0xc014)->aead == TlsAead::None);
    CHECK(tlsProtocolName(0x7f1c) == "UNKNOWN(0x7f1c)");
    CHECK(describeTlsAlert(TlsAlert{2, 20, true}) == "fatal bad_record_mac");
}

TEST_CASE("The TLS fuzz corpus replays cleanly", "[tls][fuzz]") {
    const auto dir = sourceDir() / "fuzz" / "corpus" / "tls";
    REQUIRE(std::filesystem::is_directory(dir));
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (!entry.is_regular_file()) continue;
        INFO(entry.path().filename().string());
        std::ifstream in(entry.path(), std::ios::binary);
        const std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(in)), {});
        CHECK(LLVMFuzzerTestOneInput(data.data(), data.size()) == 0);
        ++files;
    }
    CHECK(files >= 10);
}

TEST_CASE("The TLS fuzz seeds with keys really decrypt", "[tls][fuzz]") {
    // The keyed seeds are only useful to the fuzzer if they reach the plaintext path.
    KeyLog keys;
    keys.addLines(kKeyLog);
    for (const char* name :
         {"tls12_chacha_keys", "tls12_gcm_keys", "tls12_resumed_keys", "tls13_gcm_keys"}) {
        INFO(name);
        std::ifstream in(sourceDir() / "fuzz" / "corpus" / "tls" / name, std::ios::binary);
        const Bytes data((std::istreambuf_iterator<char>(in)), {});
        REQUIRE(data.size() > 4);
        const ByteSpan rest = ByteSpan(data).subspan(4);
        const std::size_t n = loadBe16(&data[2]);
        struct S : TlsPlaintextSink {
            std::size_t bytes = 0;
            void onPlaintext(Direction, ByteSpan b, TimestampNs) override { bytes += b.size(); }
        } sink;
        TlsSession session(keys, Limits{});
        session.feed(Direction::ClientToServer, rest.first(n), 1, sink);
        session.feed(Direction::ServerToClient, rest.subspan(n), 1, sink);
        CHECK(session.report().decrypted());
        CHECK(sink.bytes > 0);
    }
}

TEST_CASE("The TLS fuzz seeds with late keys wait for them and then decrypt",
          "[tls][fuzz][keylog]") {
    // Mode bit 2: the keys reach a growing key log only after some feeds; the seeds must make
    // the session wait (records kept) and still end decrypted, like the up-front run.
    KeyLog keys;
    keys.addLines(kKeyLog);
    for (const char* name :
         {"tls12_chacha_latekeys", "tls12_gcm_latekeys", "tls12_resumed_latekeys",
          "tls13_gcm_latekeys", "tls13_gcm_latekeys_gap", "tls12_gcm_latekeys_gap"}) {
        INFO(name);
        std::ifstream in(sourceDir() / "fuzz" / "corpus" / "tls" / name, std::ios::binary);
        const Bytes data((std::istreambuf_iterator<char>(in)), {});
        REQUIRE(data.size() > 4);
        REQUIRE((data[0] & 4) != 0);
        const ByteSpan rest = ByteSpan(data).subspan(4);
        const std::size_t n = loadBe16(&data[2]);
        const std::uint32_t seed = data[1] | 1u;
        const std::size_t lateAfter = (seed >> 4) % 24;
        CHECK(lateAfter >= 2);
        KeyLog late;
        late.setGrowing(true);
        const std::string got = run(keys, rest.first(n), rest.subspan(n), seed, false,
                                    (data[0] & 2) != 0, &late, lateAfter);
        CHECK(got == run(keys, rest.first(n), rest.subspan(n), seed, false, (data[0] & 2) != 0));
        CHECK(got.find(", decrypted|") != std::string::npos);
    }
}

TEST_CASE("TLS 1.2 resumption and extended master secret are reported", "[tls][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    // README of 03b: connection E (the fifth) resumes D's session; the rest are full handshakes.
    const auto dir = sharedDir() / "captures/03b_tls12_curl_python_nginx";
    KeyLog keys = keyLogFrom(dir / "keylog.txt");
    const auto flows = runTls(dir / "capture.pcap", keys);
    REQUIRE(flows.size() == 5);
    for (const auto& [id, f] : flows) {
        INFO("connection " << id << ": " << f.report.summary());
        CHECK(f.report.resumed == (id == 4));
        CHECK(f.report.version == kTls12);
        CHECK(f.report.alpnSelected == "h2");
        CHECK(f.report.decrypted());
    }
    CHECK(flows.at(2).report.cipherSuiteName == "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
}
