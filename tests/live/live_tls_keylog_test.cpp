// `h2lens live --keylog FILE` on real TLS over 127.0.0.1: nghttpd serves HTTPS with a fresh
// self-signed certificate, curl fetches with SSLKEYLOGFILE pointing at a file that does not exist
// when the capture starts (curl creates it and appends each secret during its handshakes), once
// with TLS 1.3 and once with TLS 1.2 (ECDHE AEAD; its CLIENT_RANDOM is written only after the
// ServerHello). Every request curl reports (path, status, body size) must be decoded by h2lens
// while it captures. Skipped without capture rights or without nghttpd, curl and openssl.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "live/live_test_support.h"

using namespace h2lens;
using namespace h2lens::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

using StreamKey = std::tuple<std::string, std::string, std::uint64_t>;  // path, status, body

std::string header(const Json& list, const std::string& name) {
    for (const auto& h : list)
        if (h[0] == name) return h[1];
    return {};
}

// curl's own account of each transfer: "status size" lines, one per URL.
std::vector<std::pair<std::string, std::uint64_t>> curlRows(const std::string& out) {
    std::vector<std::pair<std::string, std::uint64_t>> rows;
    std::istringstream in(out);
    std::string status;
    std::uint64_t size = 0;
    while (in >> status >> size) rows.emplace_back(status, size);
    return rows;
}

}  // namespace

TEST_CASE("live --keylog decrypts TLS 1.3 and TLS 1.2 with a key log written during the capture",
          "[live][loopback][tls][uses-interface]") {
    H2LENS_REQUIRE_CAPTURE();
    H2LENS_REQUIRE_PROGRAM("nghttpd");
    H2LENS_REQUIRE_PROGRAM("curl");
    H2LENS_REQUIRE_PROGRAM("openssl");
    TempDir dir("tlslive");
    const fs::path www = dir.path() / "www";
    fs::create_directories(www);
    std::ofstream(www / "index.html") << "<html>h2lens live TLS test</html>\n";
    {
        std::string body(100000, '\0');
        for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 7919 >> 3);
        std::ofstream(www / "100k.bin", std::ios::binary) << body;
        std::ofstream(www / "50k.bin", std::ios::binary) << body.substr(0, 50000);
    }
    const fs::path key = dir.path() / "key.pem", cert = dir.path() / "cert.pem";
    int code = 0;
    runCommand(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
        "-subj /CN=localhost -keyout " +
            shellQuote(key.string()) + " -out " + shellQuote(cert.string()) + " 2>&1",
        &code);
    REQUIRE(code == 0);

    const int port = freeLoopbackPort();
    ChildProcess server({"nghttpd", "-a", "127.0.0.1", "-d", www.string(), std::to_string(port),
                         key.string(), cert.string()},
                        dir.path() / "nghttpd.out", dir.path() / "nghttpd.err");
    REQUIRE(server.started());
    REQUIRE(waitFor([&] { return acceptsConnections(port); }, 5s));

    const fs::path keylog = dir.path() / "keys.txt";  // does not exist yet
    const fs::path liveOut = dir.path() / "live.out", liveErr = dir.path() / "live.err";
    const fs::path saved = dir.path() / "saved.pcapng";
    ChildProcess live(
        {cliPath().string(), "live", "-i", "lo", "-f", "tcp port " + std::to_string(port),
         "--keylog", keylog.string(), "--ndjson", "-w", saved.string()},
        liveOut, liveErr);
    REQUIRE(live.started());
    REQUIRE(waitFor(
        [&] { return readTextFile(liveErr).find("capturing on lo") != std::string::npos; }, 5s));
    CHECK(readTextFile(liveErr).find("does not exist yet") != std::string::npos);

    const std::string base = "https://127.0.0.1:" + std::to_string(port);
    auto fetch = [&](const std::string& tlsOption, const std::vector<std::string>& paths) {
        std::string cmd = "SSLKEYLOGFILE=" + shellQuote(keylog.string()) + " curl -sS --http2 -k " +
                          tlsOption + " -w '%{http_code} %{size_download}\\n'";
        for (const auto& p : paths) cmd += " -o /dev/null " + shellQuote(base + p);
        int rc = 0;
        const auto rows = curlRows(runCommand(cmd, &rc));
        REQUIRE(rc == 0);
        REQUIRE(rows.size() == paths.size());
        std::vector<StreamKey> keys;
        for (std::size_t i = 0; i < paths.size(); ++i)
            keys.emplace_back(paths[i], rows[i].first, rows[i].second);
        return keys;
    };
    // One connection each, two streams on it; /missing.html gives nghttpd's 404 page.
    const auto tls13 = fetch("--tlsv1.3", {"/100k.bin", "/missing.html"});
    const auto tls12 = fetch("--tls-max 1.2", {"/index.html", "/50k.bin"});
    CHECK(std::get<2>(tls13[0]) == 100000);
    CHECK(std::get<2>(tls12[1]) == 50000);

    std::this_thread::sleep_for(300ms);
    live.signal(SIGINT);
    const auto exitCode = live.wait(10s);
    REQUIRE(exitCode);
    CHECK(*exitCode == 0);
    const std::string err = readTextFile(liveErr);
    INFO(err);

    // The two handshakes really were TLS 1.3 and TLS 1.2: curl logged secrets of both kinds.
    const std::string keyText = readTextFile(keylog);
    CHECK(keyText.find("CLIENT_TRAFFIC_SECRET_0 ") != std::string::npos);
    CHECK(keyText.find("CLIENT_RANDOM ") != std::string::npos);
    CHECK(err.find("secrets for 2 TLS connections") != std::string::npos);

    std::multiset<StreamKey> seen;
    std::set<std::uint64_t> connections;
    std::istringstream in(readTextFile(liveOut));
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        const Json j = Json::parse(line);
        CHECK(j["end"] == "complete");
        connections.insert(j["conn"].get<std::uint64_t>());
        seen.emplace(j.contains("request_headers") ? header(j["request_headers"], ":path") : "",
                     j.contains("response_headers") ? header(j["response_headers"], ":status") : "",
                     j["response_body_bytes"].get<std::uint64_t>());
    }
    CHECK(connections.size() == 2);
    CHECK(seen.size() == tls13.size() + tls12.size());
    for (const auto& row : tls13) {
        INFO("TLS 1.3 " << std::get<0>(row) << " " << std::get<1>(row));
        CHECK(seen.count(row) == 1);
    }
    for (const auto& row : tls12) {
        INFO("TLS 1.2 " << std::get<0>(row) << " " << std::get<1>(row));
        CHECK(seen.count(row) == 1);
    }

    // Issue 19.4: -w with --keylog put the secrets into the pcapng, before the packets that
    // need them: the file decodes alone, in h2lens and in tshark, with no key log beside it.
    std::multiset<StreamKey> reread;
    {
        int rc = -1;
        const std::string out = runCommand(shellQuote(cliPath().string()) + " streams --json " +
                                               shellQuote(saved.string()) + " 2>/dev/null",
                                           &rc);
        CHECK(rc == 0);
        for (const auto& j : Json::parse(out)) {
            CHECK(j["end"] == "complete");
            reread.emplace(
                j.contains("request_headers") ? header(j["request_headers"], ":path") : "",
                j.contains("response_headers") ? header(j["response_headers"], ":status") : "",
                j["response_body_bytes"].get<std::uint64_t>());
        }
    }
    CHECK(reread == seen);
    if (haveProgram("tshark")) {
        const std::string paths = runCommand(
            "tshark -r " + shellQuote(saved.string()) + " -d tcp.port==" + std::to_string(port) +
            ",tls -Y http2.header -T fields -e http2.headers.path 2>/dev/null");
        for (const auto& row : tls13) CHECK(paths.find(std::get<0>(row)) != std::string::npos);
        for (const auto& row : tls12) CHECK(paths.find(std::get<0>(row)) != std::string::npos);
    }
}
