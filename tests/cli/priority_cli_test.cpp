// `h2lens priority`, `streams --priority` and the export's priority records on the loopback
// captures of tests/data/priority (scripts/record_priority_captures.sh), against tshark's decode
// of the same PRIORITY and HEADERS frames where tshark has one.
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "cli/cli_test_support.h"

using namespace h2lens::test;
using Json = nlohmann::json;

namespace {

std::string capture(const char* name) {
    return shellQuote((sourceDir() / "tests" / "data" / "priority" / name).string());
}

struct Node {
    std::uint32_t parent, weight;
    bool exclusive;
    int urgency;
    bool incremental;
};

std::map<std::uint32_t, Node> priorityJson(const std::string& args) {
    int code = -1;
    const Json j = Json::parse(cli("priority --json -q " + args, &code));
    CHECK(code == 0);
    std::map<std::uint32_t, Node> out;
    for (const Json& o : j) {
        out[o["stream"]] =
            Node{o["parent"], o["weight"], o["exclusive"], o["urgency"], o["incremental"]};
    }
    return out;
}

// tshark's RFC 7540 signals, one per frame in capture order: stream, dependency, weight as
// tshark prints it in http2.headers.weight (the wire byte, 0-255) and in
// http2.headers.weight_real (the RFC 7540 §6.2 / §6.3 weight, wire + 1), exclusive.
struct Signal {
    std::uint32_t stream, dependency, wireWeight, weight;
    bool exclusive;
};

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string cur;
    std::istringstream in(s);
    while (std::getline(in, cur, sep)) out.push_back(cur);
    return out;
}

std::vector<Signal> tsharkSignals(const char* name, int port) {
    const std::string out = runCommand(
        "tshark -d tcp.port==" + std::to_string(port) + ",http2 -r " + capture(name) +
        " -Y 'http2.type==2 || http2.flags.priority==1' -T fields -e http2.streamid -e "
        "http2.type -e http2.stream_dependency -e http2.headers.weight -e "
        "http2.headers.weight_real -e http2.exclusive -e http2.flags.priority 2>/dev/null");
    std::vector<Signal> signals;
    for (const std::string& line : split(out, '\n')) {
        const auto f = split(line, '\t');
        if (f.size() < 6) continue;
        // One line per packet; frames of the packet are comma-separated. Only PRIORITY frames
        // and HEADERS with the PRIORITY flag carry the fields, in frame order.
        const auto ids = split(f[0], ','), types = split(f[1], ','), deps = split(f[2], ','),
                   wire = split(f[3], ','), real = split(f[4], ','), excl = split(f[5], ',');
        const auto flags = f.size() > 6 ? split(f[6], ',') : std::vector<std::string>{};
        std::size_t k = 0;
        for (std::size_t i = 0; i < ids.size() && k < deps.size(); ++i) {
            const bool carries = types[i] == "2" || (types[i] == "1" && i < flags.size() &&
                                                     (flags[i] == "1" || flags[i] == "True"));
            if (!carries) continue;
            signals.push_back(Signal{static_cast<std::uint32_t>(std::stoul(ids[i])),
                                     static_cast<std::uint32_t>(std::stoul(deps[k])),
                                     static_cast<std::uint32_t>(std::stoul(wire[k])),
                                     static_cast<std::uint32_t>(std::stoul(real[k])),
                                     excl[k] == "1" || excl[k] == "True"});
            ++k;
        }
    }
    return signals;
}

}  // namespace

TEST_CASE(
    "priority --json gives each stream's weight and exclusive flag from its last signal, as tshark "
    "decodes it",
    "[cli][priority][tshark]") {
    if (!haveProgram("tshark")) {
        WARN("tshark not installed: skipped");
        return;
    }
    const auto [name, port] =
        GENERATE(std::pair<const char*, int>{"python_nghttpd_7540.pcap", 8093},
                 std::pair<const char*, int>{"nghttp_nghttpd_7540.pcap", 8093},
                 std::pair<const char*, int>{"nghttp_h2o_7540.pcap", 8094});
    INFO(name);
    const auto tree = priorityJson(capture(name));
    const auto signals = tsharkSignals(name, port);
    REQUIRE(signals.size() >= 5);
    std::map<std::uint32_t, Signal> last;
    for (const Signal& s : signals) {
        // RFC 7540 §6.3: the weight field is "an unsigned 8-bit integer representing a priority
        // weight for the stream; add one to the value to obtain a weight between 1 and 256".
        // tshark's http2.headers.weight is that wire byte; h2lens prints the weight itself,
        // as tshark's http2.headers.weight_real does.
        CHECK(s.weight == s.wireWeight + 1);
        if (s.dependency != s.stream) last[s.stream] = s;  // a self-dependency is not applied
    }
    for (const auto& [id, s] : last) {
        INFO("stream " << id);
        REQUIRE(tree.count(id));
        CHECK(tree.at(id).weight == s.weight);
        CHECK(tree.at(id).exclusive == s.exclusive);
    }
    // nghttp builds its tree without exclusive flags or moves: every parent is the last one asked.
    if (std::string(name).rfind("nghttp_", 0) == 0) {
        for (const auto& [id, s] : last) CHECK(tree.at(id).parent == s.dependency);
    }
}

TEST_CASE(
    "priority shows python-h2's RFC 7540 tree at the end and at a time (exclusive insertions, "
    "subtree moved under its descendant, idle parent)",
    "[cli][priority]") {
    const auto end = priorityJson(capture("python_nghttpd_7540.pcap"));
    // Asked: 1 (w32) on 0; 3 (w201), 5 (w16) on 1; 7 (w8) on 3; 9 (w100) exclusive on 1; then 1
    // (w64) on its descendant 7, so 7 first moves to 1's parent 0 (RFC 7540 §5.3.3); 11 (w1) on
    // idle 13; 15 (w256) exclusive on 9; 17 on itself (not applied).
    const std::map<std::uint32_t, std::pair<std::uint32_t, std::uint32_t>> expected{
        {7, {0, 8}},    {1, {7, 64}},  {9, {1, 100}}, {15, {9, 256}},
        {3, {15, 201}}, {5, {15, 16}}, {13, {0, 16}}, {11, {13, 1}}};
    REQUIRE(end.size() == expected.size());
    for (const auto& [id, pw] : expected) {
        INFO("stream " << id);
        REQUIRE(end.count(id));
        CHECK(end.at(id).parent == pw.first);
        CHECK(end.at(id).weight == pw.second);
    }
    CHECK(end.at(9).exclusive);
    CHECK(end.at(15).exclusive);
    CHECK(end.count(17) == 0);

    // At 10 ms: after the first packet's HEADERS and exclusive PRIORITY, before the move.
    const auto early = priorityJson("--at 10ms " + capture("python_nghttpd_7540.pcap"));
    CHECK(early.size() == 5);
    CHECK(early.at(1).parent == 0);
    CHECK(early.at(1).weight == 32);
    CHECK(early.at(9).parent == 1);
    CHECK(early.at(3).parent == 9);
    CHECK(early.at(5).parent == 9);
    CHECK(early.at(7).parent == 3);
    CHECK(priorityJson("--at 0.01 " + capture("python_nghttpd_7540.pcap")).size() == 5);

    int code = -1;
    const std::string text = cli("priority -q " + capture("python_nghttpd_7540.pcap"), &code);
    CHECK(code == 0);
    CHECK(text.find("  stream 7  weight 8  GET /img.png\n    stream 1  weight 64  GET /big\n") !=
          std::string::npos);
    CHECK(text.find("stream 13  weight 16  (no request)") != std::string::npos);
    CHECK(cli("priority --at 5minutes " + capture("python_nghttpd_7540.pcap"), &code).empty());
    CHECK(code == 2);
}

TEST_CASE("frames shows the self-dependency as an anomaly with its RFC section",
          "[cli][priority]") {
    const std::string frames = cli("frames -q --stream 17 " + capture("python_nghttpd_7540.pcap"));
    CHECK(frames.find("ANOMALY SELF_DEPENDENCY RFC 9113 §5.3.1 (RFC 7540 §5.3.1)") !=
          std::string::npos);
}

TEST_CASE(
    "priority --json gives RFC 9218 priority headers and PRIORITY_UPDATE as tshark decodes them",
    "[cli][priority][tshark]") {
    const auto t = priorityJson(capture("python_nghttpd_9218.pcap"));
    // Headers u=5, u=0, "u=1, i", "u=6, i, x-unknown=?1"; PRIORITY_UPDATE 1 -> u=7 and 9 -> u=2
    // (9 idle then; its request came later without a priority header).
    CHECK(t.at(1).urgency == 7);
    CHECK(t.at(3).urgency == 0);
    CHECK(t.at(5).urgency == 1);
    CHECK(t.at(5).incremental);
    CHECK(t.at(7).urgency == 6);
    CHECK(t.at(7).incremental);
    CHECK(t.at(9).urgency == 2);
    CHECK_FALSE(t.at(9).incremental);
    const auto curl = priorityJson(capture("curl_nghttpd_9218.pcap"));
    CHECK(curl.at(1).urgency == 2);
    CHECK(curl.at(1).incremental);
    if (haveProgram("tshark")) {
        const std::string out =
            runCommand("tshark -d tcp.port==8093,http2 -r " + capture("python_nghttpd_9218.pcap") +
                       " -Y http2.type==16 -T fields -e http2.priority_update_stream_id -e "
                       "http2.priority_update_field_value 2>/dev/null");
        CHECK(out == "1,9\tu=7,u=2\n");
    }
}

TEST_CASE("The export says per connection whether the server followed the priorities",
          "[cli][priority]") {
    auto connection = [](const char* name) {
        return Json::parse(cli("export -q -o - " + capture(name)))["connections"][0]["priority"];
    };
    // nghttpd and h2o (2.2.5) keep nghttp's RFC 7540 tree; neither reads RFC 9218's signals
    // (nghttpd only with SETTINGS_NO_RFC7540_PRIORITIES of its own), so urgency is not followed.
    for (const char* name :
         {"nghttp_nghttpd_7540.pcap", "nghttp_h2o_7540.pcap", "python_nghttpd_7540.pcap"}) {
        INFO(name);
        const Json p = connection(name);
        CHECK(p["scheme"] == "rfc7540");
        CHECK(p["server_followed"]["measured"] == true);
        CHECK(p["server_followed"]["followed"] == true);
        CHECK(p["server_followed"]["contended_bytes"].get<std::uint64_t>() > 100000);
    }
    for (const char* name : {"python_nghttpd_9218.pcap", "python_h2o_9218.pcap"}) {
        INFO(name);
        const Json p = connection(name);
        CHECK(p["scheme"] == "rfc9218");
        const auto out = p["server_followed"]["out_of_order_bytes"].get<std::uint64_t>();
        const auto contended = p["server_followed"]["contended_bytes"].get<std::uint64_t>();
        CHECK(p["server_followed"]["followed"] == false);
        CHECK(out * 10 > contended);
    }
    const std::string text = cli("priority -q " + capture("python_h2o_9218.pcap"));
    CHECK(text.find("  server: not followed (") != std::string::npos);
    // A capture without priority signals has no priority record at all.
    const Json plain = Json::parse(cli("export -q -o - " + sample("h2c_curl_post.pcap")));
    for (const Json& c : plain["connections"]) CHECK_FALSE(c.contains("priority"));
}

TEST_CASE("streams --priority adds the column, and without it the table is unchanged",
          "[cli][priority]") {
    const std::string with = cli("streams -q --priority " + capture("python_nghttpd_7540.pcap"));
    const std::string without = cli("streams -q " + capture("python_nghttpd_7540.pcap"));
    CHECK(with.find("priority") != std::string::npos);
    CHECK(with.find("w=256 p=9 x") != std::string::npos);
    CHECK(without.find("priority") == std::string::npos);
    const std::string urgency = cli("streams -q --priority " + capture("python_h2o_9218.pcap"));
    CHECK(urgency.find("u=1 i") != std::string::npos);
}

TEST_CASE("priority shows nghttp's anchor streams in the shared reference capture 01",
          "[cli][priority]") {
    H2LENS_REQUIRE_SHARED();
    const std::string path =
        shellQuote((sharedDir() / "captures" / "01_h2c_prior_knowledge" / "capture.pcap").string());
    const auto t = priorityJson("--conn 0 " + path);
    // nghttp 1.52's idle anchors (PRIORITY frames before any request), then requests on 11.
    const std::map<std::uint32_t, std::pair<std::uint32_t, std::uint32_t>> anchors{
        {3, {0, 201}}, {5, {0, 101}}, {7, {0, 1}}, {9, {7, 1}}, {11, {3, 1}}};
    for (const auto& [id, pw] : anchors) {
        INFO("stream " << id);
        REQUIRE(t.count(id));
        CHECK(t.at(id).parent == pw.first);
        CHECK(t.at(id).weight == pw.second);
    }
    CHECK(t.at(13).parent == 11);
    CHECK(t.at(29).parent == 11);
}
