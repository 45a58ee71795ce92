// The stream filter language (GUI filter box, CLI -Y) on the streams of real captures.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "filter/stream_filter.h"
#include "session/decode_session.h"
#include "test_paths.h"

using namespace h2lens;
using namespace h2lens::test;

namespace {

struct StreamRows final : H2Listener {
    struct Row {
        std::uint64_t conn;
        StreamRecord s;
    };
    std::vector<Row> rows;
    std::map<std::pair<std::uint64_t, std::uint32_t>, std::vector<std::string>> anomalies;
    void onStreamDone(const ConnectionInfo& c, const StreamRecord& s) override {
        rows.push_back({c.id, s});
    }
    void onAnomaly(const ConnectionInfo& c, const Anomaly& a) override {
        anomalies[{c.id, a.streamId}].push_back(a.name);
    }
};

StreamRows decode(const std::filesystem::path& path) {
    StreamRows d;
    SessionOptions o;
    DecodeSession session(o, d);
    session.run(path.string());
    return d;
}

// Stream ids that `text` selects.
std::vector<std::uint32_t> pick(const StreamRows& d, const std::string& text) {
    const StreamFilter f = StreamFilter::parse(text);
    INFO(text);
    REQUIRE(f.errors().empty());
    std::vector<std::uint32_t> ids;
    for (const auto& r : d.rows) {
        FilterTarget t{r.conn, &r.s, {}};
        if (auto it = d.anomalies.find({r.conn, r.s.id}); it != d.anomalies.end()) {
            for (const auto& n : it->second) t.anomalies.push_back(n);
        }
        if (f.matches(t)) ids.push_back(r.s.id);
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

using Ids = std::vector<std::uint32_t>;

}  // namespace

TEST_CASE("Filter terms select streams of nghttp against nghttpd", "[filter][uses-captures]") {
    // Streams 13..23: index.html, style.css, small.txt, empty.txt, 40k.bin, missing.html (404).
    const StreamRows d = decode(sourceDir() / "samples" / "h2c_nghttp.pcap");
    REQUIRE(d.rows.size() == 6);
    CHECK(pick(d, "") == Ids{13, 15, 17, 19, 21, 23});
    CHECK(pick(d, "status:404") == Ids{23});
    CHECK(pick(d, "status:4xx") == Ids{23});
    CHECK(pick(d, "status:2xx") == Ids{13, 15, 17, 19, 21});
    CHECK(pick(d, "!status:2xx") == Ids{23});
    CHECK(pick(d, "STATUS:20X") == Ids{13, 15, 17, 19, 21});
    CHECK(pick(d, "method:get") == Ids{13, 15, 17, 19, 21, 23});
    CHECK(pick(d, "method:POST").empty());
    CHECK(pick(d, "path:.css") == Ids{15});
    CHECK(pick(d, "index.html") == Ids{13});  // a bare word
    CHECK(pick(d, "stream:21") == Ids{21});
    CHECK(pick(d, "conn:0 stream:21") == Ids{21});
    CHECK(pick(d, "conn:1").empty());
    CHECK(pick(d, "type:text/css") == Ids{15});
    CHECK(pick(d, "header:content-type=text/css") == Ids{15});
    CHECK(pick(d, "header:user-agent") == Ids{13, 15, 17, 19, 21, 23});
    CHECK(pick(d, "end:complete") == Ids{13, 15, 17, 19, 21, 23});
    CHECK(pick(d, "end:reset").empty());
    CHECK(pick(d, "end:incomplete").empty());
    CHECK(pick(d, "anomaly:*").empty());
    // Every stream took 0.29-0.31 ms (summary's "Slowest streams").
    CHECK(pick(d, "dur>250us") == Ids{13, 15, 17, 19, 21, 23});
    CHECK(pick(d, "dur>0.3ms") == Ids{21});
    CHECK(pick(d, "dur<=0.3ms") == Ids{13, 15, 17, 19, 23});
    CHECK(pick(d, "dur>1s").empty());
    CHECK(pick(d, "dur>=0").size() == 6);
}

TEST_CASE("Filter terms that cannot be read are named and match nothing", "[filter]") {
    for (const char* bad : {"stauts:404", "dur>fast", "dur>10parsecs", "status:abc", "status:5000",
                            "conn:x", "stream:", "header:"}) {
        const StreamFilter f = StreamFilter::parse(bad);
        INFO(bad);
        REQUIRE(f.errors().size() == 1);
        CHECK(f.errors()[0].find(bad) != std::string::npos);
        StreamRecord s;
        CHECK_FALSE(f.matches(FilterTarget{0, &s, {}}));
        // Negated it is still in error, and still matches nothing (fuzz_filter found the
        // negation matching every stream: fuzz/corpus/filter/negated-unknown-key).
        const StreamFilter negated = StreamFilter::parse(std::string("!") + bad);
        REQUIRE(negated.errors().size() == 1);
        CHECK_FALSE(negated.matches(FilterTarget{0, &s, {}}));
    }
    // A URL, a word with a colon, or a bare word are searched for, not refused.
    for (const char* word : {"https://example.org/x", "a:b:c", "::1", "x"}) {
        INFO(word);
        CHECK(StreamFilter::parse(word).errors().empty());
    }
    CHECK(StreamFilter::parse("  status:200   method:GET  ").errors().empty());
}

TEST_CASE("Filter terms select resets, anomalies and gRPC headers on public captures",
          "[filter][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    // Suricata's dns-over-https capture: one stream reset by the client.
    const StreamRows doh =
        decode(sharedDir() / "corpus/pcaps/suricata-verify/dns-over-http2/dns_over_https.pcap");
    const Ids reset = pick(doh, "end:reset");
    CHECK(reset.size() == 1);
    CHECK(pick(doh, "!end:reset").size() + reset.size() == doh.rows.size());
    // The long frame capture raises an anomaly on a stream; anomaly:NAME finds it by name part.
    const StreamRows lf =
        decode(sharedDir() / "corpus/pcaps/suricata-verify/http2-long-frame/input.pcap");
    std::string name;
    std::uint32_t onStream = 0;
    for (const auto& [key, names] : lf.anomalies) {
        if (key.second != 0 && !names.empty()) name = names[0], onStream = key.second;
    }
    if (!name.empty()) {
        CHECK(pick(lf, "anomaly:" + name) == Ids{onStream});
        CHECK(pick(lf, "anomaly:*") == Ids{onStream});
        CHECK(pick(lf, "!anomaly:*").size() == lf.rows.size() - 1);
    } else {
        WARN("no anomaly on a stream in http2-long-frame; only connection-level ones");
    }
    // gRPC: content-type application/grpc.
    const StreamRows grpc = decode(sharedDir() / "captures/13_grpc_python/capture.pcap");
    REQUIRE(!grpc.rows.empty());
    CHECK(pick(grpc, "header:content-type=application/grpc").size() == grpc.rows.size());
    CHECK(pick(grpc, "method:POST").size() == grpc.rows.size());
}
