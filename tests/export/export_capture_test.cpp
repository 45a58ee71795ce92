// The JSON transcript on real captures: stable across runs, valid against
// docs/transcript.schema.json, and in agreement with tshark on headers, body sizes and body
// SHA-256 for every h2c connection of ../shared/captures.
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "export/body_text.h"
#include "export/json_out.h"
#include "export/json_text.h"
#include "export/sha256.h"
#include "export_test_support.h"
#include "schema_validator.h"
#include "test_support.h"

using namespace h2lens;
using namespace h2lens::test;
using OJson = nlohmann::ordered_json;

namespace {

SchemaValidator loadSchema() {
    std::ifstream f(sourceDir() / "docs" / "transcript.schema.json");
    REQUIRE(f);
    return SchemaValidator(nlohmann::json::parse(f));
}

std::vector<std::filesystem::path> sampleFiles() {
    std::vector<std::filesystem::path> out;
    for (const auto& e : std::filesystem::directory_iterator(sourceDir() / "samples")) {
        const auto ext = e.path().extension();
        if (ext == ".pcap" || ext == ".pcapng") out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::filesystem::path> referenceCaptures() {
    std::vector<std::filesystem::path> out;
    for (const auto& e : std::filesystem::directory_iterator(sharedDir() / "captures")) {
        for (const char* name : {"capture.pcap", "capture.pcapng"}) {
            if (std::filesystem::exists(e.path() / name)) out.push_back(e.path() / name);
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string unhex(const std::string& hex) {
    std::string out;
    auto v = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<char>(v(hex[i]) << 4 | v(hex[i + 1])));
    return out;
}

// tshark's decode-as / key log options for a scenario, from its reference/tshark_commands.txt.
std::string tsharkOptions(const std::filesystem::path& dir) {
    std::ifstream f(dir / "reference" / "tshark_commands.txt");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind("tshark ", 0) != 0) continue;
        std::istringstream in(line);
        std::string tok, opts;
        bool after = false;
        while (in >> tok) {
            if (tok == "-Y") break;
            if (after && (tok == "-d" || tok == "-o")) {
                std::string v;
                in >> v;
                opts += " " + tok + " " + shellQuote(v);
            }
            if (tok == "capture.pcap" || tok == "capture.pcapng") after = true;
        }
        return opts;
    }
    return {};
}

struct TsharkBody {
    std::string node0;     // tshark's first sender on the stream (the server for pushes)
    std::string bytes[2];  // node 0's, node 1's DATA payloads (padding removed)
};

// tshark writes IPv6 endpoints without brackets.
std::string plainEndpoint(std::string s) {
    std::erase(s, '[');
    std::erase(s, ']');
    return s;
}

// `tshark -z follow,http2,raw` for the given (tcp stream, stream id) pairs: DATA frames are the
// lines that parse as a whole frame of type 0.
std::map<std::pair<std::uint64_t, std::uint32_t>, TsharkBody> tsharkBodies(
    const std::filesystem::path& file,
    const std::vector<std::pair<std::uint64_t, std::uint32_t>>& keys) {
    std::map<std::pair<std::uint64_t, std::uint32_t>, TsharkBody> out;
    const auto dir = file.parent_path();
    const std::size_t batch = 400;
    for (std::size_t start = 0; start < keys.size(); start += batch) {
        std::string cmd = "cd " + shellQuote(dir.string()) + " && tshark -n -r " +
                          shellQuote(file.filename().string()) +
                          " -q -o tcp.reassemble_out_of_order:TRUE" + tsharkOptions(dir);
        for (std::size_t i = start; i < std::min(keys.size(), start + batch); ++i) {
            cmd += " -z follow,http2,raw," + std::to_string(keys[i].first) + "," +
                   std::to_string(keys[i].second);
        }
        std::istringstream in(runCommand(cmd + " 2>/dev/null"));
        std::string line;
        TsharkBody* cur = nullptr;
        while (std::getline(in, line)) {
            if (line.rfind("Filter: tcp.stream eq ", 0) == 0) {
                const auto tcp = std::stoull(line.substr(22));
                const auto sid = std::stoul(line.substr(line.find("http2.streamid eq ") + 18));
                cur = &out[{tcp, static_cast<std::uint32_t>(sid)}];
                continue;
            }
            if (cur && line.rfind("Node 0: ", 0) == 0) cur->node0 = line.substr(8);
            if (!cur || line.empty() || line[0] == '=' || line.rfind("Follow:", 0) == 0 ||
                line.rfind("Node ", 0) == 0)
                continue;
            const int dir = line[0] == '\t' ? 1 : 0;
            const std::string bytes = unhex(line.substr(dir));
            if (bytes.size() < 9) continue;
            const auto* p = reinterpret_cast<const std::uint8_t*>(bytes.data());
            const std::uint32_t len = loadBe24(p);
            if (p[3] != 0 || len + 9 != bytes.size()) continue;
            std::size_t from = 9, to = bytes.size();
            if (p[4] & 0x08) {
                const std::uint8_t pad = p[9];
                from = 10;
                to = bytes.size() - std::min<std::size_t>(pad, bytes.size() - 10);
            }
            cur->bytes[dir] += bytes.substr(from, to - from);
        }
    }
    return out;
}

// Header blocks per (tcp stream, stream id, direction) from tshark's frames.jsonl, CONTINUATION
// fields appended to the block they continue; PUSH_PROMISE blocks filed under the promised stream.
using Blocks = std::vector<std::vector<std::pair<std::string, std::string>>>;
std::map<std::tuple<std::uint64_t, std::uint32_t, int>, Blocks> tsharkBlocks(
    const std::filesystem::path& dir, std::map<std::uint64_t, std::string>& clients) {
    std::map<std::tuple<std::uint64_t, std::uint32_t, int>, Blocks> out;
    std::map<std::pair<std::uint64_t, std::string>, Blocks*>
        open;  // (tcp, src) -> block being continued
    std::ifstream f(dir / "reference" / "frames.jsonl");
    std::string line;
    while (std::getline(f, line)) {
        const auto j = nlohmann::json::parse(line);
        const std::string type = j.value("type_name", "");
        if (type != "HEADERS" && type != "CONTINUATION" && type != "PUSH_PROMISE") continue;
        const std::uint64_t tcp = j["tcp_stream"];
        const std::string src = j["src"];
        auto it = clients.find(tcp);
        if (it == clients.end()) continue;
        const int d = src == it->second ? 0 : 1;
        std::vector<std::pair<std::string, std::string>> fields;
        if (j.contains("headers")) {
            for (const auto& h : j["headers"])
                fields.emplace_back(h.value("name", ""), h.value("value", ""));
        }
        if (type == "CONTINUATION") {
            if (auto o = open.find({tcp, src}); o != open.end() && o->second) {
                auto& last = o->second->back();
                last.insert(last.end(), fields.begin(), fields.end());
            }
            continue;
        }
        std::uint32_t sid = j["stream_id"];
        int dir = d;
        if (type == "PUSH_PROMISE") {
            sid = j.value("promised_stream_id", 0u);
            dir = 0;  // the promised request
        }
        Blocks& b = out[{tcp, sid, dir}];
        b.push_back(std::move(fields));
        open[{tcp, src}] = &b;
    }
    return out;
}

Blocks ourBlocks(const OJson& stream, int dir) {
    Blocks out;
    auto add = [&](const OJson& block) {
        if (block.is_null() || !block.contains("headers") || block.value("from_http1", false))
            return;
        std::vector<std::pair<std::string, std::string>> fields;
        for (const auto& h : block["headers"]) {
            // tshark shows a value only up to its first NUL (grpc "-bin" metadata is binary).
            const std::string v = h[1];
            fields.emplace_back(h[0], v.substr(0, v.find('\0')));
        }
        out.push_back(std::move(fields));
    };
    if (dir == 0) {
        add(stream["request"]);
        add(stream["request"]["trailers"]);
    } else {
        for (const auto& b : stream["response"]["informational"]) add(b);
        add(stream["response"]);
        add(stream["response"]["trailers"]);
    }
    return out;
}

// Three h2c samples (nghttp, curl POST, Upgrade), then the named ../shared captures when it is
// there (a warning says they are skipped when it is not).
std::vector<std::filesystem::path> samplesAndShared(std::initializer_list<const char*> shared) {
    std::vector<std::filesystem::path> files = {sourceDir() / "samples" / "h2c_nghttp.pcap",
                                                sourceDir() / "samples" / "h2c_curl_post.pcap",
                                                sourceDir() / "samples" / "h2c_upgrade.pcap"};
    if (!std::filesystem::exists(sharedDir())) {
        WARN("../shared is absent: the shared captures are skipped");
        return files;
    }
    for (const char* c : shared) files.push_back(sharedDir() / "captures" / c / "capture.pcap");
    return files;
}

}  // namespace

TEST_CASE("The export of every sample is identical across runs and valid against the schema",
          "[uses-captures]") {
    SchemaValidator schema = loadSchema();
    ExportOptions options;
    options.frames = true;
    for (const auto& file : sampleFiles()) {
        INFO(file.filename().string());
        const std::string a = exportJson(file.string(), options);
        const std::string b = exportJson(file.string(), options);
        CHECK(a == b);
        const auto doc = OJson::parse(a);
        const auto errors = schema.validate(doc);
        for (const auto& e : errors) FAIL_CHECK(e);
        CHECK(doc["h2lens"]["stats"]["streams"].get<int>() > 0);
        // --frames lists the same frames as the per-direction frame counts.
        for (const auto& c : doc["connections"]) {
            CHECK(c["frames"].size() == c["frame_counts"]["client"].get<std::size_t>() +
                                            c["frame_counts"]["server"].get<std::size_t>());
        }
        // Keys come out in insertion order: the document starts with "h2lens".
        CHECK(a.rfind("{\n  \"h2lens\"", 0) == 0);
    }
}

TEST_CASE("The schema validator rejects documents that break the schema", "[uses-captures]") {
    SchemaValidator schema = loadSchema();
    auto doc = OJson::parse(
        exportJson((sourceDir() / "samples" / "h2c_nghttp.pcap").string(), ExportOptions{}));
    REQUIRE(schema.validate(doc).empty());
    auto missing = doc;
    missing["connections"][0]["streams"][0].erase("end");
    CHECK_FALSE(schema.validate(missing).empty());
    auto badSha = doc;
    badSha["connections"][0]["streams"][0]["response"]["body"]["sha256"] = "xyz";
    CHECK_FALSE(schema.validate(badSha).empty());
    auto badEnum = doc;
    badEnum["connections"][0]["http2"]["method"] = "h3";
    CHECK_FALSE(schema.validate(badEnum).empty());
}

TEST_CASE("Every NDJSON record validates and streams come before their connection",
          "[uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    SchemaValidator schema = loadSchema();
    ExportOptions options;
    options.frames = true;
    for (const auto& file : {sharedDir() / "captures" / "06_server_push" / "capture.pcap",
                             sharedDir() / "captures" / "13_grpc_python" / "capture.pcap",
                             sourceDir() / "samples" / "h2c_upgrade.pcap"}) {
        INFO(file.string());
        std::istringstream in(exportJson(file.string(), options, JsonWriter::Format::Ndjson));
        std::string line, last;
        std::set<std::uint64_t> doneConns;
        std::size_t streams = 0;
        while (std::getline(in, line)) {
            const auto j = OJson::parse(line);
            const std::string kind = j["record"];
            last = kind;
            if (kind == "stream") {
                ++streams;
                CHECK_FALSE(doneConns.count(j["conn"]));
                for (const auto& e : schema.validateDef(j, "stream")) FAIL_CHECK(e);
            } else if (kind == "connection") {
                doneConns.insert(j["id"].get<std::uint64_t>());
                for (const auto& e : schema.validateDef(j, "connection")) FAIL_CHECK(e);
            } else if (kind == "frame") {
                for (const auto& e : schema.validateDef(j, "frame")) FAIL_CHECK(e);
            } else {
                CHECK(kind == "capture");
                for (const auto& e : schema.validateDef(j["h2lens"], "header")) FAIL_CHECK(e);
                CHECK(j["h2lens"]["stats"]["streams"].get<std::size_t>() == streams);
            }
        }
        CHECK(last == "capture");
        CHECK(streams > 0);
    }
}

TEST_CASE(
    "NDJSON export holds only open streams (capture 05 with 2000 streams, 50 concurrent per "
    "connection)",
    "[uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    struct Watcher : TranscriptSink {
        const TranscriptCollector* collector = nullptr;
        std::size_t peak = 0, streams = 0;
        void onStream(const StreamTranscript&) override {
            ++streams;
            peak = std::max(peak, collector->openBodies());
        }
        void onConnection(const ConnectionTranscript&) override {}
    };
    ExportOptions o;
    Watcher w;
    TranscriptCollector collector(o, &w);
    w.collector = &collector;
    Analyzer* a = nullptr;
    runThrough(
        (sharedDir() / "captures" / "05_many_streams_h2load_nghttpd" / "capture.pcap").string(),
        collector, a);
    CHECK(w.streams == 2000);
    CHECK(w.peak <= 100);
    CHECK(collector.openBodies() == 0);
}

TEST_CASE("Headers, body sizes and body SHA-256 of the reference captures agree with tshark",
          "[uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    if (!haveProgram("tshark")) {
        WARN("skipped: tshark not installed");
        return;
    }
    ExportOptions options;
    options.maxBody = 0;  // digests are computed over every byte regardless
    for (const auto& file : referenceCaptures()) {
        const auto dir = file.parent_path();
        INFO(dir.filename().string());
        const auto doc = OJson::parse(exportJson(file.string(), options));
        const auto summary =
            nlohmann::json::parse(std::ifstream(dir / "reference" / "summary.json"));
        std::map<std::uint64_t, const OJson*> conns;
        std::map<std::uint64_t, std::string> clients;
        for (const auto& c : doc["connections"]) {
            const std::string method = c["http2"]["method"];
            if (method == "h2c" || method == "h2c-upgrade" || method == "h2-midstream") {
                conns[c["id"]] = &c;
                clients[c["id"]] = plainEndpoint(c["client"]);
            }
        }
        const auto blocks = tsharkBlocks(dir, clients);
        std::vector<std::pair<std::uint64_t, std::uint32_t>> keys;
        std::size_t compared = 0;
        for (const auto& ref : summary) {
            const std::uint64_t tcp = ref["tcp_stream"];
            auto it = conns.find(tcp);
            if (it == conns.end()) continue;  // TLS (not decrypted yet) or not HTTP/2
            CHECK(ref["client"].get<std::string>() == plainEndpoint((*it->second)["client"]));
            std::map<std::uint32_t, const OJson*> ours;
            for (const auto& s : (*it->second)["streams"]) ours[s["id"]] = &s;
            for (const auto& rs : ref["streams"]) {
                const std::uint32_t sid = rs["stream_id"];
                INFO("tcp stream " << tcp << " stream " << sid);
                auto o = ours.find(sid);
                REQUIRE(o != ours.end());
                const OJson& s = *o->second;
                CHECK(s["request"]["body"]["size"].get<std::uint64_t>() +
                          s["request"]["body"].value("http1_body_bytes", std::uint64_t{0}) ==
                      rs["request_body_bytes"].get<std::uint64_t>());
                CHECK(s["response"]["body"]["size"] == rs["response_body_bytes"]);
                CHECK(s["request"]["body"]["data_frames"] == rs["request_data_frames"]);
                CHECK(s["response"]["body"]["data_frames"] == rs["response_data_frames"]);
                for (int d = 0; d < 2; ++d) {
                    const auto b = blocks.find({tcp, sid, d});
                    const Blocks theirs = b == blocks.end() ? Blocks{} : b->second;
                    CHECK(ourBlocks(s, d) == theirs);
                }
                keys.emplace_back(tcp, sid);
                ++compared;
            }
        }
        const auto bodies = tsharkBodies(file, keys);
        for (const auto& [tcp, sid] : keys) {
            INFO("tcp stream " << tcp << " stream " << sid);
            const OJson* s = nullptr;
            for (const auto& x : (*conns[tcp])["streams"]) {
                if (x["id"] == sid) s = &x;
            }
            auto b = bodies.find({tcp, sid});
            REQUIRE(b != bodies.end());
            const int clientNode =
                b->second.node0.empty() || plainEndpoint(b->second.node0) == clients[tcp] ? 0 : 1;
            // The HTTP/1.1 request of an h2c Upgrade has no DATA frames for tshark to follow.
            if (!(*s)["request"].value("from_http1", false)) {
                CHECK((*s)["request"]["body"]["sha256"] ==
                      Sha256::of(asBytes(b->second.bytes[clientNode])));
            }
            CHECK((*s)["response"]["body"]["sha256"] ==
                  Sha256::of(asBytes(b->second.bytes[1 - clientNode])));
        }
        if (!conns.empty()) CHECK(compared > 0);
    }
}

// A body announced by content-length gets its buffer once (bounded by the retention cap), so
// big bodies are not copied again and again as DATA frames arrive; what is kept is unchanged.
TEST_CASE("Bodies with content-length are retained in one buffer of that size", "[uses-captures]") {
    struct Sizes final : TranscriptSink {
        std::size_t cap = 0, checked = 0, exact = 0, multiFrame = 0;
        void onStream(const StreamTranscript& s) override {
            if (!s.record.response || s.body[1].size == 0) return;
            std::uint64_t announced = 0;
            for (const auto& f : s.record.response->fields)
                if (f.name == "content-length") announced = std::stoull(f.value);
            if (announced != s.body[1].size) return;
            ++checked;
            const std::size_t kept = std::min<std::uint64_t>(announced, cap);
            CHECK(s.body[1].retained.size() == kept);
            if (s.body[1].retained.capacity() == kept) ++exact;
            if (s.body[1].dataFrames > 1 && kept > 16384) ++multiFrame;
        }
        void onConnection(const ConnectionTranscript&) override {}
    };
    std::size_t multiFrame = 0;
    for (const char* sample : {"small_windows.pcap", "h2c_nghttp.pcap", "h2load_small.pcap"}) {
        for (const std::size_t cap : {std::size_t{20000}, std::size_t{1} << 20}) {
            INFO(sample << " retention cap " << cap);
            Sizes sizes;
            sizes.cap = cap;
            ExportOptions options;
            options.maxRetainedBody = cap;  // bounds the buffer too
            TranscriptCollector collector(options, &sizes);
            Analyzer* analyzer = nullptr;
            runThrough((sourceDir() / "samples" / sample).string(), collector, analyzer);
            CHECK(sizes.checked > 0);
            CHECK(sizes.exact == sizes.checked);
            multiFrame += sizes.multiFrame;
        }
    }
    CHECK(multiFrame > 0);  // bodies of many DATA frames, where growing would have reallocated
}

// NDJSON lines are written as text as they are made (JsonOut), the document builds a tree
// (JsonDom): every stream must come out the same both ways, bodies, decoded bodies and gRPC
// payloads included.
TEST_CASE("NDJSON stream records equal the document's streams, bodies included",
          "[uses-captures]") {
    const std::vector<std::filesystem::path> files =
        samplesAndShared({"13_grpc_python", "04_post_upload", "14b_go_h2c"});
    ExportOptions options;
    std::size_t bodies = 0, grpcPayloads = 0;
    for (const auto& file : files) {
        INFO(file.string());
        const OJson doc = OJson::parse(exportJson(file.string(), options));
        std::map<std::pair<std::uint64_t, std::uint64_t>, OJson> byId;
        for (const auto& c : doc["connections"])
            for (const auto& s : c["streams"])
                byId[{c["id"].get<std::uint64_t>(), s["id"].get<std::uint64_t>()}] = s;
        std::istringstream in(exportJson(file.string(), options, JsonWriter::Format::Ndjson));
        std::size_t streams = 0;
        for (std::string line; std::getline(in, line);) {
            const OJson j = OJson::parse(line);
            if (j["record"] != "stream") continue;
            ++streams;
            const auto it =
                byId.find({j["conn"].get<std::uint64_t>(), j["id"].get<std::uint64_t>()});
            REQUIRE(it != byId.end());
            for (const char* key : {"request", "response", "grpc"}) {
                CHECK(j.contains(key) == it->second.contains(key));
                if (j.contains(key)) CHECK(j[key] == it->second[key]);
            }
            for (const char* side : {"request", "response"}) {
                if (j[side]["body"]["shown_bytes"].get<std::size_t>() > 0) {
                    ++bodies;
                    CHECK(!j[side]["body"]["data"].get<std::string>().empty());
                }
            }
            if (j.contains("grpc"))
                for (const char* side : {"request", "response"})
                    for (const auto& m : j["grpc"][side]["messages"])
                        grpcPayloads += m["shown_bytes"].get<std::size_t>() > 0;
        }
        CHECK(streams == byId.size());
    }
    CHECK(bodies > 10);
    if (std::filesystem::exists(sharedDir())) CHECK(grpcPayloads > 0);
}

// A stream's shape is written by one template over two writers: JsonOut (NDJSON lines, text as
// it goes) and JsonDom (the document's tree). On every stream of real captures, with gzip
// bodies, gRPC, pushes, CONTINUATION and an h2c Upgrade, the text of the one must be the bytes
// of the other.
TEST_CASE("The streamed and the tree form of every stream of real captures are the same bytes",
          "[uses-captures]") {
    const std::vector<std::filesystem::path> files =
        samplesAndShared({"13_grpc_python", "04_post_upload", "14b_go_h2c", "06_server_push",
                          "07_continuation", "09_netem_loss_reorder", "15_python_h2_server"});
    struct Compare final : TranscriptSink {
        ExportOptions options;
        std::size_t streams = 0, differ = 0;
        void onStream(const StreamTranscript& s) override {
            const JsonContext ctx{&options, Redactor{}, 0};
            const Json tree = streamJson(s, ctx);
            std::string fromTree;
            appendJson(fromTree, tree);
            std::string streamed;
            JsonOut out(streamed);
            out.beginObject();
            writeStreamMembers(out, s, ctx);
            out.endObject();
            ++streams;
            if (streamed != fromTree) ++differ;
            CHECK(streamed == fromTree);
        }
        void onConnection(const ConnectionTranscript&) override {}
    };
    std::size_t streams = 0;
    for (const auto& file : files) {
        if (!std::filesystem::exists(file)) continue;
        INFO(file.string());
        Compare compare;
        TranscriptCollector collector(compare.options, &compare);
        Analyzer* a = nullptr;
        runThrough(file.string(), collector, a);
        CHECK(compare.differ == 0);
        streams += compare.streams;
    }
    CHECK(streams >= 10);
}
