// `h2lens live` on real HTTP/2 traffic over 127.0.0.1: nghttpd serves files we wrote, nghttp,
// curl and h2load fetch them, and every request the clients report (path, status, body size)
// must appear in what h2lens printed while capturing, and again when the -w pcapng is reopened.
// Bounded in time; skipped without capture rights or without the nghttp2 tools.
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <set>
#include <tuple>

#include "live/live_test_support.h"
#include "pcap/capture_file.h"

using namespace h2lens;
using namespace h2lens::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

// A stream as (path, status, response body bytes).
using StreamKey = std::tuple<std::string, std::string, std::uint64_t>;

std::string header(const Json& list, const std::string& name) {
    for (const auto& h : list) {
        if (h[0] == name) return h[1];
    }
    return {};
}

StreamKey keyOf(const Json& s) {
    return {s.contains("request_headers") ? header(s["request_headers"], ":path") : "",
            s.contains("response_headers") ? header(s["response_headers"], ":status") : "",
            s["response_body_bytes"].get<std::uint64_t>()};
}

void writeBytes(const fs::path& p, std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    std::ofstream(p, std::ios::binary) << s;
}

// nghttpd on a free loopback port serving `docroot`, and h2lens capturing that port.
struct LiveSetup {
    TempDir dir;
    int port = freeLoopbackPort();
    std::unique_ptr<ChildProcess> server;
    std::unique_ptr<ChildProcess> live;
    fs::path liveOut, liveErr, capture;

    explicit LiveSetup(const std::string& tag) : dir(tag) {
        fs::create_directories(dir.path() / "www");
        std::ofstream(dir.path() / "www" / "index.html") << "<html>h2lens live test</html>\n";
        std::ofstream(dir.path() / "www" / "empty.txt");
        writeBytes(dir.path() / "www" / "16k.bin", 16384, 1);
        writeBytes(dir.path() / "www" / "100k.bin", 100000, 2);
        writeBytes(dir.path() / "www" / "1m.bin", 1 << 20, 3);
        liveOut = dir.path() / "live.out";
        liveErr = dir.path() / "live.err";
        capture = dir.path() / "live.pcapng";
    }

    bool startServer() {
        server = std::make_unique<ChildProcess>(
            std::vector<std::string>{"nghttpd", "--no-tls", "-a", "127.0.0.1", "-d",
                                     (dir.path() / "www").string(), std::to_string(port)},
            dir.path() / "nghttpd.out", dir.path() / "nghttpd.err");
        return server->started() && waitFor([&] { return acceptsConnections(port); }, 5s);
    }

    // Starts `h2lens live` with `args` and waits until it reports the capture as active.
    bool startLive(std::vector<std::string> args) {
        std::vector<std::string> argv = {
            cliPath().string(), "live", "-i", "lo", "-f", "tcp port " + std::to_string(port)};
        argv.insert(argv.end(), args.begin(), args.end());
        live = std::make_unique<ChildProcess>(argv, liveOut, liveErr);
        return live->started() &&
               waitFor(
                   [&] {
                       return readTextFile(liveErr).find("capturing on lo") != std::string::npos;
                   },
                   5s);
    }

    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port) + path;
    }
    // Ctrl-C after a moment for the last packets; h2lens must end cleanly. Returns its stderr.
    std::string stopLive() {
        std::this_thread::sleep_for(200ms);
        live->signal(SIGINT);
        const auto exitCode = live->wait(10s);
        REQUIRE(exitCode);
        CHECK(*exitCode == 0);
        return readTextFile(liveErr);
    }
    std::uint64_t fileSize(const std::string& path) const {
        return fs::file_size(dir.path() / "www" / path.substr(1));
    }
};

std::vector<Json> jsonLines(const std::string& text) {
    std::vector<Json> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty()) out.push_back(Json::parse(line));
    }
    return out;
}

// nghttp --stat rows: "id responseEnd requestStart process code size path"; sizes of 1 KiB and
// more are printed rounded ("97K"), so only exact ones are kept.
std::vector<std::tuple<std::string, std::string, std::optional<std::uint64_t>>> nghttpStats(
    const std::string& text) {
    static const std::regex row(R"(^\s*\d+\s+\S+\s+\S+\s+\S+\s+(\d{3})\s+(\S+)\s+(/\S*)\s*$)");
    std::vector<std::tuple<std::string, std::string, std::optional<std::uint64_t>>> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::smatch m;
        if (!std::regex_match(line, m, row)) continue;
        std::optional<std::uint64_t> size;
        if (std::all_of(m[2].first, m[2].second, ::isdigit)) size = std::stoull(m[2].str());
        out.emplace_back(m[3].str(), m[1].str(), size);
    }
    return out;
}

#define REQUIRE_LIVE_TOOLS()           \
    H2LENS_REQUIRE_CAPTURE();          \
    H2LENS_REQUIRE_PROGRAM("nghttpd"); \
    H2LENS_REQUIRE_PROGRAM("nghttp");  \
    H2LENS_REQUIRE_PROGRAM("curl");    \
    H2LENS_REQUIRE_PROGRAM("h2load")

}  // namespace

TEST_CASE("live shows every request of nghttp, curl and h2load with path, status and body size",
          "[live][loopback][uses-interface]") {
    REQUIRE_LIVE_TOOLS();
    LiveSetup s("loopback");
    REQUIRE(s.startServer());
    REQUIRE(s.startLive({"--ndjson", "-w", s.capture.string()}));

    // nghttp: one connection, multiplexed streams.
    const std::vector<std::string> nghttpPaths = {"/index.html", "/empty.txt", "/16k.bin",
                                                  "/100k.bin", "/missing.html"};
    std::string cmd = "nghttp -n --stat";
    for (const auto& p : nghttpPaths) cmd += " " + s.url(p);
    int code = 0;
    const auto nghttpRows = nghttpStats(runCommand(cmd, &code));
    REQUIRE(code == 0);
    REQUIRE(nghttpRows.size() == nghttpPaths.size());
    // curl: one connection per request (curl 7.88 cannot reuse nghttpd's h2c connection).
    std::vector<StreamKey> curlRows;
    for (const std::string path : {"/1m.bin", "/missing.html"}) {
        const std::string out = runCommand(
            "curl -sS --http2-prior-knowledge -o /dev/null -w '%{http_code} %{size_download}' " +
                s.url(path),
            &code);
        REQUIRE(code == 0);
        std::istringstream in(out);
        std::string status;
        std::uint64_t size = 0;
        in >> status >> size;
        curlRows.emplace_back(path, status, size);
    }
    // h2load: 2 connections, 40 requests, up to 5 concurrent streams each.
    const std::string load = runCommand("h2load -n 40 -c 2 -m 5 " + s.url("/16k.bin"), &code);
    REQUIRE(code == 0);
    REQUIRE(load.find("40 succeeded") != std::string::npos);

    const std::string err = s.stopLive();
    INFO(err);
    CHECK(err.find("stopped by Ctrl-C (SIGINT)") != std::string::npos);
    static const std::regex statsLine(
        R"(h2lens: (\d+) packets received by filter, (\d+) dropped by kernel, (\d+) dropped by interface, (\d+) dropped by h2lens \(decoder behind\))");
    std::smatch m;
    REQUIRE(std::regex_search(err, m, statsLine));
    CHECK(std::stoull(m[1].str()) > 0);
    CHECK(m[2].str() == "0");
    CHECK(m[4].str() == "0");

    const std::vector<Json> streams = jsonLines(readTextFile(s.liveOut));
    std::multiset<StreamKey> seen;
    std::set<std::uint64_t> connections;
    for (const Json& j : streams) {
        seen.insert(keyOf(j));
        connections.insert(j["conn"].get<std::uint64_t>());
        CHECK(j["end"] == "complete");
        CHECK(j["server"] == "127.0.0.1:" + std::to_string(s.port));
    }
    CHECK(connections.size() == 1 + 2 + 2);  // nghttp, 2 curls, 2 h2load connections
    CHECK(streams.size() == nghttpRows.size() + curlRows.size() + 40);
    for (const auto& [path, status, size] : nghttpRows) {
        INFO("nghttp " << path << " " << status);
        const std::uint64_t body = status == "200" ? s.fileSize(path) : size.value_or(0);
        if (size) CHECK(*size == body);
        CHECK(seen.count({path, status, body}) >= 1);  // h2load and curl fetch some paths too
    }
    for (const StreamKey& row : curlRows) {
        INFO("curl " << std::get<0>(row));
        CHECK(seen.count(row) >= 1);
    }
    CHECK(std::get<2>(curlRows[0]) == s.fileSize("/1m.bin"));
    CHECK(seen.count({"/16k.bin", "200", 16384}) == 40 + 1);  // h2load + nghttp

    // The saved capture: same streams when reopened, readable by tshark.
    REQUIRE(fs::exists(s.capture));
    static const std::regex wrote(R"(wrote (\d+) packets to )");
    REQUIRE(std::regex_search(err, m, wrote));
    auto reopened = openCapture(s.capture.string());
    const CopiedCapture packets = readPackets(*reopened);
    CHECK(packets.issues.empty());
    CHECK(packets.packets.size() == std::stoull(m[1].str()));
    const std::string again = runCommand(
        shellQuote(cliPath().string()) + " streams --json " + shellQuote(s.capture.string()),
        &code);
    REQUIRE(code == 0);
    std::multiset<StreamKey> fromFile;
    for (const Json& j : Json::parse(again)) fromFile.insert(keyOf(j));
    CHECK(fromFile == seen);
    if (haveProgram("tshark")) {
        const std::string count =
            runCommand("tshark -n -r " + shellQuote(s.capture.string()) + " 2>/dev/null | wc -l");
        CHECK(std::stoull(count) == packets.packets.size());
    }
}

TEST_CASE("live --duration ends the capture, and --view frames --json is one closed JSON array",
          "[live][loopback][uses-interface]") {
    REQUIRE_LIVE_TOOLS();
    LiveSetup s("frames");
    REQUIRE(s.startServer());
    const auto t0 = std::chrono::steady_clock::now();
    REQUIRE(s.startLive({"--duration", "2", "--view", "frames", "--json", "--stats"}));
    int code = 0;
    runCommand("nghttp -n " + s.url("/100k.bin") + " " + s.url("/index.html"), &code);
    REQUIRE(code == 0);
    const auto exitCode = s.live->wait(8s);
    const auto took = std::chrono::steady_clock::now() - t0;
    REQUIRE(exitCode);
    CHECK(*exitCode == 0);
    CHECK(took < 5s);
    const std::string err = readTextFile(s.liveErr);
    INFO(err);
    CHECK(err.find("stopped by --duration 2") != std::string::npos);
    // Issue 19.3: --stats prints a line a second while capturing, and the last word on losses.
    std::size_t progressLines = 0;
    std::istringstream lines(err);
    for (std::string line; std::getline(lines, line);) {
        if (line.find(" s: ") != std::string::npos &&
            line.find(" packets/s, ") != std::string::npos &&
            line.find("decode queue") != std::string::npos &&
            line.find("by h2lens") != std::string::npos)
            ++progressLines;
    }
    CHECK(progressLines >= 1);
    CHECK(progressLines <= 3);
    CHECK(err.find("lost nothing") != std::string::npos);

    const Json frames = Json::parse(readTextFile(s.liveOut));
    REQUIRE(frames.is_array());
    std::map<std::uint32_t, std::string> pathOf;
    std::map<std::uint32_t, std::uint64_t> dataBytes;
    for (const Json& f : frames) {
        const auto stream = f["stream"].get<std::uint32_t>();
        if (f["type"] == "HEADERS" && f["dir"] == "c2s")
            pathOf[stream] = header(f["headers"], ":path");
        if (f["type"] == "DATA" && f["dir"] == "s2c")
            dataBytes[stream] += f["data_length"].get<std::uint64_t>();
    }
    std::map<std::string, std::uint64_t> bodyOf;
    for (const auto& [stream, path] : pathOf) bodyOf[path] = dataBytes[stream];
    CHECK(bodyOf == std::map<std::string, std::uint64_t>{
                        {"/100k.bin", 100000}, {"/index.html", s.fileSize("/index.html")}});
}

TEST_CASE("live --count stops after N packets, and -w - writes exactly them as pcapng to stdout",
          "[live][loopback][uses-interface]") {
    REQUIRE_LIVE_TOOLS();
    LiveSetup s("count");
    REQUIRE(s.startServer());
    REQUIRE(s.startLive({"--count", "7", "-w", "-"}));
    int code = 0;
    runCommand("curl -sS --http2-prior-knowledge -o /dev/null " + s.url("/100k.bin"), &code);
    REQUIRE(code == 0);
    const auto exitCode = s.live->wait(5s);
    REQUIRE(exitCode);
    CHECK(*exitCode == 0);
    const std::string err = readTextFile(s.liveErr);
    INFO(err);
    CHECK(err.find("stopped by --count 7") != std::string::npos);
    CHECK(err.find("decoded 7 packets") != std::string::npos);
    auto source = openCapture(s.liveOut.string());  // stdout: a pcapng and nothing else
    const CopiedCapture got = readPackets(*source);
    CHECK(got.issues.empty());
    REQUIRE(got.packets.size() == 7);
    CHECK(got.packets[0].number == 1);
    for (std::size_t i = 1; i < got.packets.size(); ++i)
        CHECK(got.packets[i].ts >= got.packets[i - 1].ts);
}

// Issue 19: the GUI's child captures with --write-only and decodes the pipe itself; what it
// writes must be the whole traffic, and it must say it decoded nothing rather than "0 streams".
TEST_CASE("live --write-only writes every packet to -w and decodes nothing",
          "[live][loopback][uses-interface]") {
    REQUIRE_LIVE_TOOLS();
    LiveSetup s("write-only");
    REQUIRE(s.startServer());
    REQUIRE(s.startLive({"--write-only", "--stats", "-w", s.capture.string()}));
    int code = 0;
    const std::string load = runCommand("h2load -n 40 -c 2 -m 5 " + s.url("/16k.bin"), &code);
    REQUIRE(code == 0);
    REQUIRE(load.find("40 succeeded") != std::string::npos);
    const std::string err = s.stopLive();
    INFO(err);
    CHECK(err.find("decoded nothing (--write-only), wrote ") != std::string::npos);
    CHECK(err.find("lost nothing: every packet the filter passed was written\n") !=
          std::string::npos);
    CHECK(readTextFile(s.liveOut).empty());  // no streams table for a decode that did not run

    const std::string json = runCommand(
        shellQuote(cliPath().string()) + " streams --json " + shellQuote(s.capture.string()),
        &code);
    REQUIRE(code == 0);
    const Json streams = Json::parse(json);
    REQUIRE(streams.is_array());
    std::size_t whole = 0;
    for (const Json& j : streams)
        whole += j["end"] == "complete" && keyOf(j) == StreamKey{"/16k.bin", "200", 16384};
    CHECK(whole == 40);

    // Without a file there is nothing to do, and with a decode-only output it is a contradiction.
    for (const char* args :
         {" live -i lo --write-only", " live -i lo --write-only -w - --ndjson"}) {
        const std::string refused =
            runCommand(shellQuote(cliPath().string()) + args + " 2>&1", &code);
        CHECK(code == 2);
        CHECK(refused.find("--write-only") != std::string::npos);
    }
}

TEST_CASE("live -Y prints only the streams that match, and refuses the frames view",
          "[live][loopback][uses-interface]") {
    REQUIRE_LIVE_TOOLS();
    LiveSetup s("filter");
    REQUIRE(s.startServer());
    REQUIRE(s.startLive({"--ndjson", "--duration", "3", "-Y", "status:404"}));
    int code = 0;
    for (const char* path : {"/index.html", "/missing.html"}) {
        runCommand("curl -sS --http2-prior-knowledge -o /dev/null " + s.url(path), &code);
        REQUIRE(code == 0);
    }
    const auto exitCode = s.live->wait(10s);
    REQUIRE(exitCode);
    CHECK(*exitCode == 0);
    std::vector<Json> rows;
    std::istringstream out(readTextFile(s.liveOut));
    for (std::string line; std::getline(out, line);) rows.push_back(Json::parse(line));
    INFO(readTextFile(s.liveErr));
    REQUIRE(rows.size() == 1);
    CHECK(rows[0]["response_headers"][0][1] == "404");
    CHECK(readTextFile(s.liveErr).find("2 streams") != std::string::npos);  // both decoded

    const std::string refused = runCommand(
        shellQuote(cliPath().string()) + " live -i lo --view frames -Y status:404 2>&1", &code);
    CHECK(code != 0);
    CHECK(refused.find("filters the streams view") != std::string::npos);
}

// Issue 19: h2load at full speed (4 connections, 10 streams each) against nghttpd, decoded
// live with the defaults: every stream appears, nothing is lost, and `--stats` says so. The
// load (500 responses of 64 KiB, 33 MB) is smaller than the default kernel ring (64 MiB), so
// not even a stalled h2lens could lose a packet here; bench/live_load.sh runs the big loads.
TEST_CASE("live decodes a small h2load burst whole, every stream, nothing lost",
          "[live][loopback][uses-interface]") {
    REQUIRE_LIVE_TOOLS();
    LiveSetup s("small-load");
    writeBytes(s.dir.path() / "www" / "64k.bin", 65536, 4);
    REQUIRE(s.startServer());
    REQUIRE(s.startLive({"--ndjson", "--stats"}));
    int code = 0;
    const std::string load = runCommand("h2load -n 500 -c 4 -m 10 " + s.url("/64k.bin"), &code);
    REQUIRE(code == 0);
    REQUIRE(load.find("500 succeeded") != std::string::npos);
    const std::string err = s.stopLive();
    INFO(err);
    CHECK(err.find("h2lens: lost nothing: every packet the filter passed was decoded\n") !=
          std::string::npos);
    const std::vector<Json> streams = jsonLines(readTextFile(s.liveOut));
    CHECK(streams.size() == 500);
    std::size_t whole = 0;
    for (const Json& j : streams)
        whole += j["end"] == "complete" && keyOf(j) == StreamKey{"/64k.bin", "200", 65536};
    CHECK(whole == 500);
}
