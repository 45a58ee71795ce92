// The bundled samples were recorded from well-behaved programs on loopback: h2lens must decode
// them completely and find nothing wrong. A false anomaly here is a decoder bug.
#include "pcap/capture_file.h"
#include "pipeline/analyzer.h"
#include "pipeline/http2_session.h"
#include "test_support.h"

using namespace h2lens;
using namespace h2lens::test;

namespace {
struct Counter : H2Listener {
    std::vector<std::string> anomalies;
    std::size_t streams = 0, complete = 0;
    std::vector<Http2Detection> detections;
    void onAnomaly(const ConnectionInfo& c, const Anomaly& a) override {
        anomalies.push_back("conn " + std::to_string(c.id) + " " + a.name + ": " + a.detail);
    }
    void onStreamDone(const ConnectionInfo&, const StreamRecord& s) override {
        ++streams;
        if (s.end == StreamEnd::Complete) ++complete;
    }
    void onConnectionDone(const ConnectionInfo&, const ConnectionSummary& s) override {
        detections.push_back(s.detection);
    }
};
}  // namespace

TEST_CASE("Every bundled sample decodes completely with no anomaly") {
    std::size_t files = 0;
    for (const auto& e : std::filesystem::directory_iterator(sourceDir() / "samples")) {
        const auto ext = e.path().extension();
        if (ext != ".pcap" && ext != ".pcapng") continue;
        INFO("sample " << e.path().filename().string());
        Limits limits;
        Counter counter;
        Http2SessionFactory factory(limits, &counter);
        Analyzer analyzer(limits, &factory);
        auto source = openCapture(e.path().string());
        Packet p;
        while (source->next(p) == ReadStatus::Packet) analyzer.ingest(p);
        analyzer.finish();
        CHECK(analyzer.takeIssues().empty());
        for (const auto& a : counter.anomalies) FAIL_CHECK(a);
        CHECK(counter.streams > 0);
        CHECK(counter.complete == counter.streams);
        for (Http2Detection d : counter.detections) {
            CHECK((d == Http2Detection::PriorKnowledge || d == Http2Detection::Upgrade));
        }
        ++files;
    }
    CHECK(files >= 7);
}
