// The built CLI end to end: `export` (document, NDJSON, HAR) and `follow`, redaction, key-log
// secrets, colour, and HAR validation with the har-validator npm package (tests/export/har).
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "test_support.h"

using namespace h2lens::test;

namespace {

std::string cli(const std::string& args, int* code = nullptr) {
    return runCommand(shellQuote(cliPath().string()) + " " + args + " 2>/dev/null", code);
}

std::string sample(const char* name) {
    return shellQuote((sourceDir() / "samples" / name).string());
}

std::filesystem::path tempFile(const std::string& name) {
    return std::filesystem::temp_directory_path() / name;
}

std::string slurp(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

}  // namespace

TEST_CASE("export -o writes the same document as -o -", "[uses-captures]") {
    const auto out = tempFile("h2lens_export_test.json");
    int code = -1;
    cli("export " + sample("h2c_nghttp.pcap") + " -o " + shellQuote(out.string()), &code);
    CHECK(code == 0);
    CHECK(slurp(out) == cli("export " + sample("h2c_nghttp.pcap") + " -o -"));
    std::filesystem::remove(out);
}

TEST_CASE("export decodes h2o's gzip response and gzip -d agrees", "[uses-captures]") {
    const auto doc = nlohmann::json::parse(cli("export " + sample("h2c_curl_post.pcap")));
    const auto& body = doc["connections"][1]["streams"][0]["response"]["body"];
    REQUIRE(body.contains("decoded"));
    CHECK(body["decoded"]["codings"] == nlohmann::json::array({"gzip"}));
    CHECK_FALSE(body["decoded"].contains("error"));
    CHECK(body["encoding"] == "base64");
    if (!haveProgram("gzip") || !haveProgram("base64") || !haveProgram("sha256sum")) return;
    // The raw bytes, base64-decoded by coreutils and gunzipped by gzip, hash to our decoded sha256.
    const auto b64 = tempFile("h2lens_gz.b64");
    std::ofstream(b64) << body["data"].get<std::string>();
    const std::string sum =
        runCommand("base64 -d " + shellQuote(b64.string()) + " | gzip -dc | sha256sum");
    std::filesystem::remove(b64);
    CHECK(sum.substr(0, 64) == body["decoded"]["sha256"].get<std::string>());
}

TEST_CASE("export decodes suricata's deflate response (Go server, h2c upgrade)",
          "[uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const auto file = sharedDir() / "corpus" / "pcaps" / "suricata-verify" / "http2-deflate" /
                      "http2_deflate.pcap";
    const auto doc = nlohmann::json::parse(cli("export -q " + shellQuote(file.string())));
    int decoded = 0;
    for (const auto& c : doc["connections"]) {
        for (const auto& s : c["streams"]) {
            const auto& b = s["response"]["body"];
            if (!b.contains("decoded")) continue;
            ++decoded;
            CHECK(b["decoded"]["codings"] == nlohmann::json::array({"deflate"}));
            // Suricata's test.yaml for this capture: http.length 30, fileinfo.size 20
            // (decompressed).
            CHECK(b["size"] == 30);
            CHECK(b["decoded"]["size"] == 20);
            CHECK(b["decoded"]["encoding"] == "utf-8");
            // Go flushed (sync flush) and never wrote the final deflate block: reported, not
            // hidden.
            CHECK(b["decoded"].value("error", "").find("input ends early") != std::string::npos);
        }
    }
    CHECK(decoded == 1);
}

TEST_CASE(
    "Redaction with --redact hides header values in every output, and key-log secrets never appear",
    "[uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const auto dir = sharedDir() / "captures" / "12a_pcapng_dumpcap_dsb";
    const std::string file = shellQuote((dir / "capture.pcapng").string());
    // Secrets: the last field of each key log line (the pcapng DSB carries the same lines).
    std::vector<std::string> secrets;
    std::ifstream keylog(dir / "keylog.txt");
    std::string line;
    while (std::getline(keylog, line)) {
        if (line.empty() || line[0] == '#') continue;
        secrets.push_back(line.substr(line.rfind(' ') + 1));
    }
    REQUIRE_FALSE(secrets.empty());
    // Values that are in the capture: the user-agents of its decoded requests.
    const auto plain = nlohmann::json::parse(cli("export -q " + file));
    std::set<std::string> agents, others;  // others: values of headers that are not hidden
    std::string conn;
    for (const auto& c : plain["connections"]) {
        for (const auto& s : c["streams"]) {
            for (const auto& h : s["response"].value("headers", nlohmann::json::array()))
                others.insert(h[1].get<std::string>());
            for (const auto& h : s["request"].value("headers", nlohmann::json::array())) {
                if (h[0] == "user-agent") {
                    agents.insert(h[1].get<std::string>());
                    conn = std::to_string(c["id"].get<int>());
                }
            }
        }
    }
    REQUIRE_FALSE(agents.empty());
    for (const std::string& args :
         {"export -q --frames --redact User-Agent,accept " + file,
          "export -q --ndjson --frames --redact user-agent,accept " + file,
          "export -q --har --redact user-agent,accept " + file,
          "follow -q --conn " + conn + " --redact user-agent,accept " + file}) {
        INFO(args);
        std::string out = cli(args);
        CHECK_FALSE(out.empty());
        // "nghttp2/1.52.0" (a user-agent) is also part of "server: nghttpd nghttp2/1.52.0".
        for (const auto& o : others) {
            for (auto at = out.find(o); !o.empty() && at != std::string::npos; at = out.find(o))
                out.erase(at, o.size());
        }
        for (const auto& a : agents) CHECK(out.find(a) == std::string::npos);
        CHECK(out.find("[REDACTED]") != std::string::npos);
        for (const auto& s : secrets) CHECK(out.find(s) == std::string::npos);
        std::string upper;
        for (const auto& s : secrets) {
            upper = s;
            for (char& c : upper)
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            CHECK(out.find(upper) == std::string::npos);
        }
    }
}

TEST_CASE("follow shows the exchange, in colour only when asked", "[uses-captures]") {
    const std::string never =
        cli("follow " + sample("h2c_nghttp.pcap") + " --conn 0 --stream 13 --color=never");
    const std::string always =
        cli("follow " + sample("h2c_nghttp.pcap") + " --conn 0 --stream 13 --color=always");
    const std::string piped = cli("follow " + sample("h2c_nghttp.pcap") + " --conn 0 --stream 13");
    CHECK(never.find("> HEADERS") != std::string::npos);
    CHECK(never.find("< HEADERS") != std::string::npos);
    CHECK(never.find(":status: ") != std::string::npos);
    CHECK(never.find('\x1b') == std::string::npos);
    CHECK(piped == never);  // auto on a pipe = never
    CHECK(always.find("\x1b[") != std::string::npos);
    int code = 0;
    cli("follow " + sample("h2c_nghttp.pcap") + " --conn 0 --stream 999", &code);
    CHECK(code != 0);
}

TEST_CASE("follow decodes gRPC messages as raw protobuf with the status", "[uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const auto file = sharedDir() / "captures" / "13_grpc_python" / "capture.pcap";
    const std::string out = cli("follow " + shellQuote(file.string()) + " --conn 0 --stream 1");
    CHECK(out.find("gRPC message 1: 15 bytes") != std::string::npos);
    CHECK(out.find("1: \"hello plain\"") != std::string::npos);
    CHECK(out.find("gRPC status 0") != std::string::npos);
}

TEST_CASE("The HAR export has h2 entries with frame timings and is valid for har-validator",
          "[uses-captures]") {
    std::vector<std::string> files = {sample("h2c_curl_post.pcap"), sample("h2c_nghttp.pcap"),
                                      sample("h2c_upgrade.pcap"), sample("small_windows.pcap")};
    if (haveShared()) {
        for (const auto& e : std::filesystem::directory_iterator(sharedDir() / "captures")) {
            if (std::filesystem::exists(e.path() / "capture.pcap"))
                files.push_back(shellQuote((e.path() / "capture.pcap").string()));
        }
    }
    const auto validator = sourceDir() / "tests" / "export" / "har" / "validate.js";
    const bool haveValidator =
        haveProgram("node") && std::filesystem::exists("/usr/share/nodejs/har-validator");
    if (!haveValidator)
        WARN(
            "har-validator not run: install Debian's node-har-validator (scripts/install-deps.sh)");
    for (const auto& f : files) {
        INFO(f);
        const auto out = tempFile("h2lens_export_test.har");
        int code = -1;
        cli("export -q --har " + f + " -o " + shellQuote(out.string()), &code);
        REQUIRE(code == 0);
        const auto har = nlohmann::json::parse(slurp(out));
        CHECK(har["log"]["version"] == "1.2");
        for (const auto& e : har["log"]["entries"]) {
            CHECK(e["request"]["httpVersion"] == "h2");
            const auto& t = e["timings"];
            double sum = 0;
            for (const char* k : {"blocked", "send", "wait", "receive"})
                sum += std::max(0.0, t[k].get<double>());
            CHECK(e["time"].get<double>() == Approx(sum));
            CHECK(t["send"].get<double>() >= 0);
        }
        if (haveValidator) {
            int v = -1;
            const std::string msg = runCommand(
                "node " + shellQuote(validator.string()) + " " + shellQuote(out.string()) + " 2>&1",
                &v);
            INFO(msg);
            CHECK(v == 0);
        }
        std::filesystem::remove(out);
    }
}
