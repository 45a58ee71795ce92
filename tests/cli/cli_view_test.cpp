// What a new user meets first: `h2lens -`, exit codes on broken files, messages that read well,
// the display filter (-Y), time formats (-t), --redact and --sort, on real captures.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "cli/cli_test_support.h"

using namespace h2lens::test;

namespace {

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

// A copy of a sample with only its first `keep` bytes (a capture whose writer was killed).
std::filesystem::path truncatedCopy(const char* name, std::size_t keep) {
    const auto src = sourceDir() / "samples" / name;
    std::ifstream in(src, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    const auto dst = std::filesystem::temp_directory_path() /
                     ("h2lens_cut_" + std::to_string(keep) + "_" + name);
    std::ofstream(dst, std::ios::binary)
        .write(bytes.data(), static_cast<std::streamsize>(std::min(keep, bytes.size())));
    return dst;
}

std::size_t fileSize(const char* name) {
    return std::filesystem::file_size(sourceDir() / "samples" / name);
}

}  // namespace

TEST_CASE("h2lens - and h2lens -q FILE run the summary", "[cli]") {
    int code = 0;
    const std::string viaStdin = runCommand(
        "cat " + sample("h2c_nghttp.pcap") + " | " + shellQuote(cliPath().string()) + " - 2>&1",
        &code);
    CHECK(code == 0);
    // Standard input is named in words, not as "-:".
    CHECK(viaStdin.rfind("standard input: 14 packets", 0) == 0);
    const std::string quiet = cli("-q " + sample("h2c_nghttp.pcap"), &code);
    CHECK(code == 0);
    CHECK(quiet.find("6 streams") != std::string::npos);
    CHECK(cli("--version", &code).find("h2lens") != std::string::npos);
    CHECK(code == 0);
}

TEST_CASE("Counts read as English and empty sections print no heading", "[cli]") {
    const std::string one = cli(sample("h2c_nghttp.pcap"));
    CHECK(one.find("1 TCP connection (1 HTTP/2)") != std::string::npos);
    CHECK(one.find("0 anomalies") != std::string::npos);
    CHECK(one.find("1 TCP connections") == std::string::npos);
    const std::string stats = cli("streams --stats " + sample("h2c_nghttp.pcap"), nullptr, true);
    CHECK(stats.find(", 1 TCP connection, peak memory") != std::string::npos);
    const std::string two = cli("export --ndjson --stats --jobs 1 -o /dev/null " +
                                    sample("h2c_nghttp.pcap") + " " + sample("h2c_curl_post.pcap"),
                                nullptr, true);
    CHECK(two.find("stats: 2 captures, 1 job") != std::string::npos);
    // Without --jobs, list order takes half the cores (at least one, at most the captures) and
    // --interleave one per core.
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    auto jobsText = [](unsigned j) {
        return j == 1 ? std::string("1 job") : fmt::format("{} jobs", j);
    };
    const std::string files = sample("h2c_nghttp.pcap") + " " + sample("h2c_curl_post.pcap");
    const std::string listOrder =
        cli("export --ndjson --stats -o /dev/null " + files, nullptr, true);
    CHECK(listOrder.find("stats: 2 captures, " + jobsText(std::min(2u, std::max(1u, cores / 2))) +
                         ";") != std::string::npos);
    const std::string interleaved =
        cli("export --ndjson --stats --interleave -o /dev/null " + files, nullptr, true);
    CHECK(interleaved.find("stats: 2 captures, " + jobsText(std::min(2u, cores)) + ",") !=
          std::string::npos);
    CHECK(one.find("  6 streams") != std::string::npos);
    // No anomalies, no stalls: no such headings.
    CHECK(one.find("\nAnomalies") == std::string::npos);
    CHECK(one.find("Flow-control stalls") == std::string::npos);
    const std::string nano = cli(sample("h2c_nano.pcap"));
    CHECK(nano.find("h2c (prior knowledge)  1 stream\n") != std::string::npos);
    // A filter that matches nothing leaves the sections out too.
    const std::string none = cli("-Y status:599 " + sample("h2c_nghttp.pcap"));
    CHECK(none.find("0 of 6 streams match") != std::string::npos);
    CHECK(none.find("\nStreams") == std::string::npos);
    CHECK(none.find("\nConnections") == std::string::npos);
    CHECK(none.find("Slowest") == std::string::npos);
}

TEST_CASE(
    "The exit code is 0 when clean, 1 for a damaged file or --strict findings and 2 when "
    "unreadable",
    "[cli]") {
    int code = -1;
    cli(sample("h2c_nghttp.pcap"), &code);
    CHECK(code == 0);

    // Cut in the middle of the last packet: decoded up to there, the loss said once, exit 1.
    const auto cut = truncatedCopy("h2c_nghttp.pcap", fileSize("h2c_nghttp.pcap") - 10);
    const std::string err = cli("-q " + shellQuote(cut.string()), &code, false);
    CHECK(code == 1);
    CHECK(err.find("13 packets") != std::string::npos);
    const std::string said = runCommand(shellQuote(cliPath().string()) + " streams " +
                                            shellQuote(cut.string()) + " 2>&1 >/dev/null",
                                        &code);
    CHECK(code == 1);
    CHECK(said.find("packet 14: file truncated") != std::string::npos);
    CHECK(said.find("packet 14: packet 14") == std::string::npos);

    // Only the file header and half a packet header: nothing decoded is unreadable.
    const auto stub = truncatedCopy("h2c_nghttp.pcap", 24 + 8);
    const std::string stubErr = cli("streams " + shellQuote(stub.string()), &code, true);
    CHECK(code == 2);
    CHECK(stubErr.find("no packet could be read") != std::string::npos);

    // The same for pcapng.
    const auto cutNg = truncatedCopy("h2c_dumpcap.pcapng", fileSize("h2c_dumpcap.pcapng") - 10);
    cli("frames -q " + shellQuote(cutNg.string()), &code);
    CHECK(code == 1);

    std::filesystem::remove(cut);
    std::filesystem::remove(stub);
    std::filesystem::remove(cutNg);
}

TEST_CASE("With --strict, anomalies and capture problems exit 1", "[cli][real]") {
    H2LENS_REQUIRE_SHARED();
    const auto capture = shellQuote(
        (sharedDir() / "corpus/pcaps/suricata-verify/http2-long-frame/input.pcap").string());
    int code = -1;
    const std::string out = cli("-q " + capture, &code);
    REQUIRE(out.find(" 0 anomalies") == std::string::npos);
    CHECK(code == 0);
    cli("-q --strict " + capture, &code);
    CHECK(code == 1);
    cli("--strict " + sample("h2c_nghttp.pcap"), &code);
    CHECK(code == 0);
}

TEST_CASE("A connection or stream that is not there is an error, not an empty table", "[cli]") {
    int code = 0;
    const std::string err = cli("streams --conn 7 " + sample("h2c_nghttp.pcap"), &code, true);
    CHECK(code == 2);
    CHECK(err ==
          "h2lens: no connection 7: the capture has 1 TCP connection, id 0 (`h2lens flows` "
          "lists them)\n");
    cli("frames --conn 7 " + sample("h2c_nghttp.pcap"), &code);
    CHECK(code == 2);
    const std::string follow =
        cli("follow --conn 0 --stream 99 " + sample("h2c_nghttp.pcap"), &code, true);
    CHECK(code == 2);
    CHECK(follow.find("no stream 99 on connection 0") != std::string::npos);
}

TEST_CASE("streams come sorted by connection, then start, and --sort changes the order", "[cli]") {
    const auto rows = nlohmann::json::parse(cli("streams --json " + sample("h2load_small.pcap")));
    REQUIRE(rows.size() > 4);
    for (std::size_t i = 1; i < rows.size(); ++i) {
        const auto& a = rows[i - 1];
        const auto& b = rows[i];
        CHECK(a["conn"].get<int>() <= b["conn"].get<int>());
        if (a["conn"] == b["conn"]) CHECK(a["start"].get<double>() <= b["start"].get<double>());
    }
    const auto byDuration =
        nlohmann::json::parse(cli("streams --json --sort duration " + sample("h2load_small.pcap")));
    REQUIRE(byDuration.size() == rows.size());
    for (std::size_t i = 1; i < byDuration.size(); ++i) {
        CHECK(byDuration[i - 1]["duration"].get<double>() >=
              byDuration[i]["duration"].get<double>());
    }
    int code = 0;
    cli("streams --sort sideways " + sample("h2load_small.pcap"), &code);
    CHECK(code == 2);  // a bad command line, like an unreadable file
}

TEST_CASE("The display filter (-Y) selects streams in streams, frames, export and follow",
          "[cli]") {
    const std::string nghttp = sample("h2c_nghttp.pcap");
    // streams: the 404 alone.
    auto rows = lines(cli("streams -Y status:4xx " + nghttp));
    REQUIRE(rows.size() == 2);  // heading + one row
    CHECK(rows[1].find("/missing.html") != std::string::npos);
    rows = lines(cli("streams -Y '!status:4xx method:get' " + nghttp));
    CHECK(rows.size() == 6);
    CHECK(lines(cli("streams -Y 'dur>1s' " + nghttp)) ==
          std::vector<std::string>{"no HTTP/2 stream matches"});

    // frames: only the frames of the selected stream, in capture order.
    const auto frames = lines(cli("frames -Y 'path:missing' " + nghttp));
    REQUIRE(frames.size() > 2);
    double last = -1;
    std::size_t frameLines = 0;
    for (const std::string& l : frames) {
        if (l.rfind("[", 0) != 0) continue;  // a header field line
        ++frameLines;
        CHECK(l.find(" stream 23 ") != std::string::npos);
        const double t = std::stod(l.substr(1));
        CHECK(t >= last);
        last = t;
    }
    CHECK(frameLines >= 3);  // HEADERS both ways and the DATA
    // Connection frames (stream 0) are judged as a stream without headers: conn:0 keeps them.
    const auto conn0 = cli("frames -Y conn:0 " + nghttp);
    CHECK(conn0 == cli("frames " + nghttp));

    // export: the document holds the matching streams and their connection only.
    const auto doc = nlohmann::json::parse(cli("export -Y status:404 -o - " + nghttp));
    REQUIRE(doc["connections"].size() == 1);
    REQUIRE(doc["connections"][0]["streams"].size() == 1);
    CHECK(doc["connections"][0]["streams"][0]["id"] == 23);
    const auto none = nlohmann::json::parse(cli("export -Y status:500 -o - " + nghttp));
    CHECK(none["connections"].empty());
    // NDJSON: one stream record, the 404.
    std::size_t streamRecords = 0;
    for (const auto& l : lines(cli("export --ndjson -Y status:404 -o - " + nghttp))) {
        if (nlohmann::json::parse(l)["record"] == "stream") ++streamRecords;
    }
    CHECK(streamRecords == 1);

    // follow needs no --conn with a filter.
    int code = 0;
    const std::string f = cli("follow -Y path:style.css " + nghttp, &code);
    CHECK(code == 0);
    CHECK(f.find("== conn 0 stream 15") != std::string::npos);
    CHECK(f.find("== conn 0 stream 13") == std::string::npos);
    cli("follow " + nghttp, &code);
    CHECK(code == 2);
}

TEST_CASE("A filter that cannot be read is refused with what is wrong", "[cli]") {
    int code = 0;
    const std::string err =
        cli("streams -Y 'stauts:404 dur>fast' " + sample("h2c_nghttp.pcap"), &code, true);
    CHECK(code == 2);
    CHECK(err.find("'stauts:404': unknown key") != std::string::npos);
    CHECK(err.find("'dur>fast'") != std::string::npos);
}

TEST_CASE("Times (-t) print as tshark's -t letters do", "[cli]") {
    const std::string nghttp = sample("h2c_nghttp.pcap");
    const auto json = lines(cli("frames --json " + nghttp));
    const auto epoch = lines(cli("frames -t e " + nghttp));
    const auto delta = lines(cli("frames -t d " + nghttp));
    const auto utc = lines(cli("frames -t ud " + nghttp));
    std::vector<std::string> epochFrames, deltaFrames, utcFrames;
    for (const auto& l : epoch)
        if (l.rfind("[", 0) == 0) epochFrames.push_back(l);
    for (const auto& l : delta)
        if (l.rfind("[", 0) == 0) deltaFrames.push_back(l);
    for (const auto& l : utc)
        if (l.rfind("[", 0) == 0) utcFrames.push_back(l);
    REQUIRE(epochFrames.size() == json.size());
    REQUIRE(deltaFrames.size() == json.size());
    double previous = 0;
    for (std::size_t i = 0; i < json.size(); ++i) {
        const auto j = nlohmann::json::parse(json[i]);
        const double time = j["time"].get<double>();
        CHECK(std::stod(epochFrames[i].substr(1)) == Approx(time).margin(2e-6));
        const double d = std::stod(deltaFrames[i].substr(1));
        CHECK(d == Approx(i == 0 ? 0.0 : time - previous).margin(2e-6));
        previous = time;
        // 2023-...: a date and a time of day, in UTC.
        CHECK(utcFrames[i].size() > 28);
        CHECK(utcFrames[i][5] == '-');
        CHECK(utcFrames[i][11] == ' ');
        CHECK(utcFrames[i][14] == ':');
    }
    int code = 0;
    cli("frames -t x " + nghttp, &code);
    CHECK(code == 2);
    // streams and follow take it too.
    CHECK(cli("streams -t e " + nghttp).find(" start ") != std::string::npos);
    CHECK(cli("follow --conn 0 --stream 13 -t d " + nghttp).find("[   0.000000] > HEADERS") !=
          std::string::npos);
}

TEST_CASE("frames hides --redact values, colours only when asked, and leaves no trailing spaces",
          "[cli]") {
    const std::string nghttp = sample("h2c_nghttp.pcap");
    const std::string plain = cli("frames " + nghttp);
    REQUIRE(plain.find("user-agent: nghttp2/") != std::string::npos);
    const std::string redacted = cli("frames --redact user-agent,cookie " + nghttp);
    CHECK(redacted.find("user-agent: nghttp2/") == std::string::npos);
    CHECK(redacted.find("user-agent: [REDACTED]") != std::string::npos);
    const std::string redactedJson = cli("frames --json --redact user-agent " + nghttp);
    CHECK(redactedJson.find("[\"user-agent\",\"nghttp2/") == std::string::npos);
    CHECK(redactedJson.find("[\"user-agent\",\"[REDACTED]\"]") != std::string::npos);
    CHECK(plain.find("\033[") == std::string::npos);
    const std::string colour = cli("frames --color always " + nghttp);
    CHECK(colour.find("\033[36m[") != std::string::npos);  // requests cyan
    CHECK(colour.find("\033[32m[") != std::string::npos);  // responses green
    for (const std::string& l : lines(plain)) {
        INFO(l);
        CHECK((l.empty() || l.back() != ' '));
    }
}

TEST_CASE("TLS without keys says to pass --keylog, and with keys it says nothing of it",
          "[cli][real]") {
    H2LENS_REQUIRE_SHARED();
    const auto dir = sharedDir() / "captures/03b_tls12_curl_python_nginx";
    const std::string capture = shellQuote((dir / "capture.pcap").string());
    const std::string without = cli("-q " + capture);
    CHECK(without.find("no key for this client random; no key log was given: pass --keylog") !=
          std::string::npos);
    const std::string wrongKeys =
        cli("-q --keylog " + shellQuote((dir / "server_keylog.txt").string()) + " " +
            shellQuote((sharedDir() / "captures/03a_tls13_curl_nginx/capture.pcap").string()));
    CHECK(wrongKeys.find("pass --keylog") == std::string::npos);
}

TEST_CASE("frames shows ALTSVC fields and padding as tshark decodes them", "[cli][real]") {
    H2LENS_REQUIRE_SHARED();
    const auto dir = sharedDir() / "captures/15_python_h2_server";
    const auto text = lines(cli("frames -q " + shellQuote((dir / "capture.pcap").string())));
    std::size_t altsvc = 0;
    for (const std::string& l : text) {
        if (l.find(" ALTSVC ") == std::string::npos) continue;
        ++altsvc;
        // python-h2's server advertised h2 on 8443 for its origin on stream 0 (RFC 7838 §4),
        // and on stream 23 for that stream's own origin (the origin field empty).
        if (l.find(" stream 0 ") != std::string::npos) {
            CHECK(l.find("(origin=http://127.0.0.1:8089, field_value=h2=\"127.0.0.1:8443\"; "
                         "ma=60)") != std::string::npos);
        } else {
            CHECK(l.find("(origin=, field_value=h2=\":8443\"; ma=3600)") != std::string::npos);
        }
    }
    // tshark's reference: every padded DATA frame with its pad length, in the same order.
    std::vector<std::string> expected;
    std::ifstream ref(dir / "reference/frames.jsonl");
    std::size_t refAltsvc = 0;
    for (std::string l; std::getline(ref, l);) {
        const auto j = nlohmann::json::parse(l);
        if (j["type_name"] == "ALTSVC") ++refAltsvc;
        if (j.contains("pad_length"))
            expected.push_back("[pad_length=" + std::to_string(j["pad_length"].get<int>()) + "]");
    }
    CHECK(altsvc == refAltsvc);
    std::vector<std::string> got;
    for (const std::string& l : text) {
        const auto at = l.find("[pad_length=");
        if (at != std::string::npos) got.push_back(l.substr(at));
    }
    REQUIRE(!expected.empty());
    CHECK(got == expected);
}

TEST_CASE(
    "After a clock step back the duration is earliest to latest packet, and the summary says so",
    "[cli]") {
    // tests/data/issue14/clock_step.pcap: h2c_nano.pcap with packets 17.. an hour earlier.
    const std::string capture =
        shellQuote((sourceDir() / "tests/data/issue14/clock_step.pcap").string());
    int code = -1;
    const std::string out = cli(capture, &code, true);
    CHECK(code == 0);  // a capture problem, not a damaged file
    // capinfos: "Capture duration: 3599.999983435 seconds".
    CHECK(out.find("31 packets over 3600.000 s") != std::string::npos);
    CHECK(out.find("times go backwards at 1 packet (by up to 3600.000 s)") != std::string::npos);
    CHECK(out.find("packet 17: time goes backwards") != std::string::npos);
    cli("--strict " + capture, &code);
    CHECK(code == 1);
    // The unmodified sample says nothing of the kind.
    CHECK(cli(sample("h2c_nano.pcap")).find("backwards") == std::string::npos);
}

TEST_CASE("A resynced mid-connection gRPC call keeps tshark's times and its real duration",
          "[cli][real]") {
    H2LENS_REQUIRE_SHARED();
    // deepflow's grpc-unknown.pcap: 3 packets, the request (t=0) and the response (t=2.251 ms,
    // END_STREAM at 2.405 ms, as tshark -T fields -e frame.time_relative shows). The response
    // direction regains frame sync first, so its frames are applied first.
    const auto capture =
        shellQuote((sharedDir() / "corpus/pcaps/deepflow/grpc-unknown.pcap").string());
    const auto rows = nlohmann::json::parse(cli("streams -q --json " + capture));
    REQUIRE(rows.size() == 1);
    CHECK(rows[0]["start"].get<double>() == Approx(0.0).margin(1e-9));
    CHECK(rows[0]["duration"].get<double>() == Approx(0.002405).margin(1e-6));
    std::size_t at0 = 0;
    bool responseSeen = false;
    for (const auto& l : lines(cli("frames -q --json " + capture))) {
        const auto j = nlohmann::json::parse(l);
        // The request comes first, as on the wire, though its direction synced last.
        if (j["dir"] == "s2c") responseSeen = true;
        if (j["dir"] == "c2s") CHECK_FALSE(responseSeen);
    }
    for (const auto& l : lines(cli("frames -q --json " + capture))) {
        const auto j = nlohmann::json::parse(l);
        if (j["dir"] == "c2s") {
            CHECK(j["t"].get<double>() == Approx(0.0).margin(1e-9));
            ++at0;
        } else {
            CHECK(j["t"].get<double>() >= 0.002251 - 1e-9);
        }
    }
    CHECK(at0 == 2);
}

TEST_CASE("Binary header values are escaped in frames text, never sent raw to a terminal",
          "[cli]") {
    // tests/data/issue18/h2c_bin_header_ff.pcap: gRPC-style x-trace-bin metadata 0xff 0x01 "abc".
    const std::string out =
        cli("frames -q " +
            shellQuote((sourceDir() / "tests/data/issue18/h2c_bin_header_ff.pcap").string()));
    CHECK(out.find("x-trace-bin: \"\\xff\\x01abc\"") != std::string::npos);
    CHECK(out.find('\xff') == std::string::npos);
    CHECK(out.find('\x01') == std::string::npos);
}

TEST_CASE("Rows sorted in runs on disk past --sort-memory print as they do in memory",
          "[cli][real][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    // 64 KiB (the least --sort-memory takes) holds about 200 table rows: capture 05's 2,000
    // streams take several runs in every view, capture 09's 207 some in --json.
    const std::pair<std::string, bool> captures[] = {
        {shellQuote(
             (sharedDir() / "captures/05_many_streams_h2load_nghttpd/capture.pcap").string()),
         true},
        {shellQuote((sharedDir() / "captures/09_netem_loss_reorder/capture.pcap").string()), false},
    };
    for (const auto& [capture, alwaysRuns] : captures) {
        for (const char* view : {"", "--json ", "-t d ", "--priority "}) {
            for (const char* sort : {"conn", "start", "duration", "bytes", "status", "end"}) {
                const std::string args = std::string("streams ") + view + "--sort " + sort + " ";
                INFO(args << capture);
                const std::string inMemory = cli(args + capture);
                REQUIRE(!inMemory.empty());
                const std::string stats =
                    cli(args + "--sort-memory 1KiB --stats " + capture, nullptr, true);
                const bool runs =
                    stats.find(" runs on disk (past --sort-memory)") != std::string::npos;
                // In completion order rows are printed as streams end: none wait.
                if (std::string(sort) == "end") CHECK(!runs);
                if (std::string(sort) != "end" && alwaysRuns) CHECK(runs);
                CHECK(cli(args + "--sort-memory 1KiB " + capture) == inMemory);
            }
        }
    }
    // No temporary file to be had: the rows stay in memory, all of them, and stderr says so.
    const std::string& capture = captures[0].first;
    const std::string inMemory = cli("streams " + capture);
    int code = -1;
    const std::string both =
        runCommand("TMPDIR=/nonexistent/h2lens " + shellQuote(cliPath().string()) +
                       " streams --sort-memory 1KiB " + capture + " 2>&1",
                   &code);
    CHECK(code == 0);
    CHECK(both.find("no temporary file could be written in $TMPDIR (or /tmp): the rows stayed "
                    "in memory past --sort-memory") != std::string::npos);
    CHECK(runCommand("TMPDIR=/nonexistent/h2lens " + shellQuote(cliPath().string()) +
                     " streams --sort-memory 1KiB " + capture + " 2>/dev/null") == inMemory);
}

TEST_CASE(
    "streams --sort end prints each row from a pipe as its stream ends, before the input does",
    "[cli]") {
    const std::string file = sample("h2load_small.pcap");
    const std::string whole = cli("streams --sort end " + file);
    REQUIRE(std::count(whole.begin(), whole.end(), '\n') > 100);
    // The writer holds the pipe open for 4 s after the capture; h2lens is stopped after 3 s
    // (room for a sanitizer build on a busy machine), so only what it printed as the streams
    // ended is there.
    const std::string early =
        runCommand("(cat " + file + "; sleep 4) | timeout 3 " + shellQuote(cliPath().string()) +
                   " streams --sort end - 2>/dev/null");
    CHECK(early == whole);
    // Sorted by connection, rows wait for the end of the input.
    const std::string sorted =
        runCommand("(cat " + file + "; sleep 2) | timeout 1 " + shellQuote(cliPath().string()) +
                   " streams - 2>/dev/null");
    CHECK(sorted.empty());
}
