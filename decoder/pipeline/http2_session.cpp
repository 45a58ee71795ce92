#include "pipeline/http2_session.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "pipeline/http1_message.h"
#include "tcp/role_detection.h"
#include "tls/tls_report.h"
#include "tls/tls_session.h"

namespace h2lens {

namespace {

constexpr std::size_t kMaxHeldBytes = 64 * 1024;  // per direction, while deciding

// A TLS handshake record: content type 22, version 3.x.
bool looksLikeTls(ByteSpan d) {
    return d.size() >= 3 && d[0] == 0x16 && d[1] == 0x03 && d[2] <= 0x04;
}

TlsFacts tlsFacts(const TlsReport& r, bool notHttp2Inside) {
    TlsFacts f;
    f.version = r.version;
    f.versionName = r.version ? tlsProtocolName(r.version) : "TLS";
    f.cipherSuite = r.cipherSuite;
    f.cipherSuiteName = r.cipherSuiteName;
    f.sni = r.sni;
    f.alpnOffered = r.alpnOffered;
    f.alpnChosen = r.alpnSelected;
    f.alpnEncrypted = r.alpnEncrypted;
    f.helloRetryRequest = r.helloRetryRequest;
    f.resumed = r.resumed;
    f.decrypted = r.decrypted();
    // The same words as the sentence TlsReport::summary() ends with.
    if (!f.decrypted)
        f.notDecryptedReason =
            r.reason.empty() ? std::string(tlsDecryptionName(r.decryption)) : r.reason;
    f.notHttp2Inside = notHttp2Inside;
    return f;
}

const KeyLog& noKeys() {
    static const KeyLog empty;
    return empty;
}

class Http2Session final : public FlowConsumer {
  public:
    Http2Session(const Limits& limits, const FlowRecord& rec, H2Listener* listener,
                 const KeyLog* keys)
        : m_limits(&limits),
          m_keys(keys ? keys : &noKeys()),
          m_listener(listener),
          m_engine(limits, ConnectionInfo{rec.id, rec.client, rec.server}, listener),
          m_sawStart(rec.handshakeSeen) {}

    void onData(Direction dir, std::uint64_t, ByteSpan data, TimestampNs ts,
                std::uint64_t) override {
        const int d = static_cast<int>(dir);
        switch (m_mode) {
            case Mode::Engine:
                m_engine.feed(dir, data, ts);
                return;
            case Mode::Ignore:
                return;
            case Mode::Tls:
                m_tls->feed(dir, data, ts, m_tlsSink);
                return;
            case Mode::Deciding:
            case Mode::Upgrading:
                hold(d, data, ts);
                break;
        }
        if (m_mode == Mode::Deciding) decide();
        if (m_mode == Mode::Upgrading) upgrade();
    }

    void onGap(Direction dir, std::uint64_t, std::uint64_t length, TimestampNs ts) override {
        if (m_mode == Mode::Engine) {
            m_engine.gap(dir, length, ts);
        } else if (m_mode == Mode::Tls) {
            m_tls->gap(dir, length, ts, m_tlsSink);
        } else if (m_mode == Mode::Deciding) {
            // The start is lost: whatever follows can only be found by frame-sync search.
            startEngine(Http2Detection::MidStream);
        }
    }

    void onEnd(const FlowRecord& rec) override {
        if (m_mode == Mode::Deciding && m_sawStart && m_held[0].empty() && !m_held[1].empty()) {
            // Only the server spoke, from the start of the connection: a frame boundary.
            startEngine(Http2Detection::PriorKnowledge);
        }
        if (m_mode == Mode::Deciding || m_mode == Mode::Upgrading) {
            // Too little to decide on: say what it looked like.
            const auto& c = m_held[0];
            if (m_mode == Mode::Upgrading) {
                m_engine.summary().detection = Http2Detection::Http1;
                m_engine.summary().detectionDetail = "h2c Upgrade requested; no 101 in the capture";
            } else if (c.empty() && m_held[1].empty()) {
                m_engine.summary().detection = Http2Detection::None;
                m_engine.summary().detectionDetail = "no payload";
            } else {
                m_engine.summary().detection = Http2Detection::NotHttp;
                m_engine.summary().detectionDetail = "too few bytes to identify";
            }
        }
        if (m_tls) {
            m_tls->finish(rec.lastTs, m_tlsSink);
            auto& sum = m_engine.summary();
            sum.detection = Http2Detection::Tls;
            sum.tls = tlsFacts(m_tls->report(), m_tlsNotH2);
            sum.tlsDecrypted = sum.tls->decrypted;
            sum.detectionDetail = m_tls->report().summary();
            if (m_tlsNotH2) sum.detectionDetail += "; not HTTP/2 inside";
        }
        m_engine.finish(rec.lastTs);
        if (m_listener) m_listener->onConnectionDone(m_engine.info(), m_engine.summary());
    }

  private:
    enum class Mode : std::uint8_t { Deciding, Upgrading, Engine, Tls, Ignore };
    struct Held {
        Bytes bytes;
        TimestampNs firstTs = 0;
        bool empty() const { return bytes.empty(); }
    };

    void hold(int d, ByteSpan data, TimestampNs ts) {
        Held& h = m_held[d];
        if (h.bytes.empty()) h.firstTs = ts;
        const std::size_t room = kMaxHeldBytes - std::min(kMaxHeldBytes, h.bytes.size());
        const std::size_t n = std::min(room, data.size());
        h.bytes.insert(h.bytes.end(), data.begin(), data.begin() + n);
        if (n) m_arrivals.push_back(Arrival{d, n, ts});
    }

    // Feeds what was held to the engine in arrival order (the two directions interleaved as
    // captured, so e.g. a SETTINGS ACK never comes before the SETTINGS), skipping the first
    // `skip[d]` bytes of each direction (an HTTP/1.1 upgrade head).
    void replay(std::size_t skipC2s, std::size_t skipS2c) {
        replayTo([this](Direction dir, ByteSpan bytes,
                        TimestampNs ts) { m_engine.feed(dir, bytes, ts); },
                 skipC2s, skipS2c);
    }

    template <typename Feed>
    void replayTo(Feed feed, std::size_t skipC2s = 0, std::size_t skipS2c = 0) {
        Bytes held[2] = {std::move(m_held[0].bytes), std::move(m_held[1].bytes)};
        std::size_t pos[2] = {0, 0};
        const std::size_t skip[2] = {skipC2s, skipS2c};
        for (const Arrival& a : std::exchange(m_arrivals, {})) {
            std::size_t from = pos[a.dir];
            const std::size_t to = from + a.length;
            pos[a.dir] = to;
            from = std::max(from, skip[a.dir]);
            if (from >= to) continue;
            feed(static_cast<Direction>(a.dir), ByteSpan(held[a.dir]).subspan(from, to - from),
                 a.ts);
        }
    }

    void decide() {
        const Bytes& c = m_held[0].bytes;
        const Bytes& s = m_held[1].bytes;
        if (!c.empty()) {
            if (startsWithHttp2Preface(c) ||
                (c.size() < 4 && std::string_view("PRI ").starts_with(asStringView(c)))) {
                if (c.size() >= 4) startEngine(Http2Detection::PriorKnowledge);
                return;
            }
            if (looksLikeTls(c)) {
                startTls();
                return;
            }
            if (startsWithHttpRequestLine(c)) {
                m_mode = Mode::Upgrading;
                return;
            }
            startEngine(Http2Detection::MidStream);
            return;
        }
        if (!s.empty()) {
            // The server spoke first, or the client's start was not captured.
            if (m_sawStart && !looksLikeTls(s) && !startsWithHttpStatusLine(s) &&
                s.size() < kMaxHeldBytes) {
                // With the handshake captured the client's first bytes are still to come (an
                // HTTP/2 server may send its SETTINGS before reading the preface, RFC 9113 §3.4).
                return;
            }
            if (looksLikeTls(s)) {
                startTls();
            } else if (startsWithHttpStatusLine(s)) {
                setIgnored(Http2Detection::Http1, "HTTP/1.x response without a captured request");
            } else {
                startEngine(Http2Detection::MidStream);
            }
        }
    }

    // TLS: every byte goes through a TlsSession (keys from --keylog or pcapng DSBs); without
    // keys it still reports version, suite, SNI and ALPN. Plaintext feeds the HTTP/2 engine
    // exactly as h2c bytes do.
    void startTls() {
        m_mode = Mode::Tls;
        m_tls = std::make_unique<TlsSession>(*m_keys, *m_limits);
        m_engine.summary().detection = Http2Detection::Tls;
        replayTo([this](Direction dir, ByteSpan bytes, TimestampNs ts) {
            m_tls->feed(dir, bytes, ts, m_tlsSink);
        });
    }

    class TlsToEngine final : public TlsPlaintextSink {
      public:
        explicit TlsToEngine(Http2Session* s) : m_s(s) {}
        void onPlaintext(Direction dir, ByteSpan bytes, TimestampNs ts) override {
            if (!m_s->m_tlsEngineStarted) {
                const std::string& alpn = m_s->m_tls->report().alpnSelected;
                if (!alpn.empty() && alpn != "h2") m_s->m_tlsNotH2 = true;
                if (m_s->m_tlsNotH2) return;
                m_s->m_engine.startPriorKnowledge();
                m_s->m_engine.summary().detection = Http2Detection::Tls;
                m_s->m_tlsEngineStarted = true;
            }
            m_s->m_engine.feed(dir, bytes, ts);
        }
        void onPlaintextGap(Direction dir, std::uint64_t length, TimestampNs ts) override {
            if (m_s->m_tlsEngineStarted) m_s->m_engine.gap(dir, length, ts);
        }
        void onIssue(Direction dir, const std::string& message, TimestampNs ts) override {
            m_s->m_engine.reportAnomaly(dir, "TLS_PROBLEM", "", message, ts);
        }

      private:
        Http2Session* m_s;
    };

    void upgrade() {
        auto req = parseHttp1Head(m_held[0].bytes, true);
        if (!req) {
            if (m_held[0].bytes.size() >= kMaxHeldBytes)
                setIgnored(Http2Detection::Http1, "HTTP/1.x");
            return;
        }
        if (!req->hasToken("upgrade", "h2c") || req->header("http2-settings").empty()) {
            setIgnored(Http2Detection::Http1, "HTTP/1.x without Upgrade: h2c");
            return;
        }
        auto resp = parseHttp1Head(m_held[1].bytes, false);
        if (!resp) return;  // wait for the server's answer
        if (resp->status != 101) {
            setIgnored(Http2Detection::Http1,
                       fmt::format("h2c Upgrade declined: the server answered {}", resp->status));
            return;
        }
        auto settings = decodeHttp2SettingsHeader(req->header("http2-settings"));
        HeaderBlock request;
        request.ts = m_held[0].firstTs;
        request.fromHttp1 = true;
        request.endStream = true;
        auto field = [&request](std::string n, std::string v) {
            HeaderField f;
            f.name = std::move(n);
            f.value = std::move(v);
            f.representation = HpackRepresentation::LiteralWithoutIndexing;
            request.fields.push_back(std::move(f));
        };
        field(":method", req->method);
        field(":scheme", "http");
        field(":authority", std::string(req->header("host")));
        field(":path", req->target);
        for (const auto& [n, v] : req->headers) field(n, v);
        std::uint64_t body = 0;
        if (auto cl = req->header("content-length"); !cl.empty()) {
            body = std::strtoull(std::string(cl).c_str(), nullptr, 10);
        }
        m_engine.startAfterUpgrade(std::move(request), settings.value_or(std::vector<Setting>{}),
                                   body, m_held[1].firstTs);
        m_mode = Mode::Engine;
        replay(req->headLength + static_cast<std::size_t>(body), resp->headLength);
    }

    void startEngine(Http2Detection how) {
        if (how == Http2Detection::PriorKnowledge)
            m_engine.startPriorKnowledge();
        else
            m_engine.startMidStream();
        m_mode = Mode::Engine;
        replay(0, 0);
    }

    void setIgnored(Http2Detection how, std::string why) {
        m_mode = Mode::Ignore;
        m_engine.summary().detection = how;
        m_engine.summary().detectionDetail = std::move(why);
        m_held[0].bytes = {};
        m_held[1].bytes = {};
        m_arrivals = {};
    }

    const Limits* m_limits;
    const KeyLog* m_keys;
    H2Listener* m_listener;
    ConnectionEngine m_engine;
    std::unique_ptr<TlsSession> m_tls;
    TlsToEngine m_tlsSink{this};
    bool m_tlsEngineStarted = false;
    bool m_tlsNotH2 = false;
    Mode m_mode = Mode::Deciding;
    struct Arrival {
        int dir;
        std::size_t length;
        TimestampNs ts;
    };
    Held m_held[2];
    std::vector<Arrival> m_arrivals;
    bool m_sawStart;  // the SYN was captured: the streams start at their first byte
};

}  // namespace

std::unique_ptr<FlowConsumer> Http2SessionFactory::create(const FlowRecord& record) {
    return std::make_unique<Http2Session>(*m_limits, record, m_listener, m_keys);
}

}  // namespace h2lens
