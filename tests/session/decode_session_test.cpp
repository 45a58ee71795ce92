// DecodeSession is the one place the pipeline is set up: it must hear exactly what the
// stages wired by hand hear (key logs, pcapng secrets, TLS threads), count what it passed on,
// and say when a file could not be read to its end.
#include <fmt/format.h>

#include <atomic>
#include <fstream>

#include "pcap/capture_file.h"
#include "pipeline/analyzer.h"
#include "pipeline/http2_session.h"
#include "pipeline/secrets_feed.h"
#include "session/decode_session.h"
#include "test_paths.h"
#include "tls/tls_test_support.h"

using namespace h2lens;
using namespace h2lens::test;

namespace {

// The pipeline as every command built it before the session existed.
std::vector<std::string> byHand(const std::string& path, const std::string& keylog) {
    H2EventText events;
    Limits limits;
    KeyLog keys;
    std::string error;
    if (!keylog.empty()) REQUIRE(keys.loadFile(keylog, error));
    Http2SessionFactory factory(limits, &events, &keys);
    Analyzer analyzer(limits, &factory);
    SecretsFeed secrets(keys, analyzer);
    auto source = openCapture(path);
    Packet p;
    while (source->next(p) == ReadStatus::Packet) {
        secrets.update(*source);
        analyzer.ingest(p);
    }
    analyzer.finish();
    return events.lines;
}

struct Counted final : H2Listener {
    H2EventText text;
    std::uint64_t frames = 0, streams = 0, anomalies = 0, connections = 0;
    void onFrame(const FrameEvent& e) override { ++frames, text.onFrame(e); }
    void onStreamDone(const ConnectionInfo& c, const StreamRecord& s) override {
        ++streams, text.onStreamDone(c, s);
    }
    void onAnomaly(const ConnectionInfo& c, const Anomaly& a) override {
        ++anomalies, text.onAnomaly(c, a);
    }
    void onConnectionDone(const ConnectionInfo& c, const ConnectionSummary& s) override {
        ++connections, text.onConnectionDone(c, s);
    }
};

}  // namespace

TEST_CASE("A session hears what the hand-wired pipeline hears, with every TLS thread count",
          "[session][capture]") {
    H2LENS_REQUIRE_SHARED();
    struct Case {
        const char* capture;
        const char* keylog;
    };
    const Case cases[] = {
        {"captures/01_h2c_prior_knowledge/capture.pcap", ""},
        {"captures/02_h2c_upgrade/capture.pcap", ""},
        {"captures/03a_tls13_curl_nginx/capture.pcap", "captures/03a_tls13_curl_nginx/keylog.txt"},
        {"captures/03b_tls12_curl_python_nginx/capture.pcap",
         "captures/03b_tls12_curl_python_nginx/keylog.txt"},
        {"captures/03b_tls12_curl_python_nginx/capture.pcap", ""},
        {"captures/12a_pcapng_dumpcap_dsb/capture.pcapng", ""},  // keys only in the file
        {"captures/09_netem_loss_reorder/capture.pcap",
         "captures/09_netem_loss_reorder/keylog.txt"},
    };
    for (const Case& c : cases) {
        const std::string path = (sharedDir() / c.capture).string();
        const std::string keylog = *c.keylog ? (sharedDir() / c.keylog).string() : "";
        const auto expected = byHand(path, keylog);
        REQUIRE(expected.size() >= 5);
        for (int threads : {-1, 0, 1, 3}) {
            DYNAMIC_SECTION(c.capture << " keylog=" << !keylog.empty() << " threads=" << threads) {
                Counted events;
                SessionOptions o;
                o.keyLogPath = keylog;
                o.tlsThreads = threads;
                DecodeSession session(o, events);
                std::uint64_t issues = 0;
                SessionRunHooks hooks;
                hooks.issue = [&](const Issue&) { ++issues; };
                const SessionRunResult run = session.run(path, hooks);
                CHECK(events.text.lines == expected);
                CHECK(run.issues == issues);
                CHECK_FALSE(run.readFailed);
                CHECK(run.fileBytes == std::filesystem::file_size(path));
                CHECK(session.tally().frames == events.frames);
                CHECK(session.tally().streams == events.streams);
                CHECK(session.tally().anomalies == events.anomalies);
                CHECK(session.tally().connections == events.connections);
                CHECK(events.connections == session.analyzer().flows().records().size());
                if (threads == 0) CHECK(session.tlsPool() == nullptr);
                if (threads == 3) CHECK(session.tlsPool() != nullptr);
            }
        }
    }
}

TEST_CASE("A session says when the file could not be read to its end", "[session]") {
    const auto src = sourceDir() / "samples" / "h2c_nghttp.pcap";
    std::ifstream in(src, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    const auto cut = std::filesystem::temp_directory_path() / "h2lens_session_cut.pcap";
    std::ofstream(cut, std::ios::binary)
        .write(bytes.data(), static_cast<std::streamsize>(bytes.size() - 50));
    H2EventText events;
    DecodeSession whole(SessionOptions{}, events);
    CHECK_FALSE(whole.run(src.string()).readFailed);
    DecodeSession session(SessionOptions{}, events);
    std::vector<Issue> issues;
    SessionRunHooks hooks;
    hooks.issue = [&](const Issue& i) { issues.push_back(i); };
    const SessionRunResult run = session.run(cut.string(), hooks);
    CHECK(run.readFailed);
    REQUIRE(issues.size() == 1);
    CHECK(issues[0].packetNumber == 14);
    CHECK(issues[0].message.rfind("file truncated", 0) == 0);
    CHECK(session.stats().packets == 13);
    std::filesystem::remove(cut);

    DecodeSession notCapture(SessionOptions{}, events);
    CHECK_THROWS_AS(notCapture.run((sourceDir() / "README.md").string()), CaptureError);
}

TEST_CASE("A session refuses what it cannot do and follows a key log that appears late",
          "[session]") {
    H2EventText events;
    SessionOptions withKeys;
    withKeys.keyLogPath = "/nonexistent/keys.txt";
    CHECK_THROWS_AS(DecodeSession(withKeys, events), std::runtime_error);
    CHECK_THROWS_AS(DecodeSession(withKeys, static_cast<FlowConsumerFactory*>(nullptr)),
                    std::logic_error);

    const auto path = std::filesystem::temp_directory_path() / "h2lens_session_late_keys.txt";
    std::filesystem::remove(path);
    SessionOptions follow;
    follow.keyLogPath = path.string();
    follow.followKeyLog = true;
    follow.tlsThreads = 3;  // a followed key log opens records in turn
    DecodeSession session(follow, events);
    CHECK(session.tlsPool() == nullptr);
    REQUIRE(session.keyLogFile() != nullptr);
    CHECK(session.pollKeyLog() == KeyLogFile::Status::Missing);
    std::ofstream(path) << "CLIENT_RANDOM " << std::string(64, 'a') << " " << std::string(96, 'b')
                        << "\n";
    CHECK(session.pollKeyLog() == KeyLogFile::Status::Read);
    CHECK(session.keys().acceptedLines() == 1);
    CHECK(session.pollKeyLog() == KeyLogFile::Status::Unchanged);
    std::filesystem::remove(path);

    SessionOptions plain;
    DecodeSession noFile(plain, events);
    CHECK(noFile.keyLogFile() == nullptr);
    CHECK(noFile.pollKeyLog() == KeyLogFile::Status::Missing);
}
