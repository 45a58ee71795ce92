// Differential test: for every HTTP/2 connection h2lens finds in the real captures, the frame
// sequence per direction (type, flags, stream, length) and the decoded header lists equal what
// tshark decodes for the same connection.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pcap/capture_file.h"
#include "pipeline/analyzer.h"
#include "pipeline/http2_session.h"
#include "test_support.h"

using namespace h2lens;
using namespace h2lens::test;

namespace {

struct FrameKey {
    int type, flags;
    std::uint32_t stream, length;
    bool operator==(const FrameKey&) const = default;
};
std::ostream& operator<<(std::ostream& os, const FrameKey& k) {
    return os << "{type " << k.type << " flags " << k.flags << " stream " << k.stream << " len "
              << k.length << "}";
}

struct ConnFrames {
    ConnectionInfo info;
    Http2Detection detection = Http2Detection::None;
    bool decrypted = false;
    bool prefaceAfterHttp1 = false;  // HTTP/1.x bytes, then the preface
    std::vector<FrameKey> frames[2];
    std::vector<std::pair<std::string, std::string>> headers[2];
};

class Recorder : public H2Listener {
public:
    std::map<std::uint64_t, ConnFrames> conns;
    void onFrame(const FrameEvent& ev) override {
        auto& c = conns[ev.conn->id];
        c.info = *ev.conn;
        const int d = static_cast<int>(ev.dir);
        c.frames[d].push_back({ev.frame->type, ev.frame->flags, ev.frame->streamId, ev.frame->length});
        if (ev.headers) {
            for (const auto& h : ev.headers->fields) c.headers[d].emplace_back(h.name, h.value);
        }
    }
    void onConnectionDone(const ConnectionInfo& info, const ConnectionSummary& s) override {
        auto& c = conns[info.id];
        c.info = info;
        c.detection = s.detection;
        c.decrypted = s.tlsDecrypted;
        c.prefaceAfterHttp1 = s.detectionDetail.starts_with("client preface after");
    }
};

struct TsharkConn {
    std::string a, b;  // endpoints of the first packet: a = its source
    std::vector<FrameKey> frames[2];  // [0] from a, [1] from b
    std::vector<std::pair<std::string, std::string>> headers[2];
};

std::vector<std::string> field(const nlohmann::json& layers, const char* name) {
    std::vector<std::string> out;
    if (layers.contains(name)) {
        for (const auto& v : layers[name]) out.push_back(v.get<std::string>());
    }
    return out;
}

std::map<int, TsharkConn> tsharkFrames(const std::filesystem::path& file, const std::string& decodeAs) {
    const std::string cmd = "tshark -n -r " + shellQuote(file.string()) +
                            " -o tcp.reassemble_out_of_order:TRUE " + decodeAs +
                            " -Y http2 -T json -e tcp.stream -e ip.src -e ipv6.src -e tcp.srcport"
                            " -e ip.dst -e ipv6.dst -e tcp.dstport -e http2.streamid -e http2.type"
                            " -e http2.flags -e http2.length -e http2.header.name -e http2.header.value"
                            " 2>/dev/null";
    const auto json = nlohmann::json::parse(runCommand(cmd), nullptr, false);
    std::map<int, TsharkConn> out;
    if (!json.is_array()) return out;
    for (const auto& pkt : json) {
        const auto& l = pkt["_source"]["layers"];
        const int stream = std::stoi(field(l, "tcp.stream").at(0));
        auto src = field(l, "ip.src"), dst = field(l, "ip.dst");
        std::string s, d;
        if (!src.empty()) {
            s = src[0] + ":" + field(l, "tcp.srcport")[0];
            d = dst[0] + ":" + field(l, "tcp.dstport")[0];
        } else {
            s = "[" + field(l, "ipv6.src")[0] + "]:" + field(l, "tcp.srcport")[0];
            d = "[" + field(l, "ipv6.dst")[0] + "]:" + field(l, "tcp.dstport")[0];
        }
        auto& c = out[stream];
        if (c.a.empty()) c.a = s, c.b = d;
        const int dir = s == c.a ? 0 : 1;
        const auto ids = field(l, "http2.streamid"), types = field(l, "http2.type"),
                   flags = field(l, "http2.flags"), lens = field(l, "http2.length");
        // The preface (MAGIC) has a stream id but no type; skip ids without one.
        const std::size_t skip = ids.size() - types.size();
        for (std::size_t i = 0; i < types.size(); ++i) {
            c.frames[dir].push_back({std::stoi(types[i]), std::stoi(flags[i], nullptr, 16),
                                     static_cast<std::uint32_t>(std::stoul(ids[i + skip])),
                                     static_cast<std::uint32_t>(std::stoul(lens[i]))});
        }
        const auto names = field(l, "http2.header.name"), values = field(l, "http2.header.value");
        for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
            c.headers[dir].emplace_back(names[i], values[i]);
        }
    }
    return out;
}

}  // namespace

TEST_CASE("Frames and header lists of every HTTP/2 connection equal tshark's decode",
          "[tshark][real]") {
    H2LENS_REQUIRE_SHARED();
    if (!haveProgram("tshark")) {
        WARN("skipped: tshark not installed (scripts/install-deps.sh installs it)");
        return;
    }
    std::size_t compared = 0, frames = 0, headers = 0, decrypted = 0;
    for (const auto& file : sharedCaptures()) {
        INFO("capture " << file.lexically_relative(sharedDir()).string());
        Limits limits;
        Recorder rec;
        KeyLog keys;
        const auto keylog = file.parent_path() / "keylog.txt";
        std::string error;
        const bool haveKeylog = std::filesystem::exists(keylog) && keys.loadFile(keylog.string(), error);
        Http2SessionFactory factory(limits, &rec, &keys);
        Analyzer analyzer(limits, &factory);
        auto source = openCapture(file.string());
        Packet p;
        while (source->next(p) == ReadStatus::Packet) analyzer.ingest(p);
        analyzer.finish();

        // tshark needs to be told which ports carry HTTP/2. A port that also saw an h2c Upgrade
        // must stay HTTP (whose dissector also recognises the preface), or the upgrade is lost.
        std::map<std::uint16_t, std::string> decodeAs;
        for (const auto& [id, c] : rec.conns) {
            if (c.detection == Http2Detection::Tls) decodeAs[c.info.server.port] = "tls";
            else if (c.detection == Http2Detection::Upgrade) decodeAs[c.info.server.port] = "http";
            // After HTTP/1.x bytes tshark must keep its HTTP dissector, which finds the preface.
            else if (c.detection == Http2Detection::PriorKnowledge && c.prefaceAfterHttp1)
                decodeAs[c.info.server.port] = "http";
            else if (c.detection == Http2Detection::PriorKnowledge) decodeAs.try_emplace(c.info.server.port, "http2");
        }
        std::string opts = haveKeylog ? "-o tls.keylog_file:" + shellQuote(keylog.string()) + " " : "";
        for (const auto& [port, proto] : decodeAs) opts += "-d tcp.port==" + std::to_string(port) + "," + proto + " ";
        const auto tshark = tsharkFrames(file, opts);
        for (const auto& [id, c] : rec.conns) {
            // Mid-stream captures: tshark has no frame-sync search, so it is no reference there.
            const bool tls = c.detection == Http2Detection::Tls && c.decrypted;
            if (c.detection != Http2Detection::PriorKnowledge && c.detection != Http2Detection::Upgrade && !tls) continue;
            if (tls) ++decrypted;
            INFO("connection " << id << " " << c.info.client.toString() << " -> " << c.info.server.toString());
            const TsharkConn* t = nullptr;
            for (const auto& [sid, tc] : tshark) {
                const auto cl = c.info.client.toString(), sv = c.info.server.toString();
                if ((tc.a == cl && tc.b == sv) || (tc.a == sv && tc.b == cl)) t = &tc;
            }
            REQUIRE(t != nullptr);
            const int tc2s = t->a == c.info.client.toString() ? 0 : 1;
            for (int d = 0; d < 2; ++d) {
                const auto& theirs = t->frames[d == 0 ? tc2s : 1 - tc2s];
                auto ours = c.frames[d];
                // Verdict (issue 18), tshark defect: in drop-protocol-change the client's h2c
                // Upgrade request was lost (packet 1 is a broken IP fragment), so tshark's HTTP
                // dissector, which switches to HTTP/2 on the request's Upgrade, decodes the
                // server's 101 as HTTP only and not the 18-byte SETTINGS that follows its head in
                // the same segment (bytes 00 00 12 04 00 00 00 00 00 ...). RFC 7540 §3.2 / RFC
                // 9113 §3.4: the server's first HTTP/2 bytes after the 101 are its SETTINGS.
                if (file.filename() == "input.pcap" &&
                    file.parent_path().filename() == "drop-protocol-change" && d == 1 &&
                    ours.size() == theirs.size() + 1 && ours.front().type == 0x4) {
                    ours.erase(ours.begin());
                }
                INFO("direction " << (d == 0 ? "c2s" : "s2c"));
                REQUIRE(ours.size() == theirs.size());
                for (std::size_t i = 0; i < ours.size(); ++i) {
                    INFO("frame " << i);
                    REQUIRE(ours[i] == theirs[i]);
                }
                frames += ours.size();
                const auto& theirHeaders = t->headers[d == 0 ? tc2s : 1 - tc2s];
                CHECK(c.headers[d].size() == theirHeaders.size());
                for (std::size_t i = 0; i < std::min(c.headers[d].size(), theirHeaders.size()); ++i) {
                    INFO("header " << i);
                    CHECK(c.headers[d][i].first == theirHeaders[i].first);
                    // tshark shows a value only up to its first NUL byte (its "Trailing stray
                    // characters" warning): gRPC binary metadata such as x-bin-bin = 00 00 01 02 ff
                    // shows as "". HPACK strings are length-prefixed octets (RFC 7541 §5.2), so
                    // h2lens keeps all of them; compare what tshark can show.
                    const std::string& ours = c.headers[d][i].second;
                    CHECK(ours.substr(0, ours.find('\0')) == theirHeaders[i].second);
                }
                headers += c.headers[d].size();
            }
            ++compared;
        }
    }
    CHECK(compared >= 30);
    CHECK(decrypted >= 10);
    WARN("compared " << compared << " HTTP/2 connections, " << frames << " frames, " << headers
                     << " header fields with tshark (" << decrypted << " decrypted from TLS)");
}
