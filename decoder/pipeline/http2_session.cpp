#include "pipeline/http2_session.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <functional>
#include <stdexcept>
#include <utility>

#include "pipeline/decode_backlog.h"
#include "pipeline/http1_message.h"
#include "tcp/role_detection.h"
#include "tls/tls_report.h"
#include "tls/tls_session.h"

namespace h2lens {

namespace {

constexpr std::size_t kMaxHeldBytes = 64 * 1024;  // per direction, while deciding
constexpr std::size_t kEndedConnectionCost = 64 * 1024;
constexpr std::size_t kWatchedServerBytes = 4096;  // held per HTTP/1.x connection (preface watch)

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
    for (const TlsDirectionReport& d : r.dir) {
        f.recordsOpened += d.decryptedRecords + d.failedRecords;
        f.recordsOpenedAhead += d.openedAhead;
    }
    return f;
}

constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// Bytes taken by complete HTTP/1.x responses (head and Content-Length body) at the start of
// `s`: what the server said before it spoke HTTP/2.
std::size_t http1ResponsesLength(ByteSpan s) {
    std::size_t pos = 0;
    while (pos < s.size()) {
        auto head = parseHttp1Head(s.subspan(pos), false);
        if (!head) break;
        std::uint64_t body = 0;
        const std::string_view cl = head->header("content-length");
        if (head->status >= 200 && head->status != 204 && head->status != 304 && !cl.empty())
            body = std::strtoull(std::string(cl).c_str(), nullptr, 10);
        if (body > s.size() - pos - head->headLength) break;
        pos += head->headLength + static_cast<std::size_t>(body);
    }
    return pos;
}

// Counts the frames frame-sync search finds: the evidence that a connection whose start was
// not captured carries HTTP/2.
class FrameCounter final : public FrameSink {
  public:
    void onFrame(const Frame&) override { ++frames; }
    void onIssue(const FrameIssue&) override {}
    std::uint64_t frames = 0;
};

const KeyLog& noKeys() {
    static const KeyLog empty;
    return empty;
}

// What a connection's decode changes that the listener can see: the engine and the TLS
// session's record handling. With a DecodeBacklog this work may run later than the packet that
// caused it (always in the same order), so it lives apart from the session that the flow table
// destroys at the connection's end.
struct SessionCore {
    SessionCore(const Limits& limits, const FlowRecord& rec, H2Listener* listener)
        : engine(limits, ConnectionInfo{rec.id, rec.client, rec.server}, listener),
          listener(listener) {}

    class TlsToEngine final : public TlsPlaintextSink {
      public:
        explicit TlsToEngine(SessionCore* c) : m_c(c) {}
        void onPlaintext(Direction dir, ByteSpan bytes, TimestampNs ts) override {
            if (!m_c->tlsEngineStarted) {
                const std::string& alpn = m_c->tls->report().alpnSelected;
                if (!alpn.empty() && alpn != "h2") m_c->tlsNotH2 = true;
                if (m_c->tlsNotH2) return;
                m_c->engine.startPriorKnowledge();
                m_c->engine.summary().detection = Http2Detection::Tls;
                m_c->tlsEngineStarted = true;
            }
            m_c->engine.feed(dir, bytes, ts);
        }
        void onPlaintextGap(Direction dir, std::uint64_t length, TimestampNs ts) override {
            if (m_c->tlsEngineStarted) m_c->engine.gap(dir, length, ts);
        }
        void onIssue(Direction dir, const std::string& message, TimestampNs ts) override {
            m_c->engine.reportAnomaly(dir, "TLS_PROBLEM", "", message, ts);
        }

      private:
        SessionCore* m_c;
    };

    void end(const FlowRecord& rec, std::array<std::size_t, 2> tlsBuffered) {
        if (tls) {
            tls->finishAt(rec.lastTs, tlsSink, tlsBuffered);
            auto& sum = engine.summary();
            sum.detection = Http2Detection::Tls;
            sum.tls = tlsFacts(tls->report(), tlsNotH2);
            sum.tlsDecrypted = sum.tls->decrypted;
            sum.detectionDetail = tls->report().summary();
            if (tlsNotH2) sum.detectionDetail += "; not HTTP/2 inside";
        }
        engine.summary().flow = rec;
        engine.finish(rec.lastTs);
        if (listener) listener->onConnectionDone(engine.info(), engine.summary());
    }

    ConnectionEngine engine;
    H2Listener* listener;
    std::unique_ptr<TlsSession> tls;
    TlsToEngine tlsSink{this};
    bool tlsEngineStarted = false;
    bool tlsNotH2 = false;
    // Records of each direction waiting in the backlog that will take a sequence number: the
    // guess for the next record opened ahead is the session's next number plus these.
    std::uint64_t queuedRecords[2] = {0, 0};
};

class Http2Session final : public FlowConsumer, private TlsRecordHandler {
  public:
    Http2Session(const Limits& limits, const FlowRecord& rec, H2Listener* listener,
                 const KeyLog* keys, DecodeBacklog* backlog, std::shared_ptr<TlsHoldBudget> tlsHold)
        : m_limits(&limits),
          m_keys(keys ? keys : &noKeys()),
          m_backlog(backlog),
          m_tlsHold(std::move(tlsHold)),
          m_core(std::make_shared<SessionCore>(limits, rec, listener)),
          m_sawStart(rec.handshakeSeen) {}

    void onData(Direction dir, std::uint64_t, ByteSpan data, TimestampNs ts,
                std::uint64_t) override {
        const int d = static_cast<int>(dir);
        switch (m_mode) {
            case Mode::Engine:
                if (now()) {
                    m_core->engine.feed(dir, data, ts);
                } else {
                    later([c = m_core, dir, bytes = Bytes(data.begin(), data.end()),
                           ts] { c->engine.feed(dir, bytes, ts); },
                          data.size());
                }
                break;
            case Mode::Ignore:
                return;
            case Mode::Http1:
                watchHttp1(d, data, ts);
                break;
            case Mode::Tls:
                frameTls(dir, data, ts);
                break;
            case Mode::Deciding:
            case Mode::Upgrading:
                hold(d, data, ts);
                if (m_mode == Mode::Deciding) decide();
                if (m_mode == Mode::Upgrading) upgrade();
                break;
        }
        if (m_backlog) m_backlog->pump();
    }

    void onGap(Direction dir, std::uint64_t, std::uint64_t length, TimestampNs ts) override {
        if (m_mode == Mode::Engine) {
            act([c = m_core, dir, length, ts] { c->engine.gap(dir, length, ts); });
        } else if (m_mode == Mode::Tls) {
            if (m_core->tls->cutInput(dir)) {
                act([c = m_core, dir, length, ts] { c->tls->gapAt(dir, length, ts, c->tlsSink); });
            }
        } else if (m_mode == Mode::Deciding) {
            // The start is lost: whatever follows can only be found by frame-sync search.
            const bool heldMidStream = m_waitingForFrames;
            startEngine(Http2Detection::MidStream);
            // Bytes held for evidence came before the gap: the engine must hear of it.
            if (heldMidStream)
                act([c = m_core, dir, length, ts] { c->engine.gap(dir, length, ts); });
        }
    }

    void onEnd(const FlowRecord& rec) override {
        if (m_mode == Mode::Deciding && m_sawStart && m_held[0].empty() && !m_held[1].empty()) {
            // Only the server spoke, from the start of the connection: a frame boundary.
            startEngine(Http2Detection::PriorKnowledge);
        }
        if (m_mode == Mode::Deciding && m_waitingForFrames && probeFinds(true)) {
            startEngine(Http2Detection::MidStream);
        }
        if (m_mode == Mode::Deciding || m_mode == Mode::Upgrading) {
            // Too little to decide on: say what it looked like.
            Http2Detection how = Http2Detection::NotHttp;
            const char* why = "too few bytes to identify";
            if (m_mode == Mode::Upgrading) {
                how = Http2Detection::Http1;
                why = "h2c Upgrade requested; no 101 in the capture";
            } else if (m_held[0].empty() && m_held[1].empty()) {
                how = Http2Detection::None;
                why = "no payload";
            }
            act([c = m_core, how, why] {
                c->engine.summary().detection = how;
                c->engine.summary().detectionDetail = why;
            });
        }
        std::array<std::size_t, 2> buffered{0, 0};
        if (m_core->tls) {
            buffered = {m_core->tls->bufferedInput(Direction::ClientToServer),
                        m_core->tls->bufferedInput(Direction::ServerToClient)};
        }
        // A connection's end keeps its engine (HPACK tables, streams) and TLS state alive.
        act([c = m_core, rec, buffered] { c->end(rec, buffered); }, kEndedConnectionCost);
        if (m_backlog) m_backlog->pump();
    }

  private:
    // Http1: HTTP/1.x, watched for an HTTP/2 preface from the client (a CONNECT tunnel, a
    // client that switches after an HTTP/1.1 exchange).
    enum class Mode : std::uint8_t { Deciding, Upgrading, Engine, Tls, Ignore, Http1 };
    struct Held {
        Bytes bytes;
        TimestampNs firstTs = 0;
        bool empty() const { return bytes.empty(); }
    };
    struct Arrival {
        int dir;
        std::size_t length;
        TimestampNs ts;
    };

    // Work that touches m_core runs now when nothing waits before it, else in the backlog.
    bool now() const { return !m_backlog || m_backlog->idle(); }
    void later(std::function<void()> work, std::size_t cost) {
        m_backlog->post(std::move(work), cost);
    }
    // `cost`: what the work keeps alive while it waits, besides the item itself.
    template <typename Work>
    void act(Work&& work, std::size_t cost = 0) {
        if (now()) {
            work();
        } else {
            later(std::forward<Work>(work), cost);
        }
    }

    void frameTls(Direction dir, ByteSpan data, TimestampNs ts) {
        m_framingDir = dir;
        m_framingTs = ts;
        if (m_core->tls->frame(dir, data, *this)) {
            act([c = m_core, dir, ts] { c->tls->readerStopped(dir, ts, c->tlsSink); });
        }
    }

    // A whole TLS record of m_framingDir, framed now.
    void onRecord(const TlsRecord& record) override {
        const Direction dir = m_framingDir;
        const TimestampNs ts = m_framingTs;
        const int d = static_cast<int>(dir);
        constexpr std::uint8_t kApplicationData = 23;
        constexpr std::uint8_t kChangeCipherSpec = 20;
        std::uint64_t seq = 0;
        std::shared_ptr<const RecordProtection> key;
        if (m_backlog && record.type == kApplicationData)
            key = m_core->tls->settledProtection(dir, seq);
        if (!key && now()) {
            m_core->tls->record(dir, record, ts, m_core->tlsSink);
            return;
        }
        auto copy = [&record] {
            // The reader's buffer, taken whole unless mostly empty (a small record).
            if (record.owner && record.owner->capacity() <= 2 * record.owner->size())
                return std::move(*record.owner);
            Bytes b;
            b.reserve(record.header.size() + record.fragment.size());
            b.insert(b.end(), record.header.begin(), record.header.end());
            b.insert(b.end(), record.fragment.begin(), record.fragment.end());
            return b;
        };
        const bool counted = record.type != kChangeCipherSpec;
        if (counted) ++m_core->queuedRecords[d];
        if (!key) {
            Bytes bytes = copy();
            const std::size_t cost = bytes.size();
            later(
                [c = m_core, dir, d, ts, counted, bytes = std::move(bytes)] {
                    if (counted) --c->queuedRecords[d];
                    c->tls->record(dir, tlsRecordView(bytes), ts, c->tlsSink);
                },
                cost);
            return;
        }
        auto job = std::make_shared<TlsOpenJob>();
        job->protection = std::move(key);
        job->seq = seq + m_core->queuedRecords[d] - 1;
        job->record = copy();
        const std::size_t cost = job->record.capacity() + job->record.size();  // and plaintext
        m_backlog->postAfter(
            job,
            [c = m_core, dir, d, ts, job] {
                --c->queuedRecords[d];
                c->tls->record(dir, job->view(), ts, c->tlsSink, job.get());
            },
            cost);
    }

    void hold(int d, ByteSpan data, TimestampNs ts) {
        Held& h = m_held[d];
        if (m_mode == Mode::Deciding && !data.empty()) {
            const std::size_t probeRoom = kMaxHeldBytes - std::min(kMaxHeldBytes, h.bytes.size());
            if (!m_probe[d]) {
                m_probe[d] = std::make_unique<FrameDecoder>(*m_limits);
                m_probe[d]->startMidStream();
            }
            m_probe[d]->feed(data.first(std::min(probeRoom, data.size())), ts, m_probeFrames[d]);
        }
        if (h.bytes.empty()) h.firstTs = ts;
        const std::size_t room = kMaxHeldBytes - std::min(kMaxHeldBytes, h.bytes.size());
        const std::size_t n = std::min(room, data.size());
        h.bytes.insert(h.bytes.end(), data.begin(), data.begin() + n);
        if (n) m_arrivals.push_back(Arrival{d, n, ts});
    }

    // Feeds what was held to `feed` in arrival order (the two directions interleaved as
    // captured, so e.g. a SETTINGS ACK never comes before the SETTINGS), skipping the first
    // `skip[d]` bytes of each direction (an HTTP/1.1 upgrade head).
    template <typename Feed>
    static void replayHeld(Bytes held[2], const std::vector<Arrival>& arrivals, Feed feed,
                           std::size_t skipC2s = 0, std::size_t skipS2c = 0) {
        std::size_t pos[2] = {0, 0};
        const std::size_t skip[2] = {skipC2s, skipS2c};
        for (const Arrival& a : arrivals) {
            std::size_t from = pos[a.dir];
            const std::size_t to = from + a.length;
            pos[a.dir] = to;
            from = std::max(from, skip[a.dir]);
            if (from >= to) continue;
            feed(static_cast<Direction>(a.dir), ByteSpan(held[a.dir]).subspan(from, to - from),
                 a.ts);
        }
    }

    // The held bytes to the engine (which the caller has started, in the same work item).
    std::function<void()> replayToEngine(std::size_t skipC2s, std::size_t skipS2c) {
        auto held = std::make_shared<std::array<Bytes, 2>>();
        (*held)[0] = std::move(m_held[0].bytes);
        (*held)[1] = std::move(m_held[1].bytes);
        auto arrivals = std::make_shared<std::vector<Arrival>>(std::exchange(m_arrivals, {}));
        return [c = m_core, held, arrivals, skipC2s, skipS2c] {
            replayHeld(
                held->data(), *arrivals,
                [&c](Direction dir, ByteSpan bytes, TimestampNs ts) {
                    c->engine.feed(dir, bytes, ts);
                },
                skipC2s, skipS2c);
        };
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
            midStreamOnEvidence();
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
                auto resp = parseHttp1Head(s, false);
                if (!resp && s.size() < kMaxHeldBytes) return;  // the head is still coming
                if (resp && resp->status == 101 && resp->hasToken("upgrade", "h2c")) {
                    upgradeWithoutRequest(*resp);
                } else {
                    watchHttp1("HTTP/1.x response without a captured request");
                }
            } else {
                midStreamOnEvidence();
            }
        }
    }

    // Mid-connection HTTP/2 needs evidence: a chain of plausible frame headers in either
    // direction (FrameDecoder's frame-sync rules), not just bytes that are nothing else. A
    // one-byte TCP keepalive is not HTTP/2. `final`: the connection ended, decide on what there is.
    bool probeFinds(bool final) {
        for (int d = 0; d < 2; ++d) {
            if (!m_probe[d]) continue;
            if (final) m_probe[d]->finish(0, m_probeFrames[d]);
            if (m_probeFrames[d].frames > 0) return true;
        }
        return false;
    }

    void midStreamOnEvidence() {
        m_waitingForFrames = true;
        if (probeFinds(false)) {
            startEngine(Http2Detection::MidStream);
        } else if (m_held[0].bytes.size() >= kMaxHeldBytes ||
                   m_held[1].bytes.size() >= kMaxHeldBytes) {
            setIgnored(Http2Detection::NotHttp, "no HTTP/2 frames in the first 64 KiB");
        }
    }

    // The server's 101 to an h2c Upgrade whose request was not captured (RFC 9113 §3.2 via
    // RFC 7540 §3.2): HTTP/2 follows the 101's head in the server's bytes and the client's
    // preface in its own.
    void upgradeWithoutRequest(const Http1Head& resp) {
        m_mode = Mode::Engine;
        const std::size_t held = heldBytes();
        auto replay = replayToEngine(0, resp.headLength);
        act(
            [c = m_core, ts = m_held[1].firstTs, replay = std::move(replay)] {
                c->engine.startAfterUpgradeResponse(ts);
                c->engine.summary().detectionDetail =
                    "h2c Upgrade: 101 Switching Protocols; the request was not captured";
                replay();
            },
            held);
    }

    // HTTP/1.x on this connection so far: the client may still send the HTTP/2 preface.
    void watchHttp1(std::string why) {
        m_mode = Mode::Http1;
        m_connectRequest = asStringView(m_held[0].bytes).starts_with("CONNECT ");
        act([c = m_core, why = std::move(why)] {
            c->engine.summary().detection = Http2Detection::Http1;
            c->engine.summary().detectionDetail = why;
        });
        findPrefaceAfterHttp1(0);
        if (m_mode == Mode::Http1) {
            keepTail(0, kPreface.size() - 1);
            if (m_held[1].bytes.size() > kWatchedServerBytes) {
                keepTail(1, 0);
                m_s2cHeldDropped = true;
            }
        }
    }

    void watchHttp1(int d, ByteSpan data, TimestampNs ts) {
        // Bounded for the connection's life: the server's last bytes (a CONNECT's 2xx and what
        // follows it), the client's last bytes that may start the preface.
        if (d == 1) {
            if (m_held[1].bytes.size() + data.size() > kWatchedServerBytes) {
                keepTail(1, 0);
                m_s2cHeldDropped = true;
                if (data.size() > kWatchedServerBytes) return;
            }
            hold(1, data, ts);
            return;
        }
        const std::size_t before = m_held[0].bytes.size();
        hold(0, data, ts);
        findPrefaceAfterHttp1(before >= kPreface.size() ? before - kPreface.size() + 1 : 0);
        if (m_mode == Mode::Http1) keepTail(0, kPreface.size() - 1);
    }

    // Keeps the last `n` held bytes of direction `d` (one arrival, first in the replay).
    void keepTail(int d, std::size_t n) {
        Bytes& b = m_held[d].bytes;
        if (b.size() <= n) return;
        const std::size_t dropped = b.size() - n;
        if (d == 0) m_c2sDropped += dropped;
        b.erase(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(dropped));
        TimestampNs ts = 0;
        std::vector<Arrival> arrivals;
        for (const Arrival& a : m_arrivals) {
            if (a.dir == d) {
                ts = a.ts;
            } else {
                arrivals.push_back(a);
            }
        }
        if (n > 0) arrivals.insert(arrivals.begin(), Arrival{d, n, ts});
        m_arrivals = std::move(arrivals);
    }

    void findPrefaceAfterHttp1(std::size_t from) {
        const std::string_view c = asStringView(m_held[0].bytes);
        const std::size_t at = c.find(kPreface, from);
        if (at == std::string_view::npos) return;
        m_mode = Mode::Engine;
        const std::size_t held = heldBytes();
        const std::size_t responses = http1ResponsesLength(m_held[1].bytes);
        // The server's bytes after its last whole response start HTTP/2; without one seen
        // whole (held bytes dropped, a chunked body) they are searched.
        // (a CONNECT tunnel: the 2xx head ends the HTTP/1.x part, RFC 9110 §9.3.6).
        const bool atBoundary = responses > 0 && !m_s2cHeldDropped && m_connectRequest;
        const std::uint64_t before = m_c2sDropped + at;
        auto replay = replayToEngine(at, responses);
        act(
            [c = m_core, before, atBoundary, replay = std::move(replay)] {
                c->engine.startPrefaceAfterHttp1(atBoundary);
                c->engine.summary().detectionDetail = fmt::format(
                    "client preface after {} bytes of HTTP/1.x on the connection", before);
                replay();
            },
            held);
    }

    // TLS: every byte goes through a TlsSession (keys from --keylog or pcapng DSBs); without
    // keys it still reports version, suite, SNI and ALPN. Plaintext feeds the HTTP/2 engine
    // exactly as h2c bytes do.
    void startTls() {
        m_mode = Mode::Tls;
        m_core->tls = std::make_unique<TlsSession>(*m_keys, *m_limits);
        m_core->tls->setHoldBudget(m_tlsHold);
        act([c = m_core] { c->engine.summary().detection = Http2Detection::Tls; });
        Bytes held[2] = {std::move(m_held[0].bytes), std::move(m_held[1].bytes)};
        replayHeld(
            held, std::exchange(m_arrivals, {}),
            [this](Direction dir, ByteSpan bytes, TimestampNs ts) { frameTls(dir, bytes, ts); });
    }

    void upgrade() {
        auto req = parseHttp1Head(m_held[0].bytes, true);
        if (!req) {
            if (m_held[0].bytes.size() >= kMaxHeldBytes) watchHttp1("HTTP/1.x");
            return;
        }
        if (!req->hasToken("upgrade", "h2c") || req->header("http2-settings").empty()) {
            watchHttp1("HTTP/1.x without Upgrade: h2c");
            return;
        }
        auto resp = parseHttp1Head(m_held[1].bytes, false);
        if (!resp) return;  // wait for the server's answer
        if (resp->status != 101) {
            watchHttp1(fmt::format("h2c Upgrade declined: the server answered {}", resp->status));
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
        m_mode = Mode::Engine;
        const std::size_t held = heldBytes();
        auto replay =
            replayToEngine(req->headLength + static_cast<std::size_t>(body), resp->headLength);
        act(
            [c = m_core, request = std::move(request),
             settings = settings.value_or(std::vector<Setting>{}), body, ts = m_held[1].firstTs,
             replay = std::move(replay)]() mutable {
                c->engine.startAfterUpgrade(std::move(request), std::move(settings), body, ts);
                replay();
            },
            held);
    }

    void startEngine(Http2Detection how) {
        m_mode = Mode::Engine;
        const std::size_t held = heldBytes();
        act(
            [c = m_core, how, replay = replayToEngine(0, 0)] {
                if (how == Http2Detection::PriorKnowledge)
                    c->engine.startPriorKnowledge();
                else
                    c->engine.startMidStream();
                replay();
            },
            held);
    }

    std::size_t heldBytes() const { return m_held[0].bytes.size() + m_held[1].bytes.size(); }

    void setIgnored(Http2Detection how, std::string why) {
        m_mode = Mode::Ignore;
        act([c = m_core, how, why = std::move(why)] {
            c->engine.summary().detection = how;
            c->engine.summary().detectionDetail = why;
        });
        m_held[0].bytes = {};
        m_held[1].bytes = {};
        m_arrivals = {};
    }

    const Limits* m_limits;
    const KeyLog* m_keys;
    DecodeBacklog* m_backlog;  // null: every step runs at once
    std::shared_ptr<TlsHoldBudget> m_tlsHold;
    std::shared_ptr<SessionCore> m_core;
    Mode m_mode = Mode::Deciding;
    Held m_held[2];
    // Frame-sync search over what is held while deciding, per direction (midStreamOnEvidence).
    std::unique_ptr<FrameDecoder> m_probe[2];
    FrameCounter m_probeFrames[2];
    bool m_waitingForFrames = false;
    // Http1: the server's bytes were dropped to bound what is held; client bytes dropped so
    // far; the client's first request was a CONNECT.
    bool m_s2cHeldDropped = false;
    std::uint64_t m_c2sDropped = 0;
    bool m_connectRequest = false;
    std::vector<Arrival> m_arrivals;
    bool m_sawStart;  // the SYN was captured: the streams start at their first byte
    // The feed being framed (onRecord's context).
    Direction m_framingDir = Direction::ClientToServer;
    TimestampNs m_framingTs = 0;
};

}  // namespace

Http2SessionFactory::Http2SessionFactory(const Limits& limits, H2Listener* listener,
                                         const KeyLog* keys)
    : m_limits(&limits),
      m_listener(listener),
      m_keys(keys),
      m_tlsHold(std::make_shared<TlsHoldBudget>(limits.maxTlsHeldBytesTotal)) {}

Http2SessionFactory::~Http2SessionFactory() = default;

void Http2SessionFactory::setTlsOpenService(TlsOpenService* service, std::size_t maxBytes) {
    // Sessions keep a pointer to the backlog they were made with.
    if (m_created) throw std::logic_error("setTlsOpenService after the first connection");
    m_backlog.reset();
    if (service) m_backlog = std::make_unique<DecodeBacklog>(*service, maxBytes);
}

void Http2SessionFactory::flush() {
    if (m_backlog) m_backlog->flush();
}

std::unique_ptr<FlowConsumer> Http2SessionFactory::create(const FlowRecord& record) {
    m_created = true;
    return std::make_unique<Http2Session>(*m_limits, record, m_listener, m_keys, m_backlog.get(),
                                          m_tlsHold);
}

}  // namespace h2lens
