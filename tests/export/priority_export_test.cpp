// The export's priority records (docs/priority.md) on the loopback captures of
// tests/data/priority: valid against docs/transcript.schema.json, frames included (PRIORITY and
// PRIORITY_UPDATE), and saying what the engine found.
#include <catch2/catch.hpp>
#include <fstream>

#include "schema_validator.h"
#include "test_support.h"

using namespace h2lens::test;
using OJson = nlohmann::ordered_json;

TEST_CASE("The export with frames of every priority capture is valid against the schema",
          "[uses-captures]") {
    std::ifstream f(sourceDir() / "docs" / "transcript.schema.json");
    REQUIRE(f);
    SchemaValidator schema(nlohmann::json::parse(f));
    const char* name = GENERATE("python_nghttpd_7540.pcap", "python_nghttpd_9218.pcap",
                                "nghttp_h2o_7540.pcap", "curl_nghttpd_9218.pcap");
    INFO(name);
    const auto path = sourceDir() / "tests" / "data" / "priority" / name;
    const std::string out = runCommand(shellQuote(cliPath().string()) +
                                       " export -q --frames -o - " + shellQuote(path.string()));
    const OJson doc = OJson::parse(out);
    for (const auto& e : schema.validate(doc)) FAIL_CHECK(e);
    const OJson& c = doc["connections"][0];
    REQUIRE(c.contains("priority"));
    for (const OJson& s : c["streams"]) CHECK(s.contains("priority"));
    std::size_t updates = 0;
    for (const OJson& fr : c["frames"]) {
        if (fr["type"] != "PRIORITY_UPDATE") continue;
        ++updates;
        CHECK(fr["prioritized_stream"].get<int>() > 0);
        CHECK(fr["priority_field_value"].get<std::string>().rfind("u=", 0) == 0);
    }
    CHECK(updates == (std::string(name) == "python_nghttpd_9218.pcap" ? 2u : 0u));
}
