// TLS records opened ahead on other threads (TlsOpenJob, DecodeBacklog, cli/'s TlsOpenPool):
// the listener must hear exactly what a decode that opens each record as it comes hears, on
// real captures with every kind of key change (TLS 1.3 handshake -> application keys, KeyUpdate
// in both directions, TLS 1.2 ChangeCipherSpec and resumption, pcapng DSB keys), with losses,
// tampered records and keys missing; also when the guessed sequence numbers are wrong or the
// backlog is tiny. And the work must really move: most records are opened by the jobs.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "pipeline/http2_session.h"
#include "pipeline/secrets_feed.h"
#include "parallel/tls_open_pool.h"
#include "tls_test_support.h"

using namespace h2lens;
using namespace h2lens::test;
namespace fs = std::filesystem;

namespace {

// Runs jobs only when the decoder waits for them, on its thread: everything goes through the
// backlog and its bound. With `misguide`, every third job is given a wrong sequence number
// before it runs, as a wrong guess would: the session must notice and open the record itself.
class LazyService final : public TlsOpenService {
  public:
    explicit LazyService(bool misguide) : m_misguide(misguide) {}
    void submit(std::shared_ptr<TlsOpenJob> job) override {
        if (m_misguide && ++m_count % 3 == 0) job->seq += 1;
    }
    bool done(const TlsOpenJob& job) override { return job.state.load() == 2; }
    void wait(TlsOpenJob& job) override {
        job.run(m_openers.get(job.protection));
        job.state.store(2);
    }

  private:
    bool m_misguide;
    std::uint64_t m_count = 0;
    AeadOpenerCache m_openers;
};

// Runs each job as it is submitted, on the decoding thread: the backlog never waits, so how
// far the session has got when it guesses is the same on every run (a pool's timing is not).
class EagerService final : public TlsOpenService {
  public:
    void submit(std::shared_ptr<TlsOpenJob> job) override {
        job->run(m_openers.get(job->protection));
        job->state.store(2);
    }
    bool done(const TlsOpenJob& job) override { return job.state.load() == 2; }
    void wait(TlsOpenJob&) override {}

  private:
    AeadOpenerCache m_openers;
};

// Flips the last byte of every seventh large server packet (its TCP payload: a record's
// ciphertext or tag), so some records fail authentication.
struct Tampering {
    bool on = false;
    std::uint64_t large = 0;
    Bytes copy;
    void apply(Packet& p) {
        if (!on || p.data.size() < 1000 || ++large % 7 != 0) return;
        copy.assign(p.data.begin(), p.data.end());
        copy.back() ^= 0x5a;
        p.data = copy;
    }
};

struct Run {
    std::vector<std::string> lines;
    std::uint64_t opened = 0, openedAhead = 0;
};

Run decode(const fs::path& capture, const fs::path& keyFile, TlsOpenService* service,
           bool tamper = false, std::size_t maxBacklog = Http2SessionFactory::kMaxBacklogBytes) {
    KeyLog keys;
    if (!keyFile.empty()) keys = keyLogFrom(keyFile);
    Limits limits;
    H2EventText text;
    Http2SessionFactory factory(limits, &text, &keys);
    factory.setTlsOpenService(service, maxBacklog);
    Analyzer analyzer(limits, &factory);
    auto src = openCapture(capture.string());
    SecretsFeed secrets(keys, analyzer);  // flushes before adding keys, as the CLI does
    Tampering tampering;
    tampering.on = tamper;
    Packet p;
    while (src->next(p) == ReadStatus::Packet) {
        secrets.update(*src);
        tampering.apply(p);
        analyzer.ingest(p);
    }
    analyzer.finish();
    return Run{std::move(text.lines), text.opened, text.openedAhead};
}

struct Case {
    std::string name;
    fs::path capture;
    fs::path keys;
};

std::vector<Case> cases() {
    std::vector<Case> out;
    const fs::path own = fs::path(H2LENS_SOURCE_DIR) / "tests/tls/data";
    out.push_back({"TLS 1.3 KeyUpdate both ways (openssl s_client/s_server)",
                   own / "tls13_keyupdate.pcap", own / "tls13_keyupdate.keys"});
    if (!fs::exists(sharedDir())) return out;
    for (const char* dir : {"03a_tls13_curl_nginx", "03b_tls12_curl_python_nginx",
                            "03d_tls_nghttp_nghttpd", "09_netem_loss_reorder"}) {
        const auto d = sharedDir() / "captures" / dir;
        out.push_back({dir, d / "capture.pcap", d / "keylog.txt"});
    }
    const auto dsb = sharedDir() / "captures/12a_pcapng_dumpcap_dsb";
    out.push_back({"12a: keys from the pcapng's DSBs only", dsb / "capture.pcapng", {}});
    // One connection's keys missing: its records are never opened, the others' are.
    out.push_back({"03b with 03a's key log (no keys for these randoms)",
                   sharedDir() / "captures/03b_tls12_curl_python_nginx/capture.pcap",
                   sharedDir() / "captures/03a_tls13_curl_nginx/keylog.txt"});
    return out;
}

}  // namespace

TEST_CASE("Records opened ahead give the same decode as records opened in turn",
          "[tls][ahead][uses-captures]") {
    if (!fs::exists(sharedDir()))
        WARN("../shared is absent: only the bundled KeyUpdate capture is checked");
    for (const Case& c : cases()) {
        for (const bool tamper : {false, true}) {
            INFO(c.name << (tamper ? ", tampered" : ""));
            const Run inTurn = decode(c.capture, c.keys, nullptr, tamper);
            REQUIRE(!inTurn.lines.empty());
            CHECK(inTurn.openedAhead == 0);

            TlsOpenPool one(1), three(3);
            LazyService lazy(false), misguided(true), lazyTiny(false);
            EagerService eager;
            struct Service {
                const char* name;
                TlsOpenService* service;
                std::size_t maxBacklog;
            };
            constexpr std::size_t kDefault = Http2SessionFactory::kMaxBacklogBytes;
            const Service services[] = {
                {"pool of 1", &one, kDefault},
                {"pool of 3", &three, kDefault},
                {"pool of 1, backlog bound 0 (waits for every record)", &one, 0},
                {"lazy", &lazy, kDefault},
                {"lazy, backlog bound 64 KiB", &lazyTiny, 64 << 10},
                {"misguided", &misguided, kDefault},
                {"eager", &eager, kDefault}};
            for (const auto& [name, service, maxBacklog] : services) {
                INFO("service: " << name);
                const Run ahead = decode(c.capture, c.keys, service, tamper, maxBacklog);
                CHECK(ahead.opened == inTurn.opened);
                REQUIRE(ahead.lines.size() == inTurn.lines.size());
                for (std::size_t i = 0; i < ahead.lines.size(); ++i) {
                    if (ahead.lines[i] != inTurn.lines[i]) {
                        FAIL_CHECK("line " << i << ": " << ahead.lines[i]
                                           << "\n  in turn: " << inTurn.lines[i]);
                        break;
                    }
                }
                if (service == &misguided && ahead.opened > 0)
                    CHECK(ahead.openedAhead < ahead.opened);
            }
        }
    }
}

TEST_CASE("Most records of a bulk TLS transfer are opened ahead, across KeyUpdates",
          "[tls][ahead][uses-captures]") {
    const fs::path own = fs::path(H2LENS_SOURCE_DIR) / "tests/tls/data";
    EagerService eager;
    const Run run = decode(own / "tls13_keyupdate.pcap", own / "tls13_keyupdate.keys", &eager);
    // Handshake records, and the records queued behind each of the 3 KeyUpdates (guessed with
    // the old key), are opened in turn; every other one by its job.
    INFO(run.openedAhead << " of " << run.opened << " records opened ahead");
    CHECK(run.opened > 30);
    CHECK(run.openedAhead * 10 >= run.opened * 6);
    // Without a service none is.
    CHECK(decode(own / "tls13_keyupdate.pcap", own / "tls13_keyupdate.keys", nullptr).openedAhead ==
          0);
}

namespace {

// Several shared captures played as one, their starts 0.5 ms apart, so TLS connections run
// beside h2c prior knowledge, h2c Upgrade and gRPC ones: work of non-TLS connections waits
// behind records being opened (engine bytes, detection replays, connection ends).
Run decodeMixed(TlsOpenService* service, std::size_t maxBacklog) {
    struct Owned {
        Packet meta;
        Bytes data;
    };
    std::vector<Owned> packets;
    KeyLog keys;
    const char* dirs[] = {"01_h2c_prior_knowledge",
                          "02_h2c_upgrade",
                          "03a_tls13_curl_nginx",
                          "03b_tls12_curl_python_nginx",
                          "03d_tls_nghttp_nghttpd",
                          "13_grpc_python",
                          "14b_go_h2c"};
    TimestampNs start = 0;
    for (const char* d : dirs) {
        const fs::path dir = sharedDir() / "captures" / d;
        if (fs::exists(dir / "keylog.txt")) {
            std::string error;
            REQUIRE(keys.loadFile((dir / "keylog.txt").string(), error));
        }
        fs::path file = dir / "capture.pcap";
        if (!fs::exists(file)) file = dir / "capture.pcapng";
        auto src = openCapture(file.string());
        Packet p;
        bool first = true;
        TimestampNs firstTs = 0;
        while (src->next(p) == ReadStatus::Packet) {
            if (first) firstTs = p.ts, first = false;
            Owned o{p, Bytes(p.data.begin(), p.data.end())};
            o.meta.ts = start + (p.ts - firstTs);
            packets.push_back(std::move(o));
        }
        start += 500'000;
    }
    std::stable_sort(packets.begin(), packets.end(),
                     [](const Owned& a, const Owned& b) { return a.meta.ts < b.meta.ts; });
    Limits limits;
    H2EventText text;
    Http2SessionFactory factory(limits, &text, &keys);
    factory.setTlsOpenService(service, maxBacklog);
    Analyzer analyzer(limits, &factory);
    std::uint64_t number = 0;
    for (Owned& o : packets) {
        o.meta.number = ++number;
        o.meta.data = o.data;
        analyzer.ingest(o.meta);
    }
    analyzer.finish();
    return Run{std::move(text.lines), text.opened, text.openedAhead};
}

}  // namespace

TEST_CASE(
    "TLS beside h2c, Upgrade and gRPC connections gives the same events in the same order when "
    "opened ahead",
    "[tls][ahead][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const Run inTurn = decodeMixed(nullptr, 0);
    REQUIRE(inTurn.lines.size() > 1000);
    REQUIRE(inTurn.opened > 50);
    TlsOpenPool pool(2);
    LazyService lazy(false);
    EagerService eager;
    const std::pair<TlsOpenService*, std::size_t> runs[] = {
        {&pool, Http2SessionFactory::kMaxBacklogBytes},
        {&pool, 0},
        {&lazy, 64 << 10},
        {&eager, Http2SessionFactory::kMaxBacklogBytes}};
    for (const auto& [service, bound] : runs) {
        INFO("backlog bound " << bound);
        const Run ahead = decodeMixed(service, bound);
        CHECK(ahead.lines == inTurn.lines);
        CHECK(ahead.opened == inTurn.opened);
        if (service == &eager) CHECK(ahead.openedAhead > 0);
    }
}

TEST_CASE("The TLS service is set before the first connection, never after", "[tls][ahead]") {
    Limits limits;
    H2EventText text;
    Http2SessionFactory factory(limits, &text);
    EagerService eager;
    factory.setTlsOpenService(&eager);
    FlowRecord rec;
    auto session = factory.create(rec);
    CHECK_THROWS_AS(factory.setTlsOpenService(nullptr), std::logic_error);
}
