// `h2lens audit` as a user runs it: the report, --threshold, --fail-on exit codes, --json,
// several files, and bad input.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_support.h"

using namespace h2lens::test;

namespace {

std::string attack(const std::string& name) {
    return shellQuote((sourceDir() / "tests" / "data" / "attacks" / (name + ".pcap")).string());
}

std::string runH2lens(const std::string& args, int* code = nullptr) {
    return runCommand(shellQuote(cliPath().string()) + " " + args + " 2>&1", code);
}

}  // namespace

TEST_CASE("h2lens audit names the finding, peer, figures, span and reference in its report",
          "[uses-captures]") {
    int code = -1;
    const std::string out = runH2lens("audit " + attack("rapid-reset"), &code);
    CHECK(code == 0);
    CHECK(out.find("rapid-reset.pcap: 1 finding (1 attack) in 1 HTTP/2 connection\n") !=
          std::string::npos);
    CHECK(out.find("\n  conn 0  127.0.0.1:") != std::string::npos);
    CHECK(out.find("    attack   rapid reset (CVE-2023-44487, RFC 9113 §10.5)\n") !=
          std::string::npos);
    CHECK(out.find("             from the client 127.0.0.1:") != std::string::npos);
    CHECK(out.find("1000 streams reset by the client right after opening them; peak ") !=
          std::string::npos);
    CHECK(out.find("(threshold 100/s)") != std::string::npos);
    CHECK(out.find(" s): 20") != std::string::npos);  // the span in UTC too
    CHECK(out.find(" UTC\n") != std::string::npos);
}

TEST_CASE("h2lens audit says in one line that a capture has no findings", "[uses-captures]") {
    int code = -1;
    const std::string out = runH2lens("audit " + attack("ordinary-h2load-m100"), &code);
    CHECK(code == 0);
    const std::string line = "ordinary-h2load-m100.pcap: no findings in 1 HTTP/2 connection\n";
    REQUIRE(out.size() > line.size());
    CHECK(out.substr(out.size() - line.size()) == line);
    CHECK(out.find('\n') == out.size() - 1);
    CHECK(runH2lens("audit --json " + attack("ordinary-h2load-m100")).empty());
}

TEST_CASE("h2lens audit --threshold moves a threshold, and off turns a finding off",
          "[uses-captures]") {
    // 1000 PINGs at up to 1000 a second: found at the default and at 999/s, not at 2000/s.
    CHECK(runH2lens("audit --json --threshold ping-flood=999/s " + attack("ping-flood"))
              .find("\"kind\":\"ping-flood\"") != std::string::npos);
    CHECK(runH2lens("audit --json --threshold ping-flood=2000/s " + attack("ping-flood")).empty());
    CHECK(runH2lens("audit --json --threshold ping-flood=off " + attack("ping-flood")).empty());
    // Repeatable; h2load sends no reset at all, so even 1/s finds nothing there.
    CHECK(runH2lens("audit --json --threshold reset-flood=1/s --threshold rapid-reset=1/s " +
                    attack("ordinary-h2load-m100"))
              .empty());
}

TEST_CASE("h2lens audit refuses a bad --threshold with exit code 2", "[uses-captures]") {
    int code = -1;
    std::string out =
        runH2lens("audit --threshold rapid-reset=fast " + attack("ping-flood"), &code);
    CHECK(code == 2);
    CHECK(out ==
          "h2lens: --threshold rapid-reset: 'fast' is not a count per second (100/s or 100), or "
          "off\n");
    out = runH2lens("audit --threshold nosuch=1 " + attack("ping-flood"), &code);
    CHECK(code == 2);
    CHECK(out.find("h2lens: --threshold: no threshold called 'nosuch' (known: rapid-reset, ") == 0);
    out = runH2lens("audit --threshold slow-read " + attack("ping-flood"), &code);
    CHECK(code == 2);
    CHECK(out.find("expected NAME=VALUE") != std::string::npos);
    runH2lens("audit --fail-on never " + attack("ping-flood"), &code);
    CHECK(code == 2);
}

TEST_CASE("h2lens audit --fail-on sets exit code 3 by severity", "[uses-captures]") {
    int code = -1;
    runH2lens("audit --fail-on attack " + attack("ping-flood"), &code);
    CHECK(code == 3);
    runH2lens("audit --fail-on warning " + attack("ping-flood"), &code);
    CHECK(code == 3);
    runH2lens("audit --fail-on attack " + attack("stream-limit"), &code);  // a warning only
    CHECK(code == 0);
    runH2lens("audit --fail-on warning " + attack("stream-limit"), &code);
    CHECK(code == 3);
    runH2lens("audit --fail-on warning " + attack("ordinary-h2load-m100"), &code);
    CHECK(code == 0);
    runH2lens("audit " + attack("ping-flood"), &code);  // without --fail-on findings are not errors
    CHECK(code == 0);
}

TEST_CASE(
    "h2lens audit --json of several files writes one record per finding, each naming its file",
    "[uses-captures]") {
    int code = -1;
    const std::string out =
        runH2lens("audit --json " + attack("ping-flood") + " " + attack("ordinary-h2load-m100") +
                      " " + attack("rapid-reset"),
                  &code);
    CHECK(code == 0);
    std::vector<nlohmann::json> records;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) records.push_back(nlohmann::json::parse(line));
    REQUIRE(records.size() == 2);
    CHECK(records[0]["kind"] == "ping-flood");
    CHECK(records[0]["file"].get<std::string>().find("ping-flood.pcap") != std::string::npos);
    CHECK(records[1]["kind"] == "rapid-reset");
    for (const char* key :
         {"file",       "conn",      "client",    "server",         "peer",  "peer_address",
          "kind",       "title",     "severity",  "reference",      "count", "count_unit",
          "peak",       "peak_unit", "threshold", "threshold_text", "first", "last",
          "first_time", "last_time", "detail"})
        CHECK(records[1].contains(key));
}

TEST_CASE("h2lens audit reports a file that is not a capture and still audits the others",
          "[uses-captures]") {
    const auto bad = std::filesystem::temp_directory_path() / "h2lens_audit_not_a_capture.txt";
    std::ofstream(bad) << "not a capture\n";
    int code = -1;
    const std::string out =
        runH2lens("audit " + shellQuote(bad.string()) + " " + attack("ping-flood"), &code);
    CHECK(code == 2);
    CHECK(out.find("h2lens: " + bad.string()) != std::string::npos);
    CHECK(out.find("ping-flood.pcap: 1 finding (1 attack)") != std::string::npos);
    runH2lens("audit " + shellQuote((bad.string() + ".missing")), &code);
    CHECK(code == 2);
    runH2lens("audit", &code);
    CHECK(code == 2);
    std::filesystem::remove(bad);
}

TEST_CASE("The summary has an Audit section only when the audit finds something",
          "[uses-captures]") {
    const std::string attacked = runH2lens("summary -q " + attack("rapid-reset"));
    CHECK(attacked.find("\nAudit: 1 finding (h2lens audit FILE reports each in full)\n  attack   "
                        "rapid reset (CVE-2023-44487, RFC 9113 §10.5): conn 0 client 127.0.0.1:") !=
          std::string::npos);
    CHECK(attacked.find("peak 1000 rapid resets/s (threshold 100/s)\n") != std::string::npos);
    const std::string ordinary = runH2lens("summary -q " + attack("ordinary-h2load-m100"));
    CHECK(ordinary.find("Audit") == std::string::npos);
    CHECK(ordinary.find("\nStreams\n  status: 200 x1000\n") != std::string::npos);
}

TEST_CASE("With --max-open-streams the streams open longest are reported early and none is lost",
          "[uses-captures]") {
    // nghttpd (-m 10) and a client that opens 30 streams it never ends: at the default cap every
    // stream stays open until the server's GOAWAY or the end; at 5 the 25 oldest are reported
    // as they stand, one OPEN_STREAMS_CUT each, and `streams` still lists all 30.
    int code = -1;
    const std::string all = runH2lens("streams --json -q " + attack("stream-limit"), &code);
    CHECK(code == 0);
    const std::string cut =
        runH2lens("streams --json -q --max-open-streams 5 " + attack("stream-limit"), &code);
    CHECK(code == 0);
    CHECK(nlohmann::json::parse(all).size() == 30);
    const auto cutRows = nlohmann::json::parse(cut);
    CHECK(cutRows.size() == 30);
    std::size_t incomplete = 0;
    for (const auto& row : cutRows) incomplete += row["end"] == "incomplete";
    CHECK(incomplete == 25);
    CHECK(all.find("OPEN_STREAMS_CUT") == std::string::npos);
    const std::string summary =
        runH2lens("summary --max-open-streams 5 " + attack("stream-limit"), &code);
    CHECK(summary.find("      25  OPEN_STREAMS_CUT\n") != std::string::npos);
    CHECK(summary.find("more than 5 streams open at once: stream 1, open longest") !=
          std::string::npos);
    CHECK(runH2lens("summary " + attack("stream-limit")).find("OPEN_STREAMS_CUT") ==
          std::string::npos);
    runH2lens("summary --max-open-streams 0 " + attack("stream-limit"), &code);
    CHECK(code == 2);
}
