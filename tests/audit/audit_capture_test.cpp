// The audit on real captures: each recorded attack (tests/data/attacks, made by
// record_attacks.sh against nghttpd and h2o) yields its finding on the right connection and
// peer, with a span that starts and ends on the attack's own frames (read back with
// `h2lens frames --json`); no ordinary capture yields any.
#include <catch2/catch.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_support.h"

using namespace h2lens::test;
using nlohmann::json;

namespace {

std::filesystem::path attack(const std::string& name) {
    return sourceDir() / "tests" / "data" / "attacks" / (name + ".pcap");
}

std::string runH2lens(const std::string& args, int* code = nullptr) {
    return runCommand(shellQuote(cliPath().string()) + " " + args + " 2>/dev/null", code);
}

std::vector<json> lines(const std::string& text) {
    std::vector<json> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) out.push_back(json::parse(line));
    }
    return out;
}

// Times (seconds since the capture's start) of the frames of `type` sent by `dir`, in order.
std::vector<double> frameTimes(const std::filesystem::path& file, const std::string& dir,
                               const std::string& type, bool (*keep)(const json&) = nullptr) {
    std::vector<double> times;
    for (const json& f : lines(runH2lens("frames --json " + shellQuote(file.string())))) {
        if (f["dir"] == dir && f["type"] == type && (!keep || keep(f)))
            times.push_back(f["t"].get<double>());
    }
    return times;
}

bool notAck(const json& f) {
    return (f["flags"].get<int>() & 1) == 0;
}
bool emptyWithoutEndStream(const json& f) {
    return f["length"].get<int>() == 0 && (f["flags"].get<int>() & 1) == 0;
}

}  // namespace

TEST_CASE("The audit of each recorded attack yields its finding, connection, peer and span",
          "[uses-captures]") {
    struct Case {
        const char* file;
        const char* kind;
        const char* peer;
        const char* dir;        // whose frames bound the span
        const char* frameType;  // ... and of which type
        bool (*keep)(const json&);
        bool firstIsFrame;  // the span starts on such a frame (else: not before the first)
        const char* firstType = nullptr;  // the span starts on a frame of this type instead
    };
    const Case cases[] = {
        {"rapid-reset", "rapid-reset", "client", "c2s", "RST_STREAM", nullptr, true},
        // The block's span: from its HEADERS to its last CONTINUATION.
        {"continuation-flood", "continuation-flood", "client", "c2s", "CONTINUATION", nullptr, true,
         "HEADERS"},
        {"hpack-bomb", "hpack-bomb", "client", "c2s", "HEADERS", nullptr, false},
        {"settings-flood", "settings-flood", "client", "c2s", "SETTINGS", notAck, true},
        {"ping-flood", "ping-flood", "client", "c2s", "PING", notAck, true},
        {"empty-frames", "empty-frames", "client", "c2s", "DATA", emptyWithoutEndStream, true},
        {"reset-flood", "reset-flood", "server", "s2c", "RST_STREAM", nullptr, true},
        {"priority-churn", "priority-churn", "client", "c2s", "PRIORITY", nullptr, true},
        {"stream-limit", "stream-limit", "client", "c2s", "HEADERS", nullptr, false},
    };
    for (const Case& c : cases) {
        INFO(c.file);
        const auto file = attack(c.file);
        int code = -1;
        const auto findings = lines(runH2lens("audit --json " + shellQuote(file.string()), &code));
        CHECK(code == 0);
        REQUIRE(findings.size() == 1);
        const json& f = findings[0];
        CHECK(f["kind"] == c.kind);
        CHECK(f["conn"] == 0);
        CHECK(f["peer"] == c.peer);
        CHECK(f["peer_address"] == (std::string(c.peer) == "client" ? f["client"] : f["server"]));
        CHECK(f["count"].get<std::uint64_t>() > 0);
        CHECK(f["peak"].get<std::uint64_t>() >= f["threshold"].get<std::uint64_t>());
        const auto times = frameTimes(file, c.dir, c.frameType, c.keep);
        REQUIRE_FALSE(times.empty());
        const double first = f["first"], last = f["last"];
        if (c.firstType)
            CHECK(first == Approx(frameTimes(file, c.dir, c.firstType).front()).margin(1e-6));
        else if (c.firstIsFrame)
            CHECK(first == Approx(times.front()).margin(1e-6));
        else
            CHECK(first >= times.front() - 1e-6);
        CHECK(last == Approx(times.back()).margin(1e-6));
        CHECK(last >= first);
    }
}

TEST_CASE("The audit's counts for the recorded attacks are what the client sent",
          "[uses-captures]") {
    auto only = [](const char* name) {
        const auto f = lines(runH2lens("audit --json " + shellQuote(attack(name).string())));
        REQUIRE(f.size() == 1);
        return f[0];
    };
    CHECK(only("rapid-reset")["count"] == 1000);
    CHECK(only("ping-flood")["count"] == 1000);
    CHECK(only("priority-churn")["count"] == 1000);
    CHECK(only("empty-frames")["count"] == 1000);
    CHECK(only("reset-flood")["count"] == 500);         // one per malformed request
    CHECK(only("settings-flood")["count"] == 1001);     // 1000 and the preface's
    CHECK(only("continuation-flood")["peak"] == 3000);  // CONTINUATION frames in the block
    CHECK(only("hpack-bomb")["count"] == 20);           // bomb blocks, each cut at 1 MiB
    CHECK(only("stream-limit")["threshold"] == 10);     // nghttpd -m 10
    CHECK(only("stream-limit")["peak"] == 30);
}

TEST_CASE("The audit's slow read spans the server's wait and blames the client",
          "[uses-captures]") {
    const auto file = attack("slow-read");
    const auto findings = lines(runH2lens("audit --json " + shellQuote(file.string())));
    REQUIRE(findings.size() == 1);
    const json& f = findings[0];
    CHECK(f["kind"] == "slow-read");
    CHECK(f["severity"] == "warning");
    CHECK(f["peer"] == "client");
    CHECK(f["peak"].get<std::uint64_t>() >= 10'000);  // ms the server waited on stream 1
    const auto data = frameTimes(file, "s2c", "DATA");
    REQUIRE_FALSE(data.empty());
    CHECK(f["first"].get<double>() >= data.front() - 1e-6);  // the first stall follows DATA
    CHECK(f["last"].get<double>() - f["first"].get<double>() >= 10.0);
}

TEST_CASE("No ordinary capture yields an audit finding", "[uses-captures]") {
    std::vector<std::filesystem::path> files = sharedCaptures();
    for (const auto& e : std::filesystem::directory_iterator(sourceDir() / "samples")) {
        const auto ext = e.path().extension();
        if (ext == ".pcap" || ext == ".pcapng") files.push_back(e.path());
    }
    files.push_back(attack("ordinary-h2load-m100"));  // h2load at 100 concurrent streams
    if (sharedCaptures().empty()) WARN("../shared not found: only samples/ are audited");
    std::size_t http2 = 0;
    for (const auto& file : files) {
        INFO(file.string());
        std::string keylog;
        if (std::filesystem::exists(file.parent_path() / "keylog.txt"))
            keylog = "--keylog " + shellQuote((file.parent_path() / "keylog.txt").string()) + " ";
        int code = -1;
        const std::string out = runH2lens("audit -q " + keylog + shellQuote(file.string()), &code);
        CHECK(code == 0);
        CHECK(out.find(": no findings in ") != std::string::npos);
        if (out.find("no findings in 0 ") == std::string::npos) ++http2;
    }
    CHECK(http2 >= files.size() * 9 / 10);  // they were decoded, not skipped
}
