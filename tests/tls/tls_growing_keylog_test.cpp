// A key log that is still being written while the capture is decoded (`live --keylog`): the
// file follower (appended lines, unfinished lines, truncation, replacement) and TlsSession
// keeping records until their keys arrive. Real captures are decoded once with the whole key
// log read up front, and again with an empty key log file to which each connection's lines are
// appended one at a time, only after the session had to keep records for lack of them; the
// decrypted bytes, the reports and the HTTP/2 decode must come out the same.
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "pipeline/http2_session.h"
#include "tls/key_log_file.h"
#include "tls_test_support.h"

using namespace h2lens;
using namespace h2lens::test;
namespace fs = std::filesystem;

namespace {

class TempFile {
  public:
    explicit TempFile(const std::string& tag)
        : m_path(fs::temp_directory_path() /
                 ("h2lens_keylog_" + tag + "_" + std::to_string(getpid()))) {
        fs::remove(m_path);
    }
    ~TempFile() { fs::remove(m_path); }
    const fs::path& path() const { return m_path; }
    void append(const std::string& text) const {
        std::ofstream out(m_path, std::ios::binary | std::ios::app);
        out << text;
    }
    void replaceWith(const std::string& text) const {
        const fs::path tmp = m_path.string() + ".new";
        std::ofstream(tmp, std::ios::binary) << text;
        fs::rename(tmp, m_path);  // a new inode, as editors and log rotation do
    }

  private:
    fs::path m_path;
};

std::vector<std::string> readLines(const fs::path& file) {
    std::ifstream in(file);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) lines.push_back(line + "\n");
    return lines;
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// The lines of `all` that belong to the connection with this client random (hex), file order.
std::vector<std::string> linesFor(const std::vector<std::string>& all, const std::string& random) {
    std::vector<std::string> out;
    for (const auto& l : all)
        if (lower(l).find(random) != std::string::npos) out.push_back(l);
    return out;
}

// Like TlsCollector, with access to the session (how many records it keeps right now) and to
// the client random, from the first bytes of the ClientHello.
struct WatchedFlow {
    std::unique_ptr<TlsSession> session;
    TlsFlowResult result;
    Bytes clientStart;
    std::string randomHex() const {
        if (clientStart.size() < 5 + 4 + 2 + 32) return {};
        return lower(hexString(ByteSpan(clientStart).subspan(5 + 4 + 2, 32)));
    }
};

class WatchingCollector final : public FlowConsumerFactory {
  public:
    WatchingCollector(const KeyLog& keys, std::size_t maxDeferred,
                      std::shared_ptr<TlsHoldBudget> budget = nullptr)
        : m_keys(keys), m_maxDeferred(maxDeferred), m_budget(std::move(budget)) {}
    std::unique_ptr<FlowConsumer> create(const FlowRecord& record) override;
    std::map<std::uint64_t, WatchedFlow> flows;

  private:
    class Consumer;
    const KeyLog& m_keys;
    Limits m_limits;
    std::size_t m_maxDeferred;
    std::shared_ptr<TlsHoldBudget> m_budget;
};

class WatchingCollector::Consumer final : public FlowConsumer, public TlsPlaintextSink {
  public:
    Consumer(WatchingCollector& owner, const FlowRecord& rec) : m_flow(owner.flows[rec.id]) {
        m_flow.session = std::make_unique<TlsSession>(owner.m_keys, owner.m_limits);
        m_flow.session->setMaxDeferredBytes(owner.m_maxDeferred);
        m_flow.session->setHoldBudget(owner.m_budget);
        m_flow.result.id = rec.id;
    }
    void onData(Direction dir, std::uint64_t, ByteSpan data, TimestampNs ts,
                std::uint64_t) override {
        if (dir == Direction::ClientToServer && m_flow.clientStart.size() < 64)
            m_flow.clientStart.insert(m_flow.clientStart.end(), data.begin(),
                                      data.begin() + std::min<std::size_t>(data.size(), 64));
        m_flow.session->feed(dir, data, ts, *this);
    }
    void onGap(Direction dir, std::uint64_t, std::uint64_t length, TimestampNs ts) override {
        m_flow.session->gap(dir, length, ts, *this);
    }
    void onEnd(const FlowRecord& rec) override {
        m_flow.session->finish(rec.lastTs, *this);
        m_flow.result.report = m_flow.session->report();
    }
    void onPlaintext(Direction dir, ByteSpan bytes, TimestampNs) override {
        auto& p = m_flow.result.plaintext[static_cast<int>(dir)];
        p.insert(p.end(), bytes.begin(), bytes.end());
        m_flow.result.chunks[static_cast<int>(dir)].emplace_back(bytes.begin(), bytes.end());
    }
    void onPlaintextGap(Direction dir, std::uint64_t, TimestampNs) override {
        ++m_flow.result.gaps[static_cast<int>(dir)];
    }
    void onIssue(Direction dir, const std::string& message, TimestampNs) override {
        m_flow.result.issues.push_back(std::string(directionName(dir)) + ": " + message);
    }

  private:
    WatchedFlow& m_flow;
};

std::unique_ptr<FlowConsumer> WatchingCollector::create(const FlowRecord& record) {
    return std::make_unique<Consumer>(*this, record);
}

// Which key log lines were appended after which packet (packet number -> lines).
using Schedule = std::map<std::uint64_t, std::vector<std::string>>;

struct LateKeysRun {
    std::map<std::uint64_t, WatchedFlow> flows;
    Schedule schedule;
};

// Decodes `capture` with a growing key log that starts empty. After each packet, every
// connection whose session keeps records gets the next of its lines appended to the key log
// file (in two writes, so the follower first sees half a line), and the file is polled, as
// `live` does before each batch. `withholdAll`: no line is ever appended.
LateKeysRun decodeWithLateKeys(const fs::path& capture, const fs::path& fullKeyLog,
                               bool withholdAll = false,
                               std::size_t maxDeferred = Limits{}.maxTlsHeldBytes,
                               std::shared_ptr<TlsHoldBudget> budget = nullptr) {
    const std::vector<std::string> all = readLines(fullKeyLog);
    TempFile file("late");
    KeyLog keys;
    keys.setGrowing(true);
    KeyLogFile follower(file.path().string());
    CHECK(follower.poll(keys) == KeyLogFile::Status::Missing);  // created later, like curl does
    WatchingCollector collector(keys, maxDeferred, budget);
    Limits limits;
    Analyzer analyzer(limits, &collector);
    std::map<std::uint64_t, std::size_t> nextLine;  // per flow
    LateKeysRun run;
    auto src = openCapture(capture.string());
    Packet p;
    while (src->next(p) == ReadStatus::Packet) {
        analyzer.ingest(p);
        if (withholdAll) continue;
        for (auto& [id, flow] : collector.flows) {
            if (!flow.session || flow.session->deferredRecords() == 0) continue;
            const auto lines = linesFor(all, flow.randomHex());
            std::size_t& next = nextLine[id];
            if (next >= lines.size()) continue;
            const std::string& line = lines[next++];
            file.append(line.substr(0, line.size() / 2));
            follower.poll(keys);
            file.append(line.substr(line.size() / 2));
            run.schedule[p.number].push_back(line);
        }
        follower.poll(keys);
    }
    analyzer.finish();
    for (auto& [id, flow] : collector.flows) {
        flow.session.reset();
        if (flow.result.report.tls) run.flows.emplace(id, std::move(flow));
    }
    return run;
}

// `late` may add the one sentence about records that waited for keys past the bound.
void checkSameDecode(const TlsFlowResult& late, const TlsFlowResult& upfront) {
    INFO("connection " << late.id << ": " << late.report.summary());
    CHECK(late.report.summary() == upfront.report.summary());
    CHECK(late.report.decryption == upfront.report.decryption);
    CHECK(late.report.reason == upfront.report.reason);
    for (int d = 0; d < 2; ++d) {
        CHECK(late.plaintext[d] == upfront.plaintext[d]);
        CHECK(late.chunks[d].size() == upfront.chunks[d].size());
        CHECK(late.gaps[d] == upfront.gaps[d]);
        CHECK(late.report.dir[d].records == upfront.report.dir[d].records);
        CHECK(late.report.dir[d].decryptedRecords == upfront.report.dir[d].decryptedRecords);
        CHECK(late.report.dir[d].undecryptedRecords == upfront.report.dir[d].undecryptedRecords);
        CHECK(late.report.dir[d].failedRecords == upfront.report.dir[d].failedRecords);
    }
    std::vector<std::string> issues;
    for (const auto& i : late.issues)
        if (i.find("waited for keys") == std::string::npos || !late.report.deferralOverflow)
            issues.push_back(i);
    CHECK(issues == upfront.issues);
}

// The whole pipeline (Http2SessionFactory) with key lines appended after the packets
// `schedule` says; an empty schedule with `upfront` reads the whole key log first.
std::map<std::uint64_t, std::vector<std::string>> decodeHttp2(const fs::path& capture,
                                                              const fs::path& fullKeyLog,
                                                              const Schedule* schedule) {
    KeyLog keys;
    TempFile file("pipeline");
    KeyLogFile follower(file.path().string());
    if (schedule) {
        keys.setGrowing(true);
    } else {
        keys = keyLogFrom(fullKeyLog);
    }
    Limits limits;
    H2EventText text;
    Http2SessionFactory factory(limits, &text, &keys);
    Analyzer analyzer(limits, &factory);
    auto src = openCapture(capture.string());
    Packet p;
    while (src->next(p) == ReadStatus::Packet) {
        analyzer.ingest(p);
        if (!schedule) continue;
        if (auto it = schedule->find(p.number); it != schedule->end())
            for (const auto& line : it->second) file.append(line);
        follower.poll(keys);
    }
    analyzer.finish();
    return text.byConn;
}

struct Scenario {
    const char* dir;
    std::uint16_t version;
};
const Scenario kScenarios[] = {
    {"captures/03b_tls12_curl_python_nginx", kTls12},  // full and resumed TLS 1.2 handshakes
    {"captures/03a_tls13_curl_nginx", kTls13},
    {"captures/09_netem_loss_reorder", kTls12},  // loss and reordering on the way
};

}  // namespace

TEST_CASE(
    "A followed key log file reads appended lines, waits for unfinished ones and restarts after "
    "truncation or replacement",
    "[tls][keylog][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const auto lines = readLines(sharedDir() / "captures/03b_tls12_curl_python_nginx/keylog.txt");
    REQUIRE(lines.size() >= 4);
    TempFile file("follow");
    KeyLog keys;
    KeyLogFile follower(file.path().string());
    CHECK(follower.poll(keys) == KeyLogFile::Status::Missing);

    file.append(lines[0]);
    CHECK(follower.poll(keys) == KeyLogFile::Status::Read);
    CHECK(keys.acceptedLines() == 1);
    const auto gen = keys.generation();
    CHECK(follower.poll(keys) == KeyLogFile::Status::Unchanged);

    // Half a line is kept until its newline arrives; then it counts once.
    file.append(lines[1].substr(0, 50));
    CHECK(follower.poll(keys) == KeyLogFile::Status::Read);
    CHECK(keys.acceptedLines() == 1);
    CHECK(keys.generation() == gen);
    file.append(lines[1].substr(50) + lines[2]);
    follower.poll(keys);
    CHECK(keys.acceptedLines() == 3);
    CHECK(keys.randomCount() == 3);
    CHECK(keys.malformedLines() == 0);
    CHECK(keys.generation() != gen);

    // Truncated and written again: read from the start.
    { std::ofstream(file.path(), std::ios::binary | std::ios::trunc) << lines[3]; }
    CHECK(follower.poll(keys) == KeyLogFile::Status::Read);
    CHECK(follower.restarts() == 1);
    CHECK(keys.randomCount() == 4);
    CHECK(follower.offset() == lines[3].size());

    // Replaced by another file (a new inode) that is longer than what was read.
    file.replaceWith(lines[0] + lines[1] + lines[2] + lines[3]);
    follower.poll(keys);
    CHECK(follower.restarts() == 2);
    CHECK(keys.acceptedLines() == 4 + 4);

    // Rewritten in place with other lines of the same length: noticed by the bytes already read.
    {
        std::fstream f(file.path(), std::ios::binary | std::ios::in | std::ios::out);
        f << lines[3] + lines[2] + lines[1] + lines[0];
    }
    follower.poll(keys);
    CHECK(follower.restarts() == 3);

    // Something that is not a key log line, without a newline for a long time: skipped.
    file.append(std::string(KeyLogFile::kMaxLineLength + 10, 'x'));
    follower.poll(keys);
    file.append(std::string(100, 'y') + "\n" + lines[0]);
    const auto before = keys.acceptedLines();
    follower.poll(keys);
    CHECK(follower.skippedLongLines() == 1);
    CHECK(keys.acceptedLines() == before + 1);
    CHECK(keys.malformedLines() == 0);

    // A last line without a newline: only the final poll takes it.
    std::string last = lines[1];
    last.pop_back();
    file.append(last);
    follower.poll(keys);
    CHECK(keys.acceptedLines() == before + 1);
    follower.pollFinal(keys);
    CHECK(keys.acceptedLines() == before + 2);
}

TEST_CASE("A key log bound on randoms forgets the oldest and counts it",
          "[tls][keylog][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const auto lines = readLines(sharedDir() / "captures/03b_tls12_curl_python_nginx/keylog.txt");
    REQUIRE(lines.size() >= 4);
    KeyLog keys;
    keys.setMaxRandoms(2);
    for (const auto& l : lines) keys.addLines(l);
    CHECK(keys.randomCount() == 2);
    CHECK(keys.evictedRandoms() == lines.size() - 2);
    // The newest two are the ones kept.
    const std::string newest = lines.back().substr(14, 64);
    Bytes random;
    for (std::size_t i = 0; i < 64; i += 2)
        random.push_back(static_cast<std::uint8_t>(std::stoi(newest.substr(i, 2), nullptr, 16)));
    CHECK(keys.find(random) != nullptr);
}

TEST_CASE("Keys appended to the key log after the records that need them give the same decode",
          "[tls][keylog][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    for (const Scenario& sc : kScenarios) {
        DYNAMIC_SECTION(sc.dir) {
            const fs::path dir = sharedDir() / sc.dir;
            const fs::path capture = dir / "capture.pcap";
            KeyLog full = keyLogFrom(dir / "keylog.txt");
            const auto upfront = runTls(capture, full);
            REQUIRE(!upfront.empty());
            const LateKeysRun late = decodeWithLateKeys(capture, dir / "keylog.txt");
            REQUIRE(late.flows.size() == upfront.size());
            REQUIRE(!late.schedule.empty());
            for (const auto& [id, f] : late.flows) {
                const TlsFlowResult& ref = upfront.at(id);
                CHECK(ref.report.decrypted());
                CHECK(f.result.report.version == sc.version);
                // The session really had to wait: records were kept, then decrypted.
                CHECK(f.result.report.dir[0].deferredRecords +
                          f.result.report.dir[1].deferredRecords >
                      0);
                CHECK_FALSE(f.result.report.deferralOverflow);
                checkSameDecode(f.result, ref);
            }

            // The same schedule through the whole pipeline: frames, headers, streams, anomalies
            // and connection summaries identical to reading the key log first.
            const auto h2Upfront = decodeHttp2(capture, dir / "keylog.txt", nullptr);
            const auto h2Late = decodeHttp2(capture, dir / "keylog.txt", &late.schedule);
            REQUIRE(h2Late.size() == h2Upfront.size());
            for (const auto& [id, events] : h2Upfront) {
                INFO("connection " << id);
                CHECK(h2Late.at(id) == events);
            }
        }
    }
}

TEST_CASE("Keys that never arrive give the same report as without a growing key log",
          "[tls][keylog][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    for (const Scenario& sc : kScenarios) {
        DYNAMIC_SECTION(sc.dir) {
            const fs::path dir = sharedDir() / sc.dir;
            KeyLog none;
            const auto noKeys = runTls(dir / "capture.pcap", none);
            const LateKeysRun late = decodeWithLateKeys(dir / "capture.pcap", dir / "keylog.txt",
                                                        /*withholdAll=*/true);
            REQUIRE(late.flows.size() == noKeys.size());
            for (const auto& [id, f] : late.flows) {
                const TlsFlowResult& ref = noKeys.at(id);
                CHECK(ref.report.decryption == TlsDecryption::NoKey);
                CHECK(f.result.report.reason == "no key for this client random");
                CHECK(f.result.report.dir[1].deferredRecords > 0);
                checkSameDecode(f.result, ref);
            }
        }
    }
}

TEST_CASE("Records waiting for keys are bounded, and past the bound they go without keys",
          "[tls][keylog][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const fs::path dir = sharedDir() / "captures/03b_tls12_curl_python_nginx";
    KeyLog none;
    const auto noKeys = runTls(dir / "capture.pcap", none);
    const LateKeysRun late =
        decodeWithLateKeys(dir / "capture.pcap", dir / "keylog.txt", true, 2000);
    REQUIRE(late.flows.size() == noKeys.size());
    for (const auto& [id, f] : late.flows) {
        INFO("connection " << id);
        CHECK(f.result.report.deferralOverflow);
        CHECK(f.result.report.decryption == TlsDecryption::NoKey);
        CHECK(f.result.plaintext[0].empty());
        CHECK(f.result.plaintext[1].empty());
        std::size_t overflowIssues = 0;
        for (const auto& i : f.result.issues)
            overflowIssues += i.find("waited for keys") != std::string::npos;
        CHECK(overflowIssues == 1);
        for (int d = 0; d < 2; ++d)
            CHECK(f.result.report.dir[d].undecryptedRecords ==
                  noKeys.at(id).report.dir[d].undecryptedRecords);
    }
}

TEST_CASE("Records waiting for keys are bounded across connections too",
          "[tls][keylog][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const fs::path dir = sharedDir() / "captures/03b_tls12_curl_python_nginx";
    KeyLog none;
    const auto noKeys = runTls(dir / "capture.pcap", none);
    // Each connection alone stays under its own bound; together they would not.
    const std::size_t total = 6000;
    auto budget = std::make_shared<TlsHoldBudget>(total);
    const LateKeysRun late = decodeWithLateKeys(dir / "capture.pcap", dir / "keylog.txt", true,
                                                Limits{}.maxTlsHeldBytes, budget);
    REQUIRE(late.flows.size() == noKeys.size());
    CHECK(budget->peak() <= total);
    CHECK(budget->peak() > total / 2);
    CHECK(budget->used() == 0);  // everything held was given back
    std::size_t overflowed = 0;
    for (const auto& [id, f] : late.flows) {
        INFO("connection " << id);
        std::size_t sentences = 0;
        for (const auto& i : f.result.issues)
            sentences += i.find("of all connections that waited for keys") != std::string::npos;
        CHECK(sentences == (f.result.report.deferralOverflow ? 1u : 0u));
        overflowed += f.result.report.deferralOverflow;
        // Over the bound or not, the decode is the one without keys.
        CHECK(f.result.report.decryption == TlsDecryption::NoKey);
        CHECK(f.result.plaintext[1].empty());
        for (int d = 0; d < 2; ++d)
            CHECK(f.result.report.dir[d].undecryptedRecords ==
                  noKeys.at(id).report.dir[d].undecryptedRecords);
    }
    CHECK(overflowed >= 1);
    CHECK(overflowed < late.flows.size());
}
