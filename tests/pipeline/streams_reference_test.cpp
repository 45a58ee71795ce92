// Streams of every real capture against tshark's reference summaries (captures/*/reference/
// summary.json): method, path, status, body sizes, push, resets, completeness. And the
// connection-level detection h2lens reports on the same captures.
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "pcap/capture_file.h"
#include "pipeline/analyzer.h"
#include "pipeline/http2_session.h"
#include "pipeline/secrets_feed.h"
#include "test_support.h"

using namespace h2lens;
using namespace h2lens::test;

namespace {

struct Collected : H2Listener {
    std::map<std::uint64_t, std::map<std::uint32_t, StreamRecord>> streams;
    std::map<std::uint64_t, ConnectionInfo> infos;
    std::map<std::uint64_t, ConnectionSummary> summaries;
    void onStreamDone(const ConnectionInfo& c, const StreamRecord& s) override {
        streams[c.id][s.id] = s;
    }
    void onConnectionDone(const ConnectionInfo& c, const ConnectionSummary& s) override {
        infos[c.id] = c;
        summaries[c.id] = s;
    }
};

// Decodes a capture; TLS connections with the capture's key log (keylog.txt beside it, or
// secrets embedded in a pcapng) are decrypted.
void decode(const std::filesystem::path& file, Collected& out) {
    Limits limits;
    KeyLog keys;
    const auto keylog = file.parent_path() / "keylog.txt";
    std::string error;
    if (std::filesystem::exists(keylog)) REQUIRE(keys.loadFile(keylog.string(), error));
    Http2SessionFactory factory(limits, &out, &keys);
    Analyzer analyzer(limits, &factory);
    auto source = openCapture(file.string());
    Packet p;
    SecretsFeed secrets(keys, analyzer);
    while (source->next(p) == ReadStatus::Packet) {
        secrets.update(*source);
        analyzer.ingest(p);
    }
    analyzer.finish();
}

// The reference summaries write IPv6 endpoints without brackets ("::1:8080").
std::string unbracketed(const Endpoint& e) {
    return e.ip.toString() + ":" + std::to_string(e.port);
}

std::string jsonString(const nlohmann::json& j, const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

}  // namespace

TEST_CASE("Streams of every reference capture agree with tshark's summary", "[real]") {
    H2LENS_REQUIRE_SHARED();
    std::size_t checked = 0, decrypted = 0;
    for (const auto& dir : std::filesystem::directory_iterator(sharedDir() / "captures")) {
        const auto summaryPath = dir.path() / "reference" / "summary.json";
        if (!std::filesystem::exists(summaryPath)) continue;
        std::filesystem::path capture;
        for (const auto& f : std::filesystem::directory_iterator(dir.path())) {
            if (f.path().stem() == "capture") capture = f.path();
        }
        INFO("capture " << dir.path().filename().string());
        Collected got;
        decode(capture, got);
        std::ifstream in(summaryPath);
        const auto ref = nlohmann::json::parse(in);
        for (const auto& conn : ref) {
            if (!conn.contains("streams")) continue;
            // Find our connection by its endpoints.
            const std::string client = conn["client"], server = conn["server"];
            std::optional<std::uint64_t> id;
            for (const auto& [cid, info] : got.infos) {
                if (unbracketed(info.client) == client && unbracketed(info.server) == server)
                    id = cid;
            }
            INFO("connection " << client << " -> " << server);
            REQUIRE(id);
            // Every TLS capture in the reference set comes with its key log.
            if (got.summaries[*id].detection == Http2Detection::Tls) {
                INFO(got.summaries[*id].detectionDetail);
                REQUIRE(got.summaries[*id].tlsDecrypted);
                ++decrypted;
            }
            for (const auto& rs : conn["streams"]) {
                const std::uint32_t sid = rs["stream_id"];
                INFO("stream " << sid);
                REQUIRE(got.streams[*id].count(sid) == 1);
                const StreamRecord& s = got.streams[*id][sid];
                auto v = [](const std::optional<HeaderBlock>& b, std::string_view n) {
                    return b ? std::string(b->value(n)) : std::string();
                };
                CHECK(v(s.request, ":method") == jsonString(rs, "method"));
                CHECK(v(s.request, ":path") == jsonString(rs, "path"));
                CHECK(v(s.response, ":status") == jsonString(rs, "status"));
                CHECK(s.requestBodyBytes == rs["request_body_bytes"].get<std::uint64_t>());
                CHECK(s.responseBodyBytes == rs["response_body_bytes"].get<std::uint64_t>());
                CHECK(s.pushed == rs["pushed"].get<bool>());
                if (rs["rst_stream"].is_null()) {
                    CHECK(s.end != StreamEnd::ResetByClient);
                    CHECK(s.end != StreamEnd::ResetByServer);
                } else {
                    CHECK((s.end == StreamEnd::ResetByClient || s.end == StreamEnd::ResetByServer));
                }
                // tshark calls a reset stream "complete" too; h2lens says how it ended.
                if (rs["complete"].get<bool>() && rs["rst_stream"].is_null())
                    CHECK(s.end == StreamEnd::Complete);
                ++checked;
            }
        }
    }
    CHECK(checked > 2000);
    CHECK(decrypted >= 10);
    WARN("checked " << checked << " streams against tshark's reference summaries (" << decrypted
                    << " decrypted TLS connections)");
}

TEST_CASE("How HTTP/2 was found is reported per connection", "[real]") {
    H2LENS_REQUIRE_SHARED();
    SECTION("h2c Upgrade: the HTTP/1.1 request becomes stream 1; declined upgrades stay HTTP/1.1") {
        Collected got;
        decode(sharedDir() / "captures/02_h2c_upgrade/capture.pcap", got);
        int upgraded = 0, declined = 0;
        for (const auto& [id, sum] : got.summaries) {
            if (sum.detection == Http2Detection::Upgrade) {
                ++upgraded;
                REQUIRE(got.streams[id].count(1) == 1);
                const StreamRecord& s = got.streams[id][1];
                REQUIRE(s.request);
                CHECK(s.request->fromHttp1);
                CHECK(!s.request->value(":method").empty());
                CHECK(!s.request->value(":path").empty());
                REQUIRE(s.response);
                CHECK(!s.response->value(":status").empty());
                // The HTTP2-Settings header is the client's first SETTINGS.
                REQUIRE(!sum.settingsHistory.empty());
                CHECK(sum.settingsHistory[0].fromUpgrade);
            } else if (sum.detection == Http2Detection::Http1) {
                ++declined;
            }
        }
        CHECK(upgraded >= 1);
        CHECK(declined >= 1);
    }
    SECTION("TLS: version and ALPN reported without keys, never garbage frames") {
        Collected got;
        const auto copy = std::filesystem::temp_directory_path() / "h2lens_tls_nokeys.pcap";
        std::filesystem::copy_file(sharedDir() / "captures/03a_tls13_curl_nginx/capture.pcap", copy,
                                   std::filesystem::copy_options::overwrite_existing);
        decode(copy, got);  // no keylog.txt beside the copy
        std::filesystem::remove(copy);
        REQUIRE(!got.summaries.empty());
        for (const auto& [id, sum] : got.summaries) {
            CHECK(sum.detection == Http2Detection::Tls);
            CHECK(!sum.tlsDecrypted);
            CHECK(sum.detectionDetail.find("h2") != std::string::npos);
            CHECK(sum.detectionDetail.find("TLS 1.3") != std::string::npos);
            CHECK(sum.detectionDetail.find("no key") != std::string::npos);
            CHECK(got.streams[id].empty());  // never garbage frames
        }
    }
    SECTION("Mid-connection captures: frames found by sync, earlier HPACK entries unknown") {
        Collected got;
        decode(sharedDir() / "corpus/pcaps/deepflow/http2-multi.pcap", got);
        REQUIRE(got.summaries.size() == 1);
        const auto& [id, sum] = *got.summaries.begin();
        CHECK(sum.detection == Http2Detection::MidStream);
        REQUIRE(got.streams[id].size() == 2);
        CHECK(got.streams[id].count(18131981) == 1);
        CHECK(got.streams[id].count(18131983) == 1);
        for (const auto& [sid, s] : got.streams[id]) {
            CHECK(s.responseBodyBytes > 0);
        }
    }
}
