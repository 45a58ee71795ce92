// Issue 14.3: the JSON export's http2_connections counts decrypted TLS connections that carry
// HTTP/2, as the summary does (it counted only h2c and mid-connection ones: 0 for a decrypted
// TLS capture where the summary says 1). Issue 14.2: capture_start/end and duration come from
// the earliest and latest packet times.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <fstream>
#include <sstream>

#include "export/json_writer.h"
#include "export/transcript_collector.h"
#include "pcap/capture_file.h"
#include "pipeline/analyzer.h"
#include "pipeline/http2_session.h"
#include "schema_validator.h"
#include "test_paths.h"

using namespace h2lens;
using namespace h2lens::test;

namespace {

nlohmann::json exportWithKeys(const std::filesystem::path& capture,
                              const std::filesystem::path& keylog) {
    KeyLog keys;
    std::string error;
    REQUIRE(keys.loadFile(keylog.string(), error));
    ExportOptions options;
    std::ostringstream out;
    JsonWriter writer(options, JsonWriter::Format::Document, out);
    TranscriptCollector collector(options, &writer);
    Limits limits;
    Http2SessionFactory factory(limits, &collector, &keys);
    Analyzer analyzer(limits, &factory);
    writer.setAnalyzer(&analyzer);
    auto src = openCapture(capture.string());
    Packet p;
    while (src->next(p) == ReadStatus::Packet) analyzer.ingest(p);
    analyzer.finish();
    writer.finish(capture.filename().string(), 0);
    return nlohmann::json::parse(out.str());
}

}  // namespace

TEST_CASE("export counts decrypted TLS connections with h2 inside as HTTP/2",
          "[export][issue14][real][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    // curl -> nginx over TLS 1.3, keys in keylog.txt: the summary says "3 TCP connections
    // (3 HTTP/2)".
    const auto dir = sharedDir() / "captures" / "03a_tls13_curl_nginx";
    const auto j = exportWithKeys(dir / "capture.pcap", dir / "keylog.txt");
    const auto& stats = j.at("h2lens").at("stats");
    CHECK(stats.at("tcp_connections") == 3);
    CHECK(stats.at("http2_connections") == 3);  // was 0
    REQUIRE(j.at("connections").size() == 3);
    for (const auto& c : j.at("connections")) CHECK(c.at("http2").at("method") == "tls");
}

TEST_CASE("DATA that arrived after the stream's RST_STREAM is listed, not counted as body",
          "[export][issue18][real][uses-captures]") {
    // tests/data/issue18/h2c_rst_mid_body.pcap (rst_client.py against nghttpd, see README.md):
    // the client resets stream 1 (CANCEL) after 100 KB of a 400 000-byte body; the server had
    // already sent the rest. tshark counts 400 000 DATA bytes on the stream, h2lens counted
    // 212 992 and raised DATA_ON_CLOSED_STREAM on each of the 12 later frames.
    // Verdict: both numbers are facts; the body is what the receiver accepted: after sending
    // RST_STREAM the client discards what arrives (RFC 9113 §5.4.2, §6.4), and frames sent
    // before the server saw the reset are not an error. So body.size stays 212 992, and the
    // connection's data_after_reset says 12 frames / 187 008 bytes came later (212 992 +
    // 187 008 = tshark's 400 000); connection flow control counts them (§6.9).
    const auto file = sourceDir() / "tests" / "data" / "issue18" / "h2c_rst_mid_body.pcap";
    ExportOptions options;
    std::ostringstream out;
    JsonWriter writer(options, JsonWriter::Format::Document, out);
    TranscriptCollector collector(options, &writer);
    Limits limits;
    Http2SessionFactory factory(limits, &collector);
    Analyzer analyzer(limits, &factory);
    writer.setAnalyzer(&analyzer);
    auto src = openCapture(file.string());
    Packet p;
    while (src->next(p) == ReadStatus::Packet) analyzer.ingest(p);
    analyzer.finish();
    writer.finish(file.filename().string(), 0);
    const auto j = nlohmann::json::parse(out.str());
    REQUIRE(j.at("connections").size() == 1);
    const auto& c = j.at("connections")[0];
    REQUIRE(c.contains("data_after_reset"));
    REQUIRE(c.at("data_after_reset").size() == 1);
    const auto& late = c.at("data_after_reset")[0];
    CHECK(late.at("stream") == 1);
    CHECK(late.at("from") == "server");
    CHECK(late.at("data_frames") == 12);
    CHECK(late.at("bytes") == 187008);
    REQUIRE(c.at("streams").size() == 1);
    const auto& s = c.at("streams")[0];
    CHECK(s.at("response").at("body").at("size") == 212992);
    for (const auto& a : c.at("anomalies")) CHECK(a.at("name") != "DATA_ON_CLOSED_STREAM");
    // The field is in the schema (docs/transcript.schema.json), and a wrong one is refused.
    std::ifstream schemaFile(sourceDir() / "docs" / "transcript.schema.json");
    REQUIRE(schemaFile);
    SchemaValidator schema(nlohmann::json::parse(schemaFile));
    const auto doc = nlohmann::ordered_json::parse(out.str());
    for (const auto& e : schema.validate(doc)) FAIL_CHECK(e);
    auto bad = doc;
    bad["connections"][0]["data_after_reset"][0].erase("bytes");
    CHECK_FALSE(schema.validate(bad).empty());
}
