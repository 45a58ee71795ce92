#pragma once
// Drives the real pipeline (capture reader, Analyzer, TCP reassembly) with a FlowConsumer that
// runs one TlsSession per connection, and reads tshark's own TLS decryption for comparison.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "h2/connection_engine.h"
#include "pcap/capture_file.h"
#include "pipeline/analyzer.h"
#include "test_support.h"
#include "tls/tls_session.h"

namespace h2lens::test {

struct TlsFlowResult {
    std::uint64_t id = 0;
    Endpoint client, server;
    TlsReport report;
    std::array<Bytes, 2> plaintext;            // by Direction
    std::array<std::vector<Bytes>, 2> chunks;  // one per onPlaintext call (= per record)
    std::array<Bytes, 2> raw;                  // ciphertext stream as fed (after tampering)
    std::array<std::uint64_t, 2> gaps{};       // onPlaintextGap calls
    std::vector<std::string> issues;
    bool tcpGap = false;

    const Bytes& client2server() const { return plaintext[0]; }
    const Bytes& server2client() const { return plaintext[1]; }
};

// Flips one ciphertext byte: flow id, direction, offset in that direction's byte stream.
struct Tamper {
    std::uint64_t flow = 0;
    Direction dir = Direction::ServerToClient;
    std::uint64_t offset = 0;
};

class TlsCollector final : public FlowConsumerFactory {
  public:
    explicit TlsCollector(const KeyLog& keys, std::optional<Tamper> tamper = std::nullopt)
        : m_keys(keys), m_tamper(tamper) {}

    std::unique_ptr<FlowConsumer> create(const FlowRecord& record) override;

    std::map<std::uint64_t, TlsFlowResult> results;  // TLS connections only

  private:
    class Consumer;
    const KeyLog& m_keys;
    Limits m_limits;
    std::optional<Tamper> m_tamper;
};

class TlsCollector::Consumer final : public FlowConsumer, public TlsPlaintextSink {
  public:
    Consumer(TlsCollector& owner, const FlowRecord& rec)
        : m_owner(owner), m_session(owner.m_keys, owner.m_limits) {
        m_result.id = rec.id;
        m_result.client = rec.client;
        m_result.server = rec.server;
    }
    void onData(Direction dir, std::uint64_t offset, ByteSpan data, TimestampNs ts,
                std::uint64_t) override {
        Bytes copy(data.begin(), data.end());
        const auto& t = m_owner.m_tamper;
        if (t && t->flow == m_result.id && t->dir == dir && t->offset >= offset &&
            t->offset < offset + data.size())
            copy[t->offset - offset] ^= 0x01;
        auto& raw = m_result.raw[static_cast<int>(dir)];
        if (raw.size() < 4 * 1024 * 1024) raw.insert(raw.end(), copy.begin(), copy.end());
        m_session.feed(dir, copy, ts, *this);
    }
    void onGap(Direction dir, std::uint64_t, std::uint64_t length, TimestampNs ts) override {
        m_result.tcpGap = true;
        m_session.gap(dir, length, ts, *this);
    }
    void onEnd(const FlowRecord& rec) override {
        m_session.finish(rec.lastTs, *this);
        m_result.report = m_session.report();
        if (m_result.report.tls) m_owner.results[m_result.id] = std::move(m_result);
    }
    void onPlaintext(Direction dir, ByteSpan bytes, TimestampNs) override {
        auto& p = m_result.plaintext[static_cast<int>(dir)];
        p.insert(p.end(), bytes.begin(), bytes.end());
        m_result.chunks[static_cast<int>(dir)].emplace_back(bytes.begin(), bytes.end());
    }
    void onPlaintextGap(Direction dir, std::uint64_t, TimestampNs) override {
        ++m_result.gaps[static_cast<int>(dir)];
    }
    void onIssue(Direction dir, const std::string& message, TimestampNs) override {
        m_result.issues.push_back(std::string(directionName(dir)) + ": " + message);
    }

  private:
    TlsCollector& m_owner;
    TlsSession m_session;
    TlsFlowResult m_result;
};

inline std::unique_ptr<FlowConsumer> TlsCollector::create(const FlowRecord& record) {
    return std::make_unique<Consumer>(*this, record);
}

// Reads a capture through the Analyzer. Key log lines found in pcapng DSBs are added to `keys`
// as they appear (when `useDsb`), before the packets that follow them.
inline std::map<std::uint64_t, TlsFlowResult> runTls(const std::filesystem::path& capture,
                                                     KeyLog& keys, bool useDsb = false,
                                                     std::optional<Tamper> tamper = std::nullopt) {
    Limits limits;
    TlsCollector collector(keys, tamper);
    Analyzer analyzer(limits, &collector);
    auto src = openCapture(capture.string());
    Packet p;
    std::size_t secretsSeen = 0;
    while (src->next(p) == ReadStatus::Packet) {
        if (useDsb) {
            const auto& secrets = src->decryptionSecrets();
            for (; secretsSeen < secrets.size(); ++secretsSeen) keys.addLines(secrets[secretsSeen]);
        }
        analyzer.ingest(p);
    }
    analyzer.finish();
    return std::move(collector.results);
}

// Everything a whole pipeline run (Http2SessionFactory) tells its listener, as comparable text:
// per connection, and in the global order the listener heard it; plus how many TLS records were
// opened, and how many of those by jobs opened ahead (TlsOpenJob).
struct H2EventText final : H2Listener {
    std::map<std::uint64_t, std::vector<std::string>> byConn;
    std::vector<std::string> lines;  // "conn N " + the per-connection line
    std::uint64_t opened = 0, openedAhead = 0;

    void onFrame(const FrameEvent& ev) override {
        std::string s = fmt::format("{} {} type {} flags {} stream {} len {}", ev.frame->ts,
                                    directionName(ev.dir), ev.frame->type, ev.frame->flags,
                                    ev.frame->streamId, ev.frame->length);
        if (ev.headers)
            for (const auto& h : ev.headers->fields) s += " " + h.name + "=" + h.value;
        add(ev.conn->id, std::move(s));
    }
    void onStreamDone(const ConnectionInfo& c, const StreamRecord& s) override {
        add(c.id, fmt::format("stream {} end {} body {} {}", s.id, static_cast<int>(s.end),
                              s.requestBodyBytes, s.responseBodyBytes));
    }
    void onAnomaly(const ConnectionInfo& c, const Anomaly& a) override {
        add(c.id, fmt::format("anomaly {} {} {}", a.ts, a.name, a.detail));
    }
    void onConnectionDone(const ConnectionInfo& c, const ConnectionSummary& s) override {
        add(c.id, fmt::format("done {} {} {}", static_cast<int>(s.detection), s.tlsDecrypted,
                              s.detectionDetail));
        if (s.tls) {
            opened += s.tls->recordsOpened;
            openedAhead += s.tls->recordsOpenedAhead;
        }
    }

  private:
    void add(std::uint64_t conn, std::string line) {
        lines.push_back(fmt::format("conn {} {}", conn, line));
        byConn[conn].push_back(std::move(line));
    }
};

inline KeyLog keyLogFrom(const std::filesystem::path& file) {
    KeyLog keys;
    std::string error;
    REQUIRE(keys.loadFile(file.string(), error));
    return keys;
}

inline Bytes fromHex(std::string_view hex) {
    Bytes out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(
            static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    return out;
}

// tshark's decrypted application data per TCP stream: `-z follow,tls,raw,N` for every N in
// one run. tshark 4.0 names the server "Node 0" in TLS follow output and indents the other
// node's lines with a tab; the node is matched to our roles by its port.
struct TsharkTlsStream {
    Bytes client, server;
    std::size_t clientLines = 0, serverLines = 0;
};

inline std::map<std::uint64_t, TsharkTlsStream> tsharkFollowTls(
    const std::filesystem::path& capture, const std::string& options,
    const std::map<std::uint64_t, TlsFlowResult>& flows) {
    std::string cmd = "tshark -n -r " + shellQuote(capture.string()) + " " + options + " -q";
    for (const auto& [id, f] : flows) cmd += " -z follow,tls,raw," + std::to_string(id);
    const std::string out = runCommand(cmd + " 2>/dev/null");
    std::map<std::uint64_t, TsharkTlsStream> result;
    std::size_t pos = 0;
    TsharkTlsStream* cur = nullptr;
    std::uint64_t curId = 0;
    bool node0IsServer = true;
    while (pos < out.size()) {
        std::size_t nl = out.find('\n', pos);
        if (nl == std::string::npos) nl = out.size();
        std::string_view line(out.data() + pos, nl - pos);
        pos = nl + 1;
        if (line.starts_with("Filter: tcp.stream eq ")) {
            curId = std::stoull(std::string(line.substr(22)));
            cur = &result[curId];
        } else if (line.starts_with("Node 0: ") && cur) {
            const auto portText = std::string(line.substr(line.rfind(':') + 1));
            const auto it = flows.find(curId);
            node0IsServer = it == flows.end() || std::to_string(it->second.server.port) == portText;
        } else if (line.starts_with("Node ") || line.starts_with("Follow:") ||
                   line.starts_with("====") || line.empty()) {
            continue;
        } else if (cur) {
            const bool indented = line.front() == '\t';
            if (indented) line.remove_prefix(1);
            const bool fromServer = indented != node0IsServer;
            Bytes b = fromHex(line);
            Bytes& dst = fromServer ? cur->server : cur->client;
            dst.insert(dst.end(), b.begin(), b.end());
            ++(fromServer ? cur->serverLines : cur->clientLines);
        }
    }
    return result;
}

inline const std::string& http2Preface() {
    static const std::string p = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    return p;
}

inline bool startsWith(const Bytes& b, const std::string& prefix) {
    return b.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), b.begin());
}

}  // namespace h2lens::test
