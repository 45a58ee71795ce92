// `h2lens export --ndjson A B DIR/ --jobs N`: several captures into one stream of records, each
// tagged with its capture, in the same order whatever N (with --interleave, the same records,
// mixed as they are made); bad files reported and skipped.
#include <unistd.h>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "test_support.h"

using namespace h2lens::test;
namespace fs = std::filesystem;

namespace {

std::string cli(const std::string& args, int* code = nullptr) {
    return runCommand(shellQuote(cliPath().string()) + " " + args, code);
}

std::string capture(const char* scenario) {
    return (sharedDir() / "captures" / scenario / "capture.pcap").string();
}

std::vector<nlohmann::json> lines(const std::string& ndjson) {
    std::vector<nlohmann::json> out;
    std::istringstream in(ndjson);
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
}

// The captures, in the order their records appear (each capture's records contiguous), or empty
// when a capture's records are split.
std::vector<std::string> captureOrder(const std::vector<nlohmann::json>& records) {
    std::vector<std::string> order;
    for (const auto& r : records) {
        const std::string c = r.value("capture", "");
        if (order.empty() || order.back() != c) {
            if (std::find(order.begin(), order.end(), c) != order.end()) return {};
            order.push_back(c);
        }
    }
    return order;
}

// The records of one capture exported alone, with the "capture" field it gets among others.
std::string taggedAlone(const std::string& path) {
    std::string out;
    const std::string tag = nlohmann::json(path).dump();
    std::istringstream in(cli("export -q --ndjson " + shellQuote(path)));
    for (std::string line; std::getline(in, line);) {
        // {"record":"stream",... -> {"record":"stream","capture":"<path>",...
        const std::size_t comma = line.find(',');
        out += line.substr(0, comma) + ",\"capture\":" + tag + line.substr(comma) + "\n";
    }
    return out;
}

struct TempDir {
    fs::path path;
    explicit TempDir(const std::string& name)
        : path(fs::temp_directory_path() / (name + std::to_string(::getpid()))) {
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
};

// 01 (the slowest and largest), 05 (2,000 streams), 04 (records over 4 MiB).
std::vector<std::string> slowFirstCaptures() {
    return {capture("01_h2c_prior_knowledge"), capture("05_many_streams_h2load_nghttpd"),
            capture("04_post_upload")};
}

std::string quotedArgs(const std::vector<std::string>& files) {
    std::string args;
    for (const auto& f : files) args += " " + shellQuote(f);
    return args;
}

}  // namespace

TEST_CASE("export --ndjson of several captures gives the same bytes with 1, 2 and 3 jobs",
          "[uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    // 01 is the slowest and largest: with 3 jobs the later captures finish first and wait for it
    // (04's records are larger than the 4 MiB held in memory, so they go through a temp file).
    const std::vector<std::string> files = slowFirstCaptures();
    const std::string args = quotedArgs(files);
    int code1 = -1, code2 = -1, code3 = -1;
    const std::string one = cli("export -q --ndjson --jobs 1" + args, &code1);
    const std::string two = cli("export -q --ndjson --jobs 2" + args, &code2);
    const std::string three = cli("export -q --ndjson --jobs 3 --threads 2" + args, &code3);
    CHECK(code1 == 0);
    CHECK(code2 == 0);
    CHECK(code3 == 0);
    REQUIRE(!one.empty());
    CHECK(one == two);
    CHECK(one == three);

    // Each capture's records are contiguous, in argument order, and are the records of that
    // capture exported alone with "capture" added after "record".
    const auto records = lines(one);
    CHECK(captureOrder(records) == files);
    std::string expected;
    for (const auto& f : files) expected += taggedAlone(f);
    CHECK(one == expected);
    std::map<std::string, int> streams;
    for (const auto& r : records) {
        REQUIRE(r.contains("capture"));
        if (r["record"] == "stream") ++streams[r["capture"]];
    }
    CHECK(streams[files[1]] == 2000);  // INDEX.md: 2000 requests
}

TEST_CASE("export --interleave gives the same records as list order, each capture's in its order",
          "[uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    // 05 writes 2,000 records while 01 (listed first) is still decoding: interleaved, they mix.
    const std::vector<std::string> files = slowFirstCaptures();
    const std::string args = quotedArgs(files);
    int code1 = -1, code2 = -1;
    const std::string listed = cli("export -q --ndjson --jobs 1" + args, &code1);
    const std::string mixed = cli("export -q --ndjson --jobs 3 --interleave" + args, &code2);
    CHECK(code1 == 0);
    CHECK(code2 == 0);
    REQUIRE(!listed.empty());
    // Every line whole (each parses), tagged, and per capture the same lines in the same order.
    std::map<std::string, std::vector<std::string>> byCaptureListed, byCaptureMixed;
    auto split = [](const std::string& ndjson, auto& byCapture) {
        std::istringstream in(ndjson);
        std::size_t n = 0;
        for (std::string line; std::getline(in, line); ++n) {
            const auto record = nlohmann::json::parse(line);
            REQUIRE(record.contains("capture"));
            byCapture[record["capture"].get<std::string>()].push_back(line);
        }
        return n;
    };
    CHECK(split(listed, byCaptureListed) == split(mixed, byCaptureMixed));
    CHECK(byCaptureMixed.size() == files.size());
    for (const auto& f : files) {
        INFO(f);
        CHECK(byCaptureMixed[f] == byCaptureListed[f]);
    }
    CHECK(mixed.size() == listed.size());

    // A file that is not a capture is skipped as in list order; the others are all there.
    TempDir dir("h2lens_interleave_bad");
    const fs::path text = dir.path / "notes.pcap";
    std::ofstream(text) << "not a capture\n";
    int code = -1;
    const std::string good = capture("13_grpc_python");
    const std::string out =
        cli("export -q --ndjson --jobs 2 --interleave " + shellQuote(text.string()) + " " +
                shellQuote(good) + " 2>/dev/null",
            &code);
    CHECK(code == 1);
    CHECK(out == taggedAlone(good));
    // It is a choice for several captures: the document and HAR have one order only.
    cli("export -q --interleave " + shellQuote(good) + " >/dev/null 2>&1", &code);
    CHECK(code == 2);
}

TEST_CASE("export of one capture has no capture field unless --capture-field asks",
          "[uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const std::string f = shellQuote(capture("13_grpc_python"));
    const std::string plain = cli("export -q --ndjson " + f);
    REQUIRE(!plain.empty());
    CHECK(plain.find("\"capture\":\"") == std::string::npos);
    CHECK(cli("export -q --ndjson --jobs 4 " + f) == plain);
    const auto tagged = lines(cli("export -q --ndjson --capture-field " + f));
    REQUIRE(!tagged.empty());
    for (const auto& r : tagged) CHECK(r.value("capture", "") == capture("13_grpc_python"));
    int code = -1;
    cli("export -q --capture-field " + f + " 2>/dev/null", &code);
    CHECK(code == 2);  // the document has no records to tag
}

TEST_CASE("export skips a missing file and a file that is not a capture, and keeps the others",
          "[uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    TempDir dir("h2lens_multi_bad");
    const fs::path text = dir.path / "notes.pcap";
    std::ofstream(text) << "not a capture\n";
    const fs::path missing = dir.path / "missing.pcap";
    const std::string good = capture("13_grpc_python");
    const fs::path err = dir.path / "stderr.txt";
    int code = -1;
    const std::string out =
        cli("export -q --ndjson --jobs 2 " + shellQuote(text.string()) + " " + shellQuote(good) +
                " " + shellQuote(missing.string()) + " 2>" + shellQuote(err.string()),
            &code);
    CHECK(code == 1);
    CHECK(out == taggedAlone(good));
    std::ifstream e(err);
    const std::string messages(std::istreambuf_iterator<char>(e), {});
    CHECK(messages.find(text.string()) != std::string::npos);
    CHECK(messages.find(missing.string()) != std::string::npos);
    CHECK(messages.find("skipped") != std::string::npos);
    CHECK(messages.find("2 of 3 captures skipped") != std::string::npos);

    // Nothing exportable at all: exit code 2.
    cli("export -q --ndjson " + shellQuote(text.string()) + " " + shellQuote(missing.string()) +
            " >/dev/null 2>&1",
        &code);
    CHECK(code == 2);
}

TEST_CASE("export keeps what a truncated capture held before the damage and exits 1",
          "[uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    TempDir dir("h2lens_multi_cut");
    const std::string whole = capture("05_many_streams_h2load_nghttpd");
    const fs::path cut = dir.path / "cut.pcap";
    fs::copy_file(whole, cut);
    fs::resize_file(cut, fs::file_size(cut) / 2 + 7);  // ends inside a packet record
    const std::string good = capture("13_grpc_python");
    int code = -1;
    const auto records = lines(cli(
        "export -q --ndjson " + shellQuote(cut.string()) + " " + shellQuote(good) + " 2>/dev/null",
        &code));
    CHECK(code == 1);
    CHECK(captureOrder(records) == std::vector<std::string>{cut.string(), good});
    int cutStreams = 0;
    for (const auto& r : records)
        if (r["record"] == "stream" && r["capture"] == cut.string()) ++cutStreams;
    CHECK(cutStreams > 0);
    CHECK(cutStreams < 2000);
}

TEST_CASE("export searches directories recursively for captures, in path order",
          "[uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    TempDir dir("h2lens_multi_dir");
    fs::create_directories(dir.path / "b" / "deeper");
    fs::create_directories(dir.path / "a");
    fs::copy_file(capture("13_grpc_python"), dir.path / "b" / "deeper" / "grpc.pcap");
    // No capture extension: found by its magic number.
    fs::copy_file(capture("06_server_push"), dir.path / "a" / "push.dump");
    fs::copy_file(capture("07_continuation"), dir.path / "top.pcap");
    std::ofstream(dir.path / "README.txt") << "captures of the night\n";
    const std::string d = dir.path.string() + "/";
    int code = -1;
    const auto records = lines(cli("export -q --ndjson " + shellQuote(d), &code));
    CHECK(code == 0);
    CHECK(captureOrder(records) ==
          std::vector<std::string>{d + "a/push.dump", d + "b/deeper/grpc.pcap", d + "top.pcap"});
    // A directory with one capture still tags it: the name is not on the command line.
    fs::remove(dir.path / "a" / "push.dump");
    fs::remove(dir.path / "top.pcap");
    const auto single = lines(cli("export -q --ndjson " + shellQuote(d)));
    REQUIRE(!single.empty());
    CHECK(single.front().value("capture", "") == d + "b/deeper/grpc.pcap");
}

TEST_CASE("export --max-retained-total lets idle bodies go and keeps their size and sha256",
          "[uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    // 01: nine parallel GETs with bodies up to 5 MiB; with a total of one byte, every body but
    // the one receiving DATA is let go whenever another stream receives some.
    const std::string f = shellQuote(capture("01_h2c_prior_knowledge"));
    const auto whole = lines(cli("export -q --ndjson " + f));
    const auto tight = lines(cli("export -q --ndjson --max-retained-total 1 " + f));
    REQUIRE(whole.size() == tight.size());
    int released = 0;
    for (std::size_t i = 0; i < whole.size(); ++i) {
        if (whole[i]["record"] != "stream") {
            CHECK(whole[i] == tight[i]);
            continue;
        }
        for (const char* side : {"request", "response"}) {
            const auto& a = whole[i][side]["body"];
            const auto& b = tight[i][side]["body"];
            CHECK(a["size"] == b["size"]);
            CHECK(a["sha256"] == b["sha256"]);
            if (b.value("released", false)) {
                ++released;
                CHECK(b["shown_bytes"].get<std::uint64_t>() < a["size"].get<std::uint64_t>());
                CHECK(b["truncated"] == true);
            } else {
                CHECK(a == b);
            }
        }
    }
    CHECK(released > 0);
    CHECK(cli("export -q --ndjson " + f).find("\"released\"") == std::string::npos);
}
