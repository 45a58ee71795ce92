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

#include "export/ordered_work.h"
#include "export_test_support.h"
#include "test_paths.h"

using namespace h2lens;
using namespace h2lens::test;

TEST_CASE("OrderedWork delivers in submission order whatever order jobs finish in") {
    for (unsigned workers : {0u, 1u, 3u}) {
        INFO(workers);
        std::vector<std::string> got;
        std::atomic<std::size_t> inFlight{0}, peak{0};
        constexpr std::size_t kCost = 10, kMax = 40;
        {
            OrderedWork work(workers, kMax, [&](const std::string& s, bool) { got.push_back(s); });
            std::mt19937 rng(workers);
            for (int i = 0; i < 300; ++i) {
                if (i % 7 == 0) {
                    work.submitText("t" + std::to_string(i));
                    continue;
                }
                const int delayUs = static_cast<int>(rng() % 300);
                work.submit(
                    [&, i, delayUs] {
                        const std::size_t now = inFlight.fetch_add(kCost) + kCost;
                        std::size_t p = peak.load();
                        while (now > p && !peak.compare_exchange_weak(p, now)) {
                        }
                        std::this_thread::sleep_for(std::chrono::microseconds(delayUs));
                        inFlight.fetch_sub(kCost);
                        return "j" + std::to_string(i);
                    },
                    kCost);
            }
            work.finish();
        }
        REQUIRE(got.size() == 300);
        for (int i = 0; i < 300; ++i) CHECK(got[i] == (i % 7 == 0 ? "t" : "j") + std::to_string(i));
        CHECK(peak.load() <= kMax);
    }
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

TEST_CASE("NDJSON with worker threads is byte-identical to the single-threaded export") {
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
        for (unsigned workers : {1u, 3u}) {
            ExportOptions threaded = single;
            threaded.workers = workers;
            CHECK(exportJson(file.string(), threaded, JsonWriter::Format::Ndjson) == reference);
        }
    }
}

TEST_CASE("a body longer than the retention cap still gets the digest of all its bytes") {
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
