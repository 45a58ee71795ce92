// ConnectionSummary::tls and the export's `http2.tls` object on the real TLS captures, with and
// without the key log, against tshark's dissection of the same hellos (and, with keys, of the
// TLS 1.3 EncryptedExtensions that carries the chosen ALPN).
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "pcap/capture_file.h"
#include "pipeline/analyzer.h"
#include "pipeline/http2_session.h"
#include "schema_validator.h"
#include "test_support.h"

using namespace h2lens;
using namespace h2lens::test;

namespace {

// What tshark says about one TCP connection's handshake.
struct TsharkTls {
    std::string sni;
    std::vector<std::string> alpnOffered;
    std::string alpnChosen;   // last ALPN the server side showed (ServerHello or EE)
    std::string version;      // "0x0304": supported_versions of the ServerHello, else its version
    std::string cipherSuite;  // "0x1302"
    int serverHellos = 0;     // 2 with a HelloRetryRequest (tshark dissects it as a ServerHello)
    bool certificateSeen = false;
};

std::vector<std::string> splitOn(const std::string& s, char sep) {
    std::vector<std::string> out;
    if (s.empty()) return out;
    std::istringstream in(s);
    for (std::string part; std::getline(in, part, sep);) out.push_back(part);
    return out;
}

std::string tsharkBase(const std::filesystem::path& capture, const std::string& keylog) {
    std::string cmd = "tshark -n -r " + shellQuote(capture.string());
    if (!keylog.empty()) cmd += " -o " + shellQuote("tls.keylog_file:" + keylog);
    return cmd;
}

std::map<std::uint64_t, TsharkTls> tsharkHandshakes(const std::filesystem::path& capture,
                                                    const std::string& keylog) {
    const std::string out = runCommand(
        tsharkBase(capture, keylog) +
        " -Y 'tls.handshake.type==1 || tls.handshake.type==2 || tls.handshake.type==8'"
        " -T fields -E separator=/t -e tcp.stream -e tls.handshake.type -e tls.handshake.version"
        " -e tls.handshake.extensions.supported_version -e tls.handshake.ciphersuite"
        " -e tls.handshake.extensions_server_name -e tls.handshake.extensions_alpn_str"
        " 2>/dev/null");
    std::map<std::uint64_t, TsharkTls> result;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
        std::vector<std::string> f = splitOn(line, '\t');
        f.resize(7);
        TsharkTls& t = result[std::stoull(f[0])];
        const auto types = splitOn(f[1], ',');
        auto has = [&](const char* type) {
            return std::find(types.begin(), types.end(), type) != types.end();
        };
        if (has("1")) {
            t.sni = f[5];
            t.alpnOffered = splitOn(f[6], ',');
            continue;
        }
        if (has("2")) {
            ++t.serverHellos;
            // A TLS 1.3 ServerHello names its version in supported_versions.
            t.version = f[3].empty() ? f[2] : f[3];
            t.cipherSuite = f[4];
        }
        if (has("11")) t.certificateSeen = true;
        if (!f[6].empty()) t.alpnChosen = f[6];
    }
    return result;
}

// tshark's own names, from the PDML shownames: "0x1302" -> "TLS_AES_256_GCM_SHA384",
// "0x0304" -> "TLS 1.3".
std::map<std::string, std::string> tsharkNames(const std::filesystem::path& capture) {
    const std::string pdml =
        runCommand(tsharkBase(capture, "") + " -Y 'tls.handshake.type==2' -T pdml 2>/dev/null");
    std::map<std::string, std::string> names;
    static const std::regex suite(R"(Cipher Suite: ([A-Za-z0-9_]+) \((0x[0-9a-f]{4})\))");
    static const std::regex version(R"(Version: (TLS 1\.[0-3]) \((0x[0-9a-f]{4})\))");
    for (const std::regex* re : {&suite, &version}) {
        for (std::sregex_iterator it(pdml.begin(), pdml.end(), *re), end; it != end; ++it) {
            names[(*it)[2]] = (*it)[1];
        }
    }
    return names;
}

class SummaryRecorder final : public H2Listener {
  public:
    void onConnectionDone(const ConnectionInfo& c, const ConnectionSummary& s) override {
        summaries[c.id] = s;
    }
    std::map<std::uint64_t, ConnectionSummary> summaries;
};

std::map<std::uint64_t, ConnectionSummary> runPipeline(const std::filesystem::path& capture,
                                                       const std::string& keylog) {
    KeyLog keys;
    if (!keylog.empty()) {
        std::string error;
        REQUIRE(keys.loadFile(keylog, error));
    }
    Limits limits;
    SummaryRecorder recorder;
    Http2SessionFactory factory(limits, &recorder, &keys);
    Analyzer analyzer(limits, &factory);
    auto src = openCapture(capture.string());
    Packet p;
    while (src->next(p) == ReadStatus::Packet) analyzer.ingest(p);
    analyzer.finish();
    return std::move(recorder.summaries);
}

struct Case {
    const char* dir;  // under captures/
    std::size_t tlsConnections;
};

const Case kCases[] = {
    {"03a_tls13_curl_nginx", 3},
    {"03b_tls12_curl_python_nginx", 5},
    {"03d_tls_nghttp_nghttpd", 3},
};

}  // namespace

TEST_CASE("TLS facts are fields equal to tshark's dissection, with and without keys",
          "[export][tls][tshark][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    if (!haveProgram("tshark")) {
        WARN("skipped: tshark not installed");
        return;
    }
    std::ifstream schemaFile(sourceDir() / "docs" / "transcript.schema.json");
    REQUIRE(schemaFile);
    SchemaValidator schema(nlohmann::json::parse(schemaFile));

    for (const Case& c : kCases) {
        const auto dir = sharedDir() / "captures" / c.dir;
        const auto capture = dir / "capture.pcap";
        for (const bool withKeys : {false, true}) {
            const std::string keylog = withKeys ? (dir / "keylog.txt").string() : std::string();
            DYNAMIC_SECTION(c.dir << (withKeys ? " with key log" : " without keys")) {
                const auto names = tsharkNames(capture);
                const auto theirs = tsharkHandshakes(capture, keylog);
                const auto ours = runPipeline(capture, keylog);
                REQUIRE(theirs.size() == c.tlsConnections);

                std::size_t tlsConnections = 0;
                for (const auto& [id, sum] : ours) {
                    INFO("connection " << id << ": " << sum.detectionDetail);
                    CHECK(sum.tls.has_value() == (sum.detection == Http2Detection::Tls));
                    if (!sum.tls) continue;
                    ++tlsConnections;
                    const TlsFacts& tls = *sum.tls;
                    REQUIRE(theirs.count(id) == 1);
                    const TsharkTls& t = theirs.at(id);

                    CHECK(tls.sni == t.sni);
                    CHECK(tls.alpnOffered == t.alpnOffered);
                    CHECK(fmt::format("0x{:04x}", tls.version) == t.version);
                    REQUIRE(names.count(t.version) == 1);
                    CHECK(tls.versionName == names.at(t.version));
                    CHECK(fmt::format("0x{:04x}", tls.cipherSuite) == t.cipherSuite);
                    REQUIRE(names.count(t.cipherSuite) == 1);
                    CHECK(tls.cipherSuiteName == names.at(t.cipherSuite));
                    // Without keys tshark cannot read a TLS 1.3 EncryptedExtensions either.
                    CHECK(tls.alpnChosen == t.alpnChosen);
                    CHECK(tls.alpnEncrypted == (t.version == "0x0304"));
                    CHECK(tls.helloRetryRequest == (t.serverHellos == 2));
                    if (t.version == "0x0303") {
                        // TLS 1.2 resumption: the abbreviated handshake has no Certificate.
                        CHECK(tls.resumed == !t.certificateSeen);
                    }
                    CHECK(tls.decrypted == withKeys);
                    CHECK(sum.tlsDecrypted == tls.decrypted);
                    CHECK(tls.notDecryptedReason ==
                          (withKeys ? "" : "no key for this client random"));
                    CHECK_FALSE(tls.notHttp2Inside);
                }
                CHECK(tlsConnections == c.tlsConnections);

                // The export builds `http2.tls` from the same fields, and the schema knows them.
                int code = -1;
                const auto doc = nlohmann::ordered_json::parse(runCommand(
                    shellQuote(cliPath().string()) + " export -q -o - " +
                        (withKeys ? "--keylog " + shellQuote(keylog) + " " : std::string()) +
                        shellQuote(capture.string()) + " 2>/dev/null",
                    &code));
                CHECK(code == 0);
                const auto errors = schema.validate(doc);
                for (const auto& e : errors) FAIL_CHECK(e);
                std::size_t exported = 0;
                for (const auto& conn : doc["connections"]) {
                    const auto id = conn["id"].get<std::uint64_t>();
                    REQUIRE(ours.count(id) == 1);
                    const ConnectionSummary& sum = ours.at(id);
                    CHECK(conn["http2"]["detail"] == sum.detectionDetail);
                    CHECK(conn["http2"].contains("tls") == sum.tls.has_value());
                    if (!sum.tls) continue;
                    ++exported;
                    const auto& j = conn["http2"]["tls"];
                    auto orNull = [](const std::string& s) {
                        return s.empty() ? nlohmann::ordered_json(nullptr)
                                         : nlohmann::ordered_json(s);
                    };
                    CHECK(j["version"] == sum.tls->versionName);
                    CHECK(j["sni"] == orNull(sum.tls->sni));
                    CHECK(j["alpn_offered"] == nlohmann::ordered_json(sum.tls->alpnOffered));
                    CHECK(j["alpn"] == orNull(sum.tls->alpnChosen));
                    CHECK(j["cipher_suite"] == orNull(sum.tls->cipherSuiteName));
                    CHECK(j["hello_retry_request"] == sum.tls->helloRetryRequest);
                    CHECK(j["resumed"] == sum.tls->resumed);
                    CHECK(j["decrypted"] == sum.tls->decrypted);
                    CHECK(j["not_decrypted_reason"] == orNull(sum.tls->notDecryptedReason));
                }
                CHECK(exported == c.tlsConnections);
            }
        }
    }
}
