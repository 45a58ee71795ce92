// OrderedWork runs jobs on threads but must hand results back in submission order, stay within
// its in-flight bound, and surface a job's exception on the submitting thread. The NDJSON export
// built on it must write byte for byte what the single-threaded export writes.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

#include "export_test_support.h"
#include "parallel/ordered_work.h"
#include "test_paths.h"

using namespace h2lens;
using namespace h2lens::test;

namespace {

// The CLI's threaded NDJSON export, in process: the scheduler writes into the same stream.
std::string exportThreaded(const std::string& path, const ExportOptions& options,
                           unsigned workers) {
    std::ostringstream out;
    {
        OrderedWork work(workers, 8u << 20, [&](const std::string& text, bool) { out << text; });
        JsonWriter writer(options, JsonWriter::Format::Ndjson, out);
        writer.setScheduler(&work);
        feedCapture(path, options, writer, [&](JsonWriter& w) {
            w.finish(std::filesystem::path(path).filename().string(), 0);
        });
    }
    return out.str();
}

}  // namespace

TEST_CASE("OrderedWork delivers in submission order, within its bound of undelivered cost") {
    for (unsigned workers : {0u, 1u, 3u, 8u}) {
        INFO(workers);
        std::vector<std::string> got;
        // Cost submitted and not yet delivered; with 8 workers the bound, not the pool, limits it.
        std::atomic<std::size_t> pending{0}, peak{0};
        constexpr std::size_t kCost = 10, kMax = 40;
        auto raise = [&](std::size_t c) {
            const std::size_t now = pending.fetch_add(c) + c;
            std::size_t p = peak.load();
            while (now > p && !peak.compare_exchange_weak(p, now)) {
            }
        };
        {
            OrderedWork work(workers, kMax, [&](const std::string& s, bool) {
                pending.fetch_sub(s[0] == 't' ? s.size() : kCost);
                got.push_back(s);
            });
            std::mt19937 rng(workers);
            for (int i = 0; i < 300; ++i) {
                if (i % 7 == 0) {
                    std::string text = "t" + std::to_string(i);
                    // Counted before the call: submitText may wait for room, then deliver at once.
                    raise(text.size());
                    work.submitText(std::move(text));
                    continue;
                }
                const int delayUs = static_cast<int>(rng() % 300);
                raise(kCost);
                work.submit(
                    [i, delayUs] {
                        std::this_thread::sleep_for(std::chrono::microseconds(delayUs));
                        return "j" + std::to_string(i);
                    },
                    kCost);
            }
            work.finish();
        }
        REQUIRE(got.size() == 300);
        for (int i = 0; i < 300; ++i) CHECK(got[i] == (i % 7 == 0 ? "t" : "j") + std::to_string(i));
        // The submitter counts a job just before submit() admits it: at most one item over.
        CHECK(peak.load() <= kMax + kCost);
        if (workers == 8) CHECK(peak.load() > 3 * kCost);  // the pool alone would not bound it
    }
}

TEST_CASE("OrderedWork runs one body-decoding job at a time, others beside it") {
    std::atomic<int> decoding{0}, maxDecoding{0}, plainBesideDecode{0};
    std::vector<std::string> got;
    {
        OrderedWork work(4, 1u << 20, [&](const std::string& s, bool) { got.push_back(s); });
        for (int i = 0; i < 60; ++i) {
            const bool decodes = i % 3 == 0;
            work.submit(
                [&, i, decodes] {
                    if (decodes) {
                        const int now = ++decoding;
                        int m = maxDecoding.load();
                        while (now > m && !maxDecoding.compare_exchange_weak(m, now)) {
                        }
                    } else if (decoding.load() > 0) {
                        ++plainBesideDecode;
                    }
                    std::this_thread::sleep_for(std::chrono::milliseconds(2));
                    if (decodes) --decoding;
                    return std::to_string(i);
                },
                100, decodes);
        }
        work.finish();
    }
    REQUIRE(got.size() == 60);
    for (int i = 0; i < 60; ++i) CHECK(got[i] == std::to_string(i));
    CHECK(maxDecoding.load() == 1);
    CHECK(plainBesideDecode.load() > 0);  // the other workers were not idle meanwhile
}

TEST_CASE("OrderedWork destroyed without finish() writes no line after a hole") {
    std::vector<std::string> got;
    std::mutex m;
    {
        OrderedWork work(1, 1000, [&](const std::string& s, bool) {
            std::lock_guard lock(m);
            got.push_back(s);
        });
        work.submit(
            [] {
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
                return std::string("slow");
            },
            1);
        for (int i = 0; i < 20; ++i) work.submit([i] { return "later" + std::to_string(i); }, 1);
        // Unwinding (e.g. an export that failed) destroys the scheduler here.
    }
    // Whatever was delivered is a prefix of the submissions: no empty or out-of-order line.
    const std::vector<std::string> all = [] {
        std::vector<std::string> v{"slow"};
        for (int i = 0; i < 20; ++i) v.push_back("later" + std::to_string(i));
        return v;
    }();
    REQUIRE(got.size() <= all.size());
    for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == all[i]);
}

TEST_CASE("OrderedWork rethrows a job's exception on the submitting thread, in order") {
    std::vector<std::string> got;
    OrderedWork work(2, 1000, [&](const std::string& s, bool) { got.push_back(s); });
    work.submit([] { return std::string("a"); }, 1);
    work.submit([]() -> std::string { throw std::runtime_error("bad body"); }, 1);
    // The failure surfaces at the first call after it is known: this submit or finish().
    CHECK_THROWS_WITH(
        [&] {
            work.submit([] { return std::string("c"); }, 1);
            work.finish();
        }(),
        "bad body");
    CHECK(got == std::vector<std::string>{"a"});
    // Poisoned from then on: later work is refused with the same error, never delivered.
    CHECK_THROWS_WITH(work.submit([] { return std::string("d"); }, 1), "bad body");
    CHECK(got == std::vector<std::string>{"a"});
}

TEST_CASE("OrderedWork delivers a finished result without waiting for the next submit") {
    // A live pipe (`h2lens live -w - | h2lens export --ndjson -`) must see a stream's line when
    // it is ready, even if no other stream finishes for a long time.
    std::mutex m;
    std::condition_variable cv;
    std::vector<std::pair<std::string, bool>> got;
    OrderedWork work(2, 1000, [&](const std::string& s, bool idle) {
        std::lock_guard lock(m);
        got.emplace_back(s, idle);
        cv.notify_all();
    });
    work.submit([] { return std::string("only"); }, 1);
    std::unique_lock lock(m);
    CHECK(cv.wait_for(lock, std::chrono::seconds(10), [&] { return !got.empty(); }));
    REQUIRE(got.size() == 1);
    CHECK(got[0].first == "only");
    CHECK(got[0].second);  // nothing else pending: the writer may flush
    lock.unlock();
    work.finish();
}

TEST_CASE("OrderedWork runs a job larger than its bound alone instead of stalling") {
    std::vector<std::string> got;
    OrderedWork work(2, 10, [&](const std::string& s, bool) { got.push_back(s); });
    work.submit([] { return std::string("big"); }, 1000);
    work.submit([] { return std::string("small"); }, 1);
    work.finish();
    CHECK(got == std::vector<std::string>{"big", "small"});
}

TEST_CASE("NDJSON with worker threads is byte-identical to the single-threaded export",
          "[uses-captures]") {
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(sourceDir() / "samples")) {
        const auto ext = e.path().extension();
        if (ext == ".pcap" || ext == ".pcapng") files.push_back(e.path());
    }
    if (haveShared()) {
        for (const char* dir : {"05_many_streams_h2load_nghttpd", "04_post_upload",
                                "13_grpc_python", "09_netem_loss_reorder"}) {
            files.push_back(sharedDir() / "captures" / dir / "capture.pcap");
        }
    } else {
        WARN("../shared is absent: only the bundled samples are compared");
    }
    for (const auto& file : files) {
        if (!std::filesystem::exists(file)) continue;
        INFO(file.string());
        ExportOptions single;
        single.frames = true;
        const std::string reference = exportJson(file.string(), single, JsonWriter::Format::Ndjson);
        CHECK(reference.find("\"record\":\"stream\"") != std::string::npos);
        for (unsigned workers : {0u, 1u, 3u})
            CHECK(exportThreaded(file.string(), single, workers) == reference);
    }
}

TEST_CASE("A body longer than the retention cap still gets the digest of all its bytes",
          "[uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    // 04 uploads a body of several hundred KB; a 1000-byte cap switches to the running digest.
    const auto file = sharedDir() / "captures" / "04_post_upload" / "capture.pcap";
    ExportOptions full;
    ExportOptions capped;
    capped.maxRetainedBody = 1000;
    capped.maxBody = 100;
    const auto a = Json::parse(exportJson(file.string(), full));
    const auto b = Json::parse(exportJson(file.string(), capped));
    std::size_t compared = 0;
    for (std::size_t c = 0; c < a["connections"].size(); ++c) {
        const auto& sa = a["connections"][c]["streams"];
        const auto& sb = b["connections"][c]["streams"];
        REQUIRE(sa.size() == sb.size());
        for (std::size_t s = 0; s < sa.size(); ++s) {
            for (const char* side : {"request", "response"}) {
                const auto& ba = sa[s][side]["body"];
                const auto& bb = sb[s][side]["body"];
                CHECK(ba["sha256"] == bb["sha256"]);
                CHECK(ba["size"] == bb["size"]);
                if (ba["size"].get<std::uint64_t>() > 1000) ++compared;
            }
        }
    }
    CHECK(compared > 0);
}
