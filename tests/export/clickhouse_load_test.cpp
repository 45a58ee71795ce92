// scripts/h2lens-db.sh: the NDJSON of real captures (export --ndjson --flat) loaded into a
// ClickHouse server of the script's own (docs/clickhouse.sql), checked against `streams --json`
// and `flows --json` of the same captures. Skips when ClickHouse is not installed.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <vector>

#include "test_support.h"

using namespace h2lens::test;
namespace fs = std::filesystem;

namespace {

bool haveClickHouse() {
    return (fs::exists("/usr/sbin/clickhouse-server") || haveProgram("clickhouse-server")) &&
           haveProgram("clickhouse-client");
}

// The script with its own folder and port, so it meets no other server.
class TestDatabase {
  public:
    TestDatabase()
        : m_dir(fs::temp_directory_path() / ("h2lens_db_test_" + std::to_string(::getpid()))),
          m_env("H2LENS_DB_DIR=" + shellQuote(m_dir.string()) +
                " H2LENS_DB_PORT=" + std::to_string(21000 + ::getpid() % 4000 * 2) +
                " H2LENS=" + shellQuote(cliPath().string()) + " ") {}
    ~TestDatabase() { run("stop"); }
    std::string run(const std::string& args, int* code = nullptr) const {
        return runCommand(m_env + shellQuote((sourceDir() / "scripts" / "h2lens-db.sh").string()) +
                              " " + args + " 2>&1",
                          code);
    }
    std::string query(const std::string& sql) const {
        int code = -1;
        std::string out = run("query " + shellQuote(sql), &code);
        INFO(sql << "\n" << out);
        REQUIRE(code == 0);
        return out;
    }

  private:
    fs::path m_dir;
    std::string m_env;
};

std::string attack(const char* name) {
    return (sourceDir() / "tests" / "data" / "attacks" / (std::string(name) + ".pcap")).string();
}

std::string capture(const char* scenario) {
    return (sharedDir() / "captures" / scenario / "capture.pcap").string();
}

nlohmann::json cliJson(const std::string& args) {
    return nlohmann::json::parse(
        runCommand(shellQuote(cliPath().string()) + " " + args + " 2>/dev/null"));
}

std::string headerValue(const nlohmann::json& headers, const std::string& name) {
    for (const auto& h : headers)
        if (h[0] == name) return h[1];
    return "";
}

// `streams --json`'s "end" as the flat end_kind: reset-by-client -> reset, refused-by-goaway ->
// refused_by_goaway.
std::string endKind(const std::string& end) {
    if (end.rfind("reset", 0) == 0) return "reset";
    std::string kind = end;
    std::replace(kind.begin(), kind.end(), '-', '_');
    return kind;
}

}  // namespace

TEST_CASE("ClickHouse holds the streams and connections of the shared captures",
          "[uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    if (!haveClickHouse()) {
        WARN("skipped: clickhouse-server / clickhouse-client not installed");
        return;
    }
    const std::vector<std::string> files = {capture("01_h2c_prior_knowledge"),
                                            capture("05_many_streams_h2load_nghttpd"),
                                            capture("06_server_push"),
                                            capture("13_grpc_python"),
                                            capture("15_python_h2_server"),
                                            attack("rapid-reset"),
                                            attack("ping-flood")};
    TestDatabase db;
    std::string args = "load";
    for (const auto& f : files) args += " " + shellQuote(f);
    int code = -1;
    const std::string loaded = db.run(args, &code);
    INFO(loaded);
    REQUIRE(code == 0);

    for (const auto& f : files) {
        INFO(f);
        const std::string where = " WHERE capture = '" + f + "'";
        const auto rows = cliJson("streams --json -q " + shellQuote(f));
        const auto flows = cliJson("flows --json -q " + shellQuote(f));
        CHECK(std::stoull(db.query("SELECT count() FROM streams" + where)) == rows.size());
        CHECK(std::stoull(db.query("SELECT count() FROM connections" + where)) == flows.size());

        // Per stream: method, path, status, ending and body sizes as `streams --json` says.
        std::ostringstream expected;
        std::vector<std::string> lines;
        for (const auto& r : rows) {
            const nlohmann::json none = nlohmann::json::array();
            const auto& req = r.contains("request_headers") ? r["request_headers"] : none;
            const auto& resp = r.contains("response_headers") ? r["response_headers"] : none;
            std::ostringstream line;
            line << r["conn"].get<std::uint64_t>() << '\t' << r["stream"].get<std::uint64_t>()
                 << '\t' << headerValue(req, ":method") << '\t' << headerValue(req, ":path") << '\t'
                 << headerValue(resp, ":status") << '\t' << r.value("reset_error", "") << '\t'
                 << r["request_body_bytes"].get<std::uint64_t>() << '\t'
                 << r["response_body_bytes"].get<std::uint64_t>() << '\t'
                 << endKind(r["end"].get<std::string>());
            lines.push_back(line.str());
        }
        std::sort(lines.begin(), lines.end());
        for (const auto& l : lines) expected << l << '\n';
        const std::string got = db.query(
            "SELECT conn, id, method, path, status, reset_error, request_body_size, "
            "response_body_size, end_kind FROM streams" +
            where + " ORDER BY toString(conn), toString(id), path, status");
        std::istringstream in(got);
        std::vector<std::string> gotLines;
        for (std::string l; std::getline(in, l);) gotLines.push_back(l);
        std::sort(gotLines.begin(), gotLines.end());
        std::ostringstream gotSorted;
        for (const auto& l : gotLines) gotSorted << l << '\n';
        CHECK(gotSorted.str() == expected.str());
    }

    // INDEX.md: 05 is 2000 requests to one authority; 06 has a client RST_STREAM(CANCEL) of a
    // push; 01's small windows stall the server's streams.
    CHECK(db.query("SELECT authority, count() FROM streams WHERE capture = '" + files[1] +
                   "' GROUP BY authority") == "127.0.0.1:8080\t2000\n");
    CHECK(db.query("SELECT reset_error, reset_by, pushed, count() FROM streams WHERE capture = '" +
                   files[2] + "' AND end_kind = 'reset' GROUP BY reset_error, reset_by, pushed") ==
          "CANCEL\tclient\t1\t1\n");
    CHECK(std::stoull(db.query("SELECT count() FROM connections WHERE capture = '" + files[0] +
                               "' AND stall_count > 0")) > 0);
    CHECK(std::stod(db.query("SELECT max(ttfb) FROM streams")) > 0);
    // Anomalies: as many rows as the connection records counted.
    CHECK(db.query("SELECT sum(anomalies_total) FROM connections") ==
          db.query("SELECT toUInt64(count()) FROM anomalies"));
    // Audit findings: the ones `audit --json` reports, and none from the ordinary captures.
    std::string expectedFindings;
    for (const auto& f : files) {
        std::istringstream in(
            runCommand(shellQuote(cliPath().string()) + " audit --json " + shellQuote(f)));
        for (std::string line; std::getline(in, line);) {
            const auto j = nlohmann::json::parse(line);
            expectedFindings += f + '\t' + std::to_string(j["conn"].get<std::uint64_t>()) + '\t' +
                                j["kind"].get<std::string>() + '\t' + j["peer"].get<std::string>() +
                                '\t' + std::to_string(j["count"].get<std::uint64_t>()) + '\t' +
                                std::to_string(j["peak"].get<std::uint64_t>()) + '\n';
        }
    }
    CHECK(expectedFindings.find("rapid-reset") != std::string::npos);
    CHECK(expectedFindings.find("ping-flood") != std::string::npos);
    CHECK(db.query("SELECT capture, conn, kind, peer, count, peak FROM findings ORDER BY kind "
                   "DESC") == expectedFindings);
}
