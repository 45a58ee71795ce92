// The figures `h2lens summary` prints, gathered by the library's SummaryCollector from a real
// decode, checked against what other views of the same captures say: `streams --json` (its own
// listener) for the streams, their statuses and endings, and `export` for the connections'
// flow-control stalls.
#include <catch2/catch.hpp>

#include <map>
#include <nlohmann/json.hpp>

#include "report/summary_collector.h"
#include "session/decode_session.h"
#include "test_paths.h"
#include "test_support.h"

using namespace h2lens;
using namespace h2lens::test;

namespace {

nlohmann::json cliJson(const std::string& args) {
    return nlohmann::json::parse(
        runCommand(shellQuote(cliPath().string()) + " " + args + " 2>/dev/null"));
}

std::string header(const nlohmann::json& row, const char* key, const char* name) {
    if (!row.contains(key)) return "";
    for (const auto& h : row[key])
        if (h[0] == name) return h[1];
    return "";
}

}  // namespace

TEST_CASE("The summary counts streams by status and ending as streams --json lists them",
          "[uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    for (const char* scenario : {"01_h2c_prior_knowledge", "05_many_streams_h2load_nghttpd",
                                 "06_server_push", "13_grpc_python"}) {
        INFO(scenario);
        const std::string file = (sharedDir() / "captures" / scenario / "capture.pcap").string();
        const StreamFilter none;
        FilterFront front(none);
        SummaryCollector collector(none, front);
        DecodeSession session(SessionOptions{}, front.attach(collector));
        session.run(file);
        collector.settle();

        const auto rows = cliJson("streams --json -q " + shellQuote(file));
        std::map<std::string, std::size_t> status;
        for (const auto& r : rows) {
            const std::string s = header(r, "response_headers", ":status");
            ++status[s.empty() ? "none" : s];
        }
        CHECK(collector.streams().size() == rows.size());
        CHECK(collector.allStreams() == rows.size());
        CHECK(collector.streamsByStatus() == status);
        std::size_t ended = 0;
        for (const auto& [kind, n] : collector.streamsByEnd()) ended += n;
        CHECK(ended == rows.size());
        CHECK(collector.http2Connections() == collector.connections().size());

        // Slowest first, every one with a duration.
        const auto slow = collector.slowestStreams();
        REQUIRE_FALSE(slow.empty());
        for (std::size_t i = 1; i < slow.size(); ++i)
            CHECK(slow[i - 1]->durationMs >= slow[i]->durationMs);

        // Stalls: as many as the export's connections list, longest first.
        const auto doc = cliJson("export -q -o - " + shellQuote(file));
        std::size_t exported = 0;
        for (const auto& c : doc["connections"]) exported += c["flow_stalls"].size();
        const auto stalls = collector.stallsLongestFirst();
        CHECK(stalls.size() == exported);
        for (std::size_t i = 1; i < stalls.size(); ++i) CHECK(stalls[i - 1].ms >= stalls[i].ms);
    }
}

TEST_CASE(
    "The summary's figures under a display filter keep the matching streams and their connections",
    "[uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    // 06: nghttpd pushes to nghttp; the client cancels one push (RST_STREAM CANCEL).
    const std::string file =
        (sharedDir() / "captures" / "06_server_push" / "capture.pcap").string();
    const StreamFilter filter = StreamFilter::parse("end:reset");
    REQUIRE(filter.errors().empty());
    FilterFront front(filter);
    SummaryCollector collector(filter, front);
    DecodeSession session(SessionOptions{}, front.attach(collector));
    session.run(file);
    collector.settle();
    REQUIRE(collector.filtered());
    REQUIRE(collector.streams().size() == 1);
    CHECK(collector.allStreams() > 1);
    const SummaryStream& s = collector.streams()[0];
    CHECK(s.end == StreamEnd::ResetByClient);
    CHECK(collector.connectionSelected(s.conn));
    CHECK(collector.selected(s.conn, s.id));
    CHECK(collector.selected(s.conn, 0));  // the connection's own anomalies and stalls
    const auto shown = collector.shownConnections();
    REQUIRE(shown.size() == 1);
    CHECK(shown[0]->info.id == s.conn);
    CHECK(collector.connections().size() > shown.size());
}
