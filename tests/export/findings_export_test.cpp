// Issue 16: the audit's findings in the export. Each recorded attack capture's connection carries
// the finding `h2lens audit --json` reports (the same object), in the JSON document (valid for
// the schema), on the NDJSON connection line, and with --flat as a "finding" record before it;
// an ordinary capture's export has no "findings" key at all.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "schema_validator.h"
#include "test_support.h"

using namespace h2lens::test;
using OJson = nlohmann::ordered_json;

namespace {

std::string attack(const std::string& name) {
    return shellQuote((sourceDir() / "tests" / "data" / "attacks" / (name + ".pcap")).string());
}

std::string runH2lens(const std::string& args, int* code = nullptr) {
    return runCommand(shellQuote(cliPath().string()) + " " + args + " 2>/dev/null", code);
}

std::vector<OJson> ndjsonLines(const std::string& text) {
    std::vector<OJson> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) out.push_back(OJson::parse(line));
    }
    return out;
}

// An `audit --json` record without the keys the export has on the connection instead.
OJson withoutConnectionKeys(OJson f) {
    for (const char* key : {"file", "conn", "client", "server"}) f.erase(key);
    return f;
}

}  // namespace

TEST_CASE("Each attack capture's exported connection carries the audit's finding",
          "[uses-captures]") {
    std::ifstream schemaFile(sourceDir() / "docs" / "transcript.schema.json");
    REQUIRE(schemaFile);
    SchemaValidator schema(nlohmann::json::parse(schemaFile));
    const char* files[] = {"rapid-reset",    "continuation-flood", "hpack-bomb",  "settings-flood",
                           "ping-flood",     "empty-frames",       "reset-flood", "slow-read",
                           "priority-churn", "stream-limit"};
    for (const char* name : files) {
        INFO(name);
        const std::vector<OJson> audit = ndjsonLines(runH2lens("audit --json " + attack(name)));
        REQUIRE(audit.size() == 1);
        CHECK(audit[0]["kind"] == name);
        const OJson expected = withoutConnectionKeys(audit[0]);

        int code = -1;
        const OJson doc = OJson::parse(runH2lens("export -o - " + attack(name), &code));
        CHECK(code == 0);
        CHECK(schema.validate(doc).empty());
        REQUIRE(doc["connections"].size() == 1);
        const OJson& conn = doc["connections"][0];
        REQUIRE(conn.contains("findings"));
        REQUIRE(conn["findings"].size() == 1);
        CHECK(conn["findings"][0] == expected);

        // NDJSON: on the connection line; --flat adds a "finding" record just before it.
        const std::vector<OJson> flat =
            ndjsonLines(runH2lens("export --ndjson --flat -o - " + attack(name)));
        std::size_t connLine = flat.size(), findingLine = flat.size();
        for (std::size_t i = 0; i < flat.size(); ++i) {
            if (flat[i]["record"] == "connection") connLine = i;
            if (flat[i]["record"] == "finding") findingLine = i;
        }
        REQUIRE(connLine < flat.size());
        REQUIRE(findingLine < flat.size());
        CHECK(flat[connLine]["findings"][0] == expected);
        // After any anomaly records, right before its connection.
        CHECK(findingLine + 1 == connLine);
        const OJson& f = flat[findingLine];
        CHECK(f["conn"] == 0);
        CHECK(f["client"] == conn["client"]);
        CHECK(f["server"] == conn["server"]);
        OJson fields = f;
        for (const char* key : {"record", "conn", "client", "server"}) fields.erase(key);
        CHECK(fields == expected);
    }
}

TEST_CASE("The export of ordinary traffic has no findings key, and --threshold works as in audit",
          "[uses-captures]") {
    const std::string ordinary = runH2lens("export -o - " + attack("ordinary-h2load-m100"));
    REQUIRE(OJson::parse(ordinary)["connections"].size() == 1);
    CHECK(ordinary.find("\"findings\"") == std::string::npos);
    // Without --flat there is no "finding" record, only the connection line's key.
    const std::string nd = runH2lens("export --ndjson -o - " + attack("ping-flood"));
    CHECK(nd.find("\"record\":\"finding\"") == std::string::npos);
    CHECK(nd.find("\"findings\":[{\"peer\":\"client\"") != std::string::npos);
    CHECK(runH2lens("export -o - --threshold ping-flood=off " + attack("ping-flood"))
              .find("\"findings\"") == std::string::npos);
    int code = -1;
    runH2lens("export -o - --threshold ping-flood=fast " + attack("ping-flood"), &code);
    CHECK(code == 2);
}
