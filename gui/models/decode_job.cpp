#include "models/decode_job.h"

#include "audit/audit_watch.h"
#include "session/decode_session.h"
#include "session/listener_tee.h"

#include <fmt/format.h>

#include <map>
#include <optional>
#include <thread>
#include <unordered_map>

#include "h2/frame_details.h"
#include "pcap/capture_file.h"

namespace h2lens::gui {

namespace {

using Clock = std::chrono::steady_clock;

// A frame's fields and problems as the CLI's frames view words them (h2/frame_details.h).
std::string extraText(const Frame& f) {
    std::string s = frameDetails(f);
    const std::string problem = frameProblem(f);
    if (!problem.empty()) s += (s.empty() ? "" : " ") + problem;
    return s;
}

class Recorder final : public H2Listener {
  public:
    // With a store, the bodies are the ones it keeps for the export (it must hear every stream's
    // end before the recorder does); without one, the recorder keeps its own.
    Recorder(const DecodeOptions& o, std::shared_ptr<const TranscriptStore> store)
        : m_opt(o), m_store(std::move(store)) {}

    void connectionStarted(const FlowRecord& r) {
        m_batch.connections.push_back({ConnectionInfo{r.id, r.client, r.server}, r.firstTs});
        m_conns[r.id];
    }
    void connectionEnded(const FlowRecord& r) { m_conns[r.id].flow = r; }
    void tcpEvent(std::uint64_t conn, const TcpEvent& e) {
        TimestampNs ts = e.ts ? e.ts : m_lastTs;
        entry(conn).tcp.push_back({e.kind, e.dir, ts, e.packet, e.offset, e.length});
    }

    void onFrame(const FrameEvent& ev) override {
        const Frame& f = *ev.frame;
        Conn& c = m_conns[ev.conn->id];
        FrameMark m;
        m.ts = f.ts;
        m.offset = f.offset;
        m.streamId = f.streamId;
        m.length = f.length;
        m.type = f.type;
        m.flags = f.flags;
        m.dir = ev.dir;
        m.malformed = f.error.has_value();
        m_lastTs = f.ts;
        switch (f.frameType()) {
            case FrameType::Data:
                m.dataLength = static_cast<std::uint32_t>(f.data.size());
                if (!m_store) keepBody(c, f.streamId, ev.dir, f.data);
                break;
            case FrameType::WindowUpdate:
                m.value = f.windowIncrement;
                break;
            case FrameType::RstStream:
            case FrameType::Goaway:
                m.value = f.errorCode;
                break;
            case FrameType::PushPromise:
                m.value = f.promisedStreamId;
                break;
            default:
                break;
        }
        if (ev.headers) {
            m.completesHeaderBlock = true;
            m.headerFields = static_cast<std::uint16_t>(
                std::min<std::size_t>(ev.headers->fields.size(), 0xffff));
        }
        DecodeBatch::Frames& e = entry(ev.conn->id);
        if (f.frameType() != FrameType::Data && f.frameType() != FrameType::WindowUpdate &&
            f.frameType() != FrameType::Continuation) {
            std::string x = extraText(f);
            if (!x.empty()) {
                m.extra = c.extras++;
                e.extras.push_back(std::move(x));
            }
        } else if (f.padded || f.error || f.oversize) {
            m.extra = c.extras++;
            e.extras.push_back(extraText(f));
        }
        e.frames.push_back(m);
        e.lastTs = f.ts;
    }

    void onStreamDone(const ConnectionInfo& ci, const StreamRecord& s) override {
        StreamData& d = m_batch.streams.emplace_back();
        d.connId = ci.id;
        d.rec = s;
        if (m_store) {
            const StreamTranscript* t = m_store->lastStream();
            if (!t || t->conn.id != ci.id || t->record.id != s.id) return;  // no body seen
            for (int i = 0; i < 2; ++i) {
                const BodyCapture& b = t->body[i];
                d.body[i] = asStringView(b.retained);
                d.bodyTruncated[i] = !b.retainedAll || b.released();
            }
            d.bodyOwner = std::shared_ptr<const void>(m_store, t);
            return;
        }
        Conn& c = m_conns[ci.id];
        auto it = c.bodies.find(s.id);
        if (it != c.bodies.end()) {
            auto owned = std::make_shared<Body>(std::move(it->second));
            for (int i = 0; i < 2; ++i) {
                d.body[i] = owned->bytes[i];
                d.bodyTruncated[i] = owned->truncated[i];
            }
            d.bodyOwner = std::move(owned);
            c.bodies.erase(it);
        }
    }

    void onAnomaly(const ConnectionInfo& ci, const Anomaly& a) override {
        entry(ci.id).anomalies.push_back(a);
    }

    void onConnectionDone(const ConnectionInfo& ci, const ConnectionSummary& sum) override {
        Conn& c = m_conns[ci.id];
        m_batch.done.push_back({ci.id, sum, c.flow});
        m_conns.erase(ci.id);
    }

    bool shouldFlush() const { return m_batch.streams.size() >= m_opt.flushStreams; }
    DecodeBatch take() {
        DecodeBatch b = std::move(m_batch);
        m_batch = DecodeBatch{};
        m_entryIndex.clear();
        return b;
    }

  private:
    struct Body {
        std::string bytes[2];
        bool truncated[2] = {false, false};
    };
    struct Conn {
        std::uint32_t extras = 0;
        std::unordered_map<std::uint32_t, Body> bodies;
        FlowRecord flow;
    };

    DecodeBatch::Frames& entry(std::uint64_t conn) {
        auto [it, added] = m_entryIndex.try_emplace(conn, m_batch.frames.size());
        if (added) m_batch.frames.push_back({conn, {}, {}, {}, {}, 0});
        return m_batch.frames[it->second];
    }

    void keepBody(Conn& c, std::uint32_t stream, Direction dir, ByteSpan data) {
        if (data.empty()) return;
        Body& b = c.bodies[stream];
        const int d = static_cast<int>(dir);
        std::string& out = b.bytes[d];
        std::size_t room =
            m_opt.maxBodyBytesPerStream - std::min(m_opt.maxBodyBytesPerStream, out.size());
        room = std::min<std::uint64_t>(
            room, m_opt.maxBodyBytesTotal - std::min(m_opt.maxBodyBytesTotal, m_bodyTotal));
        const std::size_t n = std::min(room, data.size());
        if (n < data.size()) b.truncated[d] = true;
        out.append(reinterpret_cast<const char*>(data.data()), n);
        m_bodyTotal += n;
    }

    const DecodeOptions& m_opt;
    std::shared_ptr<const TranscriptStore> m_store;
    DecodeBatch m_batch;
    std::unordered_map<std::uint64_t, std::size_t> m_entryIndex;  // conn -> m_batch.frames index
    std::unordered_map<std::uint64_t, Conn> m_conns;
    std::uint64_t m_bodyTotal = 0;
    TimestampNs m_lastTs = 0;
};

// Forwards everything to the HTTP/2 session and tells the recorder about TCP events and ends.
class RecordingConsumer final : public FlowConsumer {
  public:
    RecordingConsumer(std::unique_ptr<FlowConsumer> inner, Recorder& rec, std::uint64_t id)
        : m_inner(std::move(inner)), m_rec(rec), m_id(id) {}
    void onData(Direction dir, std::uint64_t offset, ByteSpan data, TimestampNs ts,
                std::uint64_t packet) override {
        if (m_inner) m_inner->onData(dir, offset, data, ts, packet);
    }
    void onGap(Direction dir, std::uint64_t offset, std::uint64_t length, TimestampNs ts) override {
        if (m_inner) m_inner->onGap(dir, offset, length, ts);
    }
    void onTcpEvent(const TcpEvent& e) override {
        m_rec.tcpEvent(m_id, e);
        if (m_inner) m_inner->onTcpEvent(e);
    }
    void onEnd(const FlowRecord& record) override {
        m_rec.connectionEnded(record);
        if (m_inner) m_inner->onEnd(record);
    }

  private:
    std::unique_ptr<FlowConsumer> m_inner;
    Recorder& m_rec;
    std::uint64_t m_id;
};

class TcpEventRecorder final : public FlowConsumerFactory {
  public:
    TcpEventRecorder(FlowConsumerFactory& inner, Recorder& rec) : m_inner(inner), m_rec(rec) {}
    std::unique_ptr<FlowConsumer> create(const FlowRecord& record) override {
        m_rec.connectionStarted(record);
        return std::make_unique<RecordingConsumer>(m_inner.create(record), m_rec, record.id);
    }
    void flush() override { m_inner.flush(); }

  private:
    FlowConsumerFactory& m_inner;
    Recorder& m_rec;
};

}  // namespace

DecodeResult decodeCapture(const std::string& path, const DecodeOptions& options,
                           const std::atomic<bool>* cancel, const BatchSink& sink) {
    return decodeSource([&path](const IdleHook&) { return openCapture(path); }, options, cancel,
                        sink);
}

DecodeResult decodeSource(const SourceOpener& open, const DecodeOptions& options,
                          const std::atomic<bool>* cancel, const BatchSink& sink) {
    DecodeResult result;
    const auto start = Clock::now();
    // The exporters' view of the same decode, kept for File > Export (export_bridge.h).
    const ExportOptions exportOptions;
    auto transcripts =
        options.maxTranscriptBodyBytes > 0
            ? std::make_shared<TranscriptStore>(options.maxTranscriptBodyBytes,
                                                TranscriptStore::OverBudget::DropDigests)
            : nullptr;
    Recorder recorder(options, transcripts);
    // The attacks `h2lens audit` finds, at its default thresholds, in front of the rest: a
    // connection's findings are made before the recorder and the store hear that it ended.
    AuditWatch audit(AuditThresholds{}, options.limits);
    std::optional<TranscriptCollector> collector;
    std::optional<ListenerTee> behind;
    H2Listener* rest = &recorder;
    if (transcripts) {
        collector.emplace(exportOptions, transcripts.get(), &audit);
        rest = &behind.emplace(*collector, recorder);
    }
    ListenerTee front(audit, *rest);
    H2Listener* listener = &front;
    // Every batch takes the findings of the connections that ended before it was cut.
    auto take = [&] {
        DecodeBatch b = recorder.take();
        b.findings = audit.takeFindings();
        return b;
    };
    SessionOptions sessionOptions;
    sessionOptions.limits = options.limits;
    sessionOptions.keyLogPath = options.keylogPath;
    sessionOptions.followKeyLog = options.followKeylog;
    sessionOptions.tlsThreads = options.openTlsAhead ? -1 : 0;
    std::optional<TcpEventRecorder> tcpRecorder;
    std::unique_ptr<DecodeSession> sessionPtr;
    try {
        sessionPtr = std::make_unique<DecodeSession>(
            sessionOptions, *listener, [&](FlowConsumerFactory& h2) -> FlowConsumerFactory& {
                return tcpRecorder.emplace(h2, recorder);
            });
    } catch (const std::exception& e) {
        result.error = e.what();
        return result;
    }
    DecodeSession& session = *sessionPtr;
    const bool follow = session.keyLogFile() != nullptr;
    result.keylog.followed = follow;
    if (!options.keylogPath.empty() && !follow) result.keylog.seen = true;
    auto nextKeyPoll = Clock::now();
    TimestampNs lastKeyPollWall = 0;  // realtime, like packet timestamps
    // A read error is kept until a later poll reads the file again (the CLI's "still trying").
    auto pollKeys = [&](bool final) {
        lastKeyPollWall = std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
        nextKeyPoll = Clock::now() + options.keylogPollInterval;
        const KeyLogFile::Status st = session.pollKeyLog(final);
        if (st == KeyLogFile::Status::Error) {
            result.keylog.error = session.keyLogFile()->error();
        } else if (st != KeyLogFile::Status::Missing) {
            result.keylog.seen = true;
            if (st == KeyLogFile::Status::Read) result.keylog.error.clear();
        }
    };
    const Analyzer& analyzer = session.analyzer();
    std::unique_ptr<PacketSource> src;
    auto nextFlush = Clock::now() + options.flushInterval;
    std::uint64_t flushedPackets = 0;
    // Runs inside src->next(): only the batch is flushed (issues wait for the loop), and only
    // when packets arrived since the last flush.
    const IdleHook idle = [&]() -> bool {
        if (cancel && cancel->load(std::memory_order_relaxed)) return false;
        const auto now = Clock::now();
        if (src && now >= nextFlush && analyzer.stats().packets != flushedPackets) {
            flushedPackets = analyzer.stats().packets;
            DecodeBatch b = take();
            b.bytesRead = src->bytesRead();
            b.fileSize = src->fileSize();
            b.packets = flushedPackets;
            sink(std::move(b));
            nextFlush = now + options.flushInterval;
        }
        return true;
    };
    try {
        src = open(idle);
    } catch (const std::exception& e) {
        result.error = e.what();
        return result;
    }
    auto flush = [&] {
        DecodeBatch b = take();
        b.bytesRead = src->bytesRead();
        b.fileSize = src->fileSize();
        b.packets = analyzer.stats().packets;
        flushedPackets = b.packets;
        sink(std::move(b));
    };
    auto keepIssues = [&] {
        for (Issue& i : src->takeIssues()) session.addIssue(std::move(i));
        for (Issue& i : session.takeIssues()) {
            ++result.issueCount;
            if (result.issues.size() < Analyzer::kMaxKeptIssues)
                result.issues.push_back(std::move(i));
        }
    };
    Packet p;
    const std::uint32_t checkMask = options.checkClockEveryPacket ? 0 : 255;
    std::uint32_t n = 0;
    if (follow) pollKeys(false);
    while (src->next(p) == ReadStatus::Packet) {
        // The client writes a key before it sends the packets that need it, so a poll that
        // started after a packet was captured has every key that packet needs. Packets that
        // waited in the pipe were captured before the last poll: one stat() per batch, not per
        // packet. Were keys read late, a session would keep its records until the next poll;
        // but a connection that ends first (on loopback a whole one takes a few ms) would be
        // reported without keys. The interval covers a wall clock that jumped.
        if (follow && (p.ts >= lastKeyPollWall || Clock::now() >= nextKeyPoll)) pollKeys(false);
        session.ingest(p, src.get());
        if ((++n & checkMask) == 0) {
            if (cancel && cancel->load(std::memory_order_relaxed)) {
                result.cancelled = true;
                break;
            }
            const auto now = Clock::now();
            if (now >= nextFlush || recorder.shouldFlush()) {
                keepIssues();
                flush();
                nextFlush = now + options.flushInterval;
            }
        }
    }
    // A source that ended because the idle hook reported the cancel (live input).
    if (cancel && cancel->load(std::memory_order_relaxed)) result.cancelled = true;
    if (follow) pollKeys(true);  // before finish(): sessions still waiting try once more
    if (!result.cancelled) session.finish();
    keepIssues();
    flush();
    result.stats = analyzer.stats();
    result.keylog.secrets = session.keys().acceptedLines();
    result.keylog.randoms = session.keys().randomCount();
    result.keylog.malformed = session.keys().malformedLines();
    if (transcripts && !result.cancelled) {
        transcripts->setTotals(analyzer, result.issueCount);
        result.transcripts = std::move(transcripts);
    }
    result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return result;
}

}  // namespace h2lens::gui
