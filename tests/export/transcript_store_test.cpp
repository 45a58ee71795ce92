// Issue 13.2: a TranscriptStore keeps what one decode handed the writers, so an export written
// later from it (the GUI's File > Export) is the same bytes as the export written during the
// decode, on real captures, in JSON, NDJSON and HAR; past its body budget it says it is
// incomplete but keeps exact sizes and digests.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <tuple>
#include <vector>

#include "export/har_writer.h"
#include "export/json_writer.h"
#include "export/transcript_store.h"
#include "export_test_support.h"
#include "test_paths.h"
#include "test_support.h"

using namespace h2lens;
using namespace h2lens::test;

namespace {

// One decode into a store, and the totals the document header needs.
std::unique_ptr<TranscriptStore> storeOf(
    const std::string& path, const ExportOptions& options,
    std::uint64_t maxBodyBytes = TranscriptStore::kDefaultMaxBodyBytes,
    TranscriptStore::OverBudget overBudget = TranscriptStore::OverBudget::KeepDigests,
    std::uint64_t* droppedWhileOpen = nullptr) {
    auto store = std::make_unique<TranscriptStore>(maxBodyBytes, overBudget);
    TranscriptCollector collector(options, store.get());
    Limits limits;
    Http2SessionFactory factory(limits, &collector);
    Analyzer analyzer(limits, &factory);
    auto src = openCapture(path);
    Packet p;
    while (src->next(p) == ReadStatus::Packet) analyzer.ingest(p);
    analyzer.finish();
    store->setTotals(analyzer, 0);
    if (droppedWhileOpen) *droppedWhileOpen = collector.droppedForSink();
    return store;
}

std::string jsonFromStore(const TranscriptStore& store, const std::string& path,
                          const ExportOptions& options, JsonWriter::Format format) {
    std::ostringstream out;
    JsonWriter writer(options, format, out);
    writer.setStats(store.totals().stats, store.totals().tcpConnections);
    store.replay(writer);
    writer.finish(std::filesystem::path(path).filename().string(), store.totals().issues);
    return out.str();
}

std::string harFromStore(const TranscriptStore& store, const ExportOptions& options) {
    std::ostringstream out;
    HarWriter writer(options, out);
    writer.setStats(store.totals().stats, store.totals().tcpConnections);
    store.replay(writer);
    writer.finish();
    return out.str();
}

}  // namespace

TEST_CASE("A stored transcript replays into the bytes the decode wrote on every shared capture",
          "[uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const ExportOptions options;
    std::size_t checked = 0;
    for (const std::filesystem::path& capture : sharedCaptures()) {
        const std::string path = capture.string();
        INFO(path);
        const auto store = storeOf(path, options);
        CHECK(store->complete());
        CHECK(jsonFromStore(*store, path, options, JsonWriter::Format::Document) ==
              exportJson(path, options));
        CHECK(jsonFromStore(*store, path, options, JsonWriter::Format::Ndjson) ==
              exportJson(path, options, JsonWriter::Format::Ndjson));
        CHECK(harFromStore(*store, options) == exportHar(path, options));
        ++checked;
    }
    CHECK(checked >= 10);
}

TEST_CASE("A store over its body budget keeps sizes and digests but says it is incomplete",
          "[uses-captures]") {
    const std::string path = (sourceDir() / "samples" / "h2c_nghttp.pcap").string();
    const ExportOptions options;
    std::uint64_t earlyFull = 1, earlySmall = 0;
    const auto full = storeOf(path, options, TranscriptStore::kDefaultMaxBodyBytes,
                              TranscriptStore::OverBudget::KeepDigests, &earlyFull);
    REQUIRE(full->complete());
    REQUIRE(full->bodyBytes() > 2000);
    CHECK(earlyFull == 0);
    const auto small =
        storeOf(path, options, 1000, TranscriptStore::OverBudget::KeepDigests, &earlySmall);
    CHECK_FALSE(small->complete());
    CHECK(small->streamsWithoutBodies() > 0);
    // The collector stops copying a body once the store could not keep it: every stream the
    // store went without was let go while it was still open, none after it ended.
    CHECK(earlySmall == small->streamsWithoutBodies());
    CHECK(small->bodyBytes() <= 1000);
    CHECK(small->streams() == full->streams());
    CHECK(small->connections() == full->connections());

    const auto a =
        nlohmann::json::parse(jsonFromStore(*full, path, options, JsonWriter::Format::Document));
    const auto b =
        nlohmann::json::parse(jsonFromStore(*small, path, options, JsonWriter::Format::Document));
    const auto& sa = a["connections"][0]["streams"];
    const auto& sb = b["connections"][0]["streams"];
    REQUIRE(sa.size() == sb.size());
    std::size_t digests = 0;
    for (std::size_t i = 0; i < sa.size(); ++i) {
        for (const char* side : {"request", "response"}) {
            if (!sa[i][side].contains("body")) continue;
            CHECK(sa[i][side]["body"]["size"] == sb[i][side]["body"]["size"]);
            CHECK(sa[i][side]["body"]["sha256"] == sb[i][side]["body"]["sha256"]);
            ++digests;
        }
    }
    CHECK(digests > 0);
}

TEST_CASE("A store that drops digests hashes no body past its budget and keeps the others exact",
          "[uses-captures]") {
    const std::string path = (sourceDir() / "samples" / "h2c_nghttp.pcap").string();
    const ExportOptions options;
    struct Bodies final : TranscriptSink {
        std::vector<std::tuple<std::uint64_t, std::string, bool>> seen;  // size, sha256, released
        void onStream(const StreamTranscript& s) override {
            for (const BodyCapture& b : s.body)
                seen.emplace_back(b.size, b.sha256Hex(), b.released());
        }
        void onConnection(const ConnectionTranscript&) override {}
    } full, dropped;
    storeOf(path, options)->replay(full);
    const auto small = storeOf(path, options, 1000, TranscriptStore::OverBudget::DropDigests);
    CHECK_FALSE(small->complete());
    small->replay(dropped);
    REQUIRE(dropped.seen.size() == full.seen.size());
    std::size_t kept = 0, withoutDigest = 0;
    for (std::size_t i = 0; i < full.seen.size(); ++i) {
        const auto& [size, digest, released] = dropped.seen[i];
        CHECK(size == std::get<0>(full.seen[i]));
        if (size == 0) continue;
        if (released) {
            CHECK(digest.empty());
            ++withoutDigest;
        } else {
            CHECK(digest == std::get<1>(full.seen[i]));
            ++kept;
        }
    }
    CHECK(kept > 0);
    CHECK(withoutDigest >= small->streamsWithoutBodies());  // bodies, both ways
    CHECK(withoutDigest > 0);
}
