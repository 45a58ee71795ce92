#include "h2/connection_engine.h"

#include <fmt/format.h>

#include <algorithm>

#include "h2/frame_sink.h"
#include "h2/names.h"

namespace h2lens {

namespace {

constexpr std::int64_t kMaxWindow = FlowWindows::kMaxWindow;
constexpr std::size_t kMaxPingRecords = 10000;

int idx(Direction d) {
    return static_cast<int>(d);
}

bool isConnectionSpecific(std::string_view name) {
    return name == "connection" || name == "keep-alive" || name == "proxy-connection" ||
           name == "transfer-encoding" || name == "upgrade";
}

}  // namespace

class ConnectionEngine::DirectionSink final : public FrameSink {
  public:
    DirectionSink(ConnectionEngine* engine, Direction dir) : m_engine(engine), m_dir(dir) {}
    void onFrame(const Frame& frame) override { m_engine->receive(m_dir, frame); }
    void onIssue(const FrameIssue& issue) override { m_engine->onFrameIssue(m_dir, issue); }

  private:
    ConnectionEngine* m_engine;
    Direction m_dir;
};

// A frame kept beyond its FrameSink call: its spans point into `store`.
struct ConnectionEngine::HeldFrame {
    Frame frame;
    std::vector<Bytes> store;
    std::size_t bytes = 0;

    explicit HeldFrame(const Frame& f) : frame(f) {
        auto keep = [this](ByteSpan& span) {
            if (span.empty()) return;
            store.emplace_back(span.begin(), span.end());
            bytes += span.size();
            span = ByteSpan(store.back());
        };
        store.reserve(8 + f.origins.size());
        keep(frame.payload);
        keep(frame.debugData);
        keep(frame.headerBlockFragment);
        keep(frame.data);
        keep(frame.altSvcOrigin);
        keep(frame.altSvcValue);
        keep(frame.priorityFieldValue);
        for (ByteSpan& o : frame.origins) keep(o);
    }
};

struct ConnectionEngine::BlockInProgress {
    bool active = false;
    std::uint8_t type = 0;
    std::uint32_t streamId = 0;
    std::uint32_t promisedStreamId = 0;
    bool endStream = false;
    std::uint32_t continuations = 0;
    bool overflow = false;
    Bytes bytes;
};

ConnectionEngine::ConnectionEngine(const Limits& limits, ConnectionInfo info, H2Listener* listener)
    : m_limits(&limits), m_info(info), m_listener(listener) {
    for (int d = 0; d < 2; ++d) {
        m_frames[d] = std::make_unique<FrameDecoder>(limits);
        m_hpack[d] = std::make_unique<HpackDecoder>(limits);
        m_sinks[d] = std::make_unique<DirectionSink>(this, static_cast<Direction>(d));
        m_block[d] = std::make_unique<BlockInProgress>();
    }
}

ConnectionEngine::~ConnectionEngine() = default;

const FrameDecoderStats& ConnectionEngine::frameStats(Direction d) const {
    return m_frames[idx(d)]->stats();
}

void ConnectionEngine::startPriorKnowledge() {
    m_summary.detection = Http2Detection::PriorKnowledge;
    m_frames[0]->expectClientPreface();
}

void ConnectionEngine::startMidStream() {
    m_summary.detection = Http2Detection::MidStream;
    m_midStream = true;
    m_holding = true;
    for (int d = 0; d < 2; ++d) {
        m_frames[d]->startMidStream();
        m_hpack[d]->setMidStream(true);
    }
}

void ConnectionEngine::startAfterUpgrade(HeaderBlock request, std::vector<Setting> settings,
                                         std::uint64_t requestBodyBytes, TimestampNs ts) {
    m_summary.detection = Http2Detection::Upgrade;
    m_frames[0]->expectClientPreface();
    m_settings.received(
        SettingsRecord{Direction::ClientToServer, ts, std::move(settings), true, std::nullopt});
    // RFC 9113 §3.2 (RFC 7540 §3.2): the upgraded request is stream 1, half-closed (local).
    StreamRecord& s = stream(1, request.ts);
    s.requestStart = request.ts;
    s.requestBodyBytes = requestBodyBytes;
    s.request = std::move(request);
    m_streams.holdHeaders(s, *s.request);
    s.state = StreamState::HalfClosedLocal;
    s.requestEnd = ts;
    m_streams.noteOpened(0, 1);
}

void ConnectionEngine::startAfterUpgradeResponse(TimestampNs ts) {
    m_summary.detection = Http2Detection::Upgrade;
    m_frames[0]->expectClientPreface();
    StreamRecord& s = stream(1, ts);
    s.state = StreamState::HalfClosedLocal;
    m_streams.noteOpened(0, 1);
}

void ConnectionEngine::startPrefaceAfterHttp1(bool serverAtBoundary) {
    m_summary.detection = Http2Detection::PriorKnowledge;
    m_frames[0]->expectClientPreface();
    if (!serverAtBoundary) m_frames[1]->startMidStream();
}

void ConnectionEngine::feed(Direction dir, ByteSpan bytes, TimestampNs ts) {
    m_frames[idx(dir)]->feed(bytes, ts, *m_sinks[idx(dir)]);
    if (!m_holding) return;
    // Both directions found their frames (the burst a resync replays is in), or the hold grew too
    // big or too long: from here on frames are applied as they come.
    const auto& a = m_held[0];
    const auto& b = m_held[1];
    const std::size_t frames = a.size() + b.size();
    TimestampNs first = 0, last = 0;
    for (const auto* q : {&a, &b}) {
        if (q->empty()) continue;
        first = first == 0 ? q->front().frame.ts : std::min(first, q->front().frame.ts);
        last = std::max(last, q->back().frame.ts);
    }
    if ((m_heldFrom[0] && m_heldFrom[1]) || frames >= kMaxHeldFrames ||
        m_heldBytes >= kMaxHeldBytes || last - first > kMaxHeldSpan) {
        releaseHeld();
    }
}

void ConnectionEngine::receive(Direction dir, const Frame& f) {
    if (!m_holding) return onFrame(dir, f);
    m_heldFrom[idx(dir)] = true;
    m_held[idx(dir)].emplace_back(f);
    m_heldBytes += m_held[idx(dir)].back().bytes;
}

// Applies the held frames in time order, each direction in its own order (its HPACK state
// depends on it); a frame whose time ties goes client side first.
void ConnectionEngine::releaseHeld() {
    if (!m_holding) return;
    m_holding = false;
    auto& c = m_held[0];
    auto& s = m_held[1];
    while (!c.empty() || !s.empty()) {
        const bool fromClient =
            s.empty() || (!c.empty() && c.front().frame.ts <= s.front().frame.ts);
        auto& q = fromClient ? c : s;
        onFrame(fromClient ? Direction::ClientToServer : Direction::ServerToClient,
                q.front().frame);
        q.pop_front();
    }
    m_heldBytes = 0;
}

void ConnectionEngine::gap(Direction dir, std::uint64_t length, TimestampNs ts) {
    m_frames[idx(dir)]->gap(length, ts, *m_sinks[idx(dir)]);
    releaseHeld();  // what came before the gap is applied before the gap's effects
    // A lost HEADERS frame may have changed the dynamic table: from now on references past
    // what we know are "unknown", not errors.
    m_hpack[idx(dir)]->setMidStream(true);
    auto& block = *m_block[idx(dir)];
    block.active = false;
    anomaly(dir, nullptr, 0, "TCP_GAP", "",
            fmt::format("{} bytes missing from the capture; frames in them are lost", length), ts);
}

void ConnectionEngine::anomaly(Direction dir, const Frame* frame, std::uint32_t streamId,
                               std::string name, std::string rfc, std::string detail,
                               TimestampNs ts) {
    Anomaly a;
    a.ts = frame ? frame->ts : ts;
    a.dir = dir;
    a.streamId = frame && streamId == 0 ? frame->streamId : streamId;
    a.frameOffset = frame ? frame->offset : 0;
    a.name = std::move(name);
    a.rfc = std::move(rfc);
    a.detail = std::move(detail);
    ++m_summary.anomalies;
    if (m_listener) m_listener->onAnomaly(m_info, a);
}

void ConnectionEngine::onFrameIssue(Direction dir, const FrameIssue& issue) {
    static constexpr std::string_view kNames[] = {
        "PREFACE_MISMATCH", "FRAME_RESYNC",   "FRAME_LOST",     "PREFACE_LOST",
        "FRAME_TOO_LARGE",  "SYNC_ABANDONED", "FRAME_TRUNCATED"};
    const auto k = static_cast<std::size_t>(issue.kind);
    anomaly(dir, nullptr, 0, std::string(k < std::size(kNames) ? kNames[k] : "FRAME_ISSUE"),
            issue.kind == FrameIssueKind::PrefaceMismatch ? "RFC 9113 §3.4" : "", issue.message,
            issue.ts);
}

StreamRecord* ConnectionEngine::findStream(std::uint32_t id) {
    return m_streams.find(id);
}

StreamRecord& ConnectionEngine::stream(std::uint32_t id, TimestampNs ts) {
    bool created = false;
    StreamRecord& s = m_streams.obtain(id, created);
    if (created) {
        ++m_summary.streams;
        FlowWindows::startStream(s, ts, m_settings.of(Direction::ServerToClient).initialWindowSize,
                                 m_settings.of(Direction::ClientToServer).initialWindowSize);
        // Whoever opens streams beyond the limit: the client for odd ids, the server's pushes.
        if (m_streams.open().size() > m_limits->maxOpenStreams) {
            keepOpenStreamsBounded(
                clientInitiated(id) ? Direction::ClientToServer : Direction::ServerToClient, id,
                ts);
        }
    }
    return s;
}

void ConnectionEngine::holdHeaders(Direction dir, StreamRecord& s, const HeaderBlock& block,
                                   TimestampNs ts) {
    m_streams.holdHeaders(s, block);
    if (m_streams.heldHeaderBytes() > m_limits->maxOpenStreamHeaderBytes)
        keepOpenStreamsBounded(dir, s.id, ts);
}

void ConnectionEngine::keepOpenStreamsBounded(Direction dir, std::uint32_t keep, TimestampNs ts) {
    while (m_streams.open().size() > m_limits->maxOpenStreams ||
           m_streams.heldHeaderBytes() > m_limits->maxOpenStreamHeaderBytes) {
        StreamRecord* old = m_streams.oldestExcept(keep);
        if (!old) return;
        const bool count = m_streams.open().size() > m_limits->maxOpenStreams;
        anomaly(dir, nullptr, old->id, "OPEN_STREAMS_CUT", "",
                count ? fmt::format("more than {} streams open at once: stream {}, open longest, "
                                    "is reported as it stands (Limits::maxOpenStreams)",
                                    m_limits->maxOpenStreams, old->id)
                      : fmt::format("the open streams kept more than {} bytes of headers: stream "
                                    "{}, open longest, is reported as it stands "
                                    "(Limits::maxOpenStreamHeaderBytes)",
                                    m_limits->maxOpenStreamHeaderBytes, old->id),
                ts);
        m_windows.streamClosed(old->id, ts);
        report(*old);
        const std::uint32_t id = old->id;
        m_streams.erase(id);
        m_streams.noteCut(id);
    }
}

void ConnectionEngine::closeStream(StreamRecord& s, TimestampNs ts) {
    s.state = StreamState::Closed;
    // After a resync one direction's frames may be applied after the other's later ones: the
    // stream closed when the later of its two ends was sent, not when the last was applied.
    s.closed = std::max({ts, s.requestEnd.value_or(ts), s.responseEnd.value_or(ts)});
    m_windows.streamClosed(s.id, ts);
    report(s);
    m_streams.erase(s.id);
}

void ConnectionEngine::onFrame(Direction dir, const Frame& f) {
    const int d = idx(dir);
    ++m_summary.frames[d];
    if (f.error && f.error->kind == FrameErrorKind::SelfDependency) {
        anomaly(dir, &f, 0, "SELF_DEPENDENCY", "RFC 9113 §5.3.1 (RFC 7540 §5.3.1)",
                fmt::format("stream {} depends on itself in {}; a stream error "
                            "(PROTOCOL_ERROR), the priority is not applied",
                            f.streamId, frameTypeName(f.type)));
    } else if (f.error) {
        anomaly(dir, &f, 0, fmt::format("MALFORMED_{}", frameTypeName(f.type)), "RFC 9113",
                std::string(f.error->text));
    }
    if (f.oversize) {
        anomaly(
            dir, &f, 0, "FRAME_SIZE_ERROR", "RFC 9113 §4.2",
            fmt::format("{}-byte frame above the receiver's SETTINGS_MAX_FRAME_SIZE", f.length));
    }

    auto& block = *m_block[d];
    const HeaderBlock* completed = nullptr;
    HeaderBlock decoded;
    const auto type = f.frameType();
    if (block.active && type != FrameType::Continuation) {
        anomaly(dir, &f, block.streamId, "HEADERS_INTERRUPTED", "RFC 9113 §6.10",
                fmt::format("{} frame inside a header block still waiting for END_HEADERS",
                            frameTypeName(f.type)));
        block.active = false;
    }
    if (f.error && (type == FrameType::Headers || type == FrameType::PushPromise ||
                    type == FrameType::Continuation)) {
        // A malformed header frame's fragment cannot be trusted; the table may now be out of step.
        m_hpack[d]->setMidStream(true);
    } else if (type == FrameType::Headers || type == FrameType::PushPromise) {
        block.type = f.type;
        block.streamId = f.streamId;
        block.promisedStreamId = f.promisedStreamId;
        block.endStream = type == FrameType::Headers && f.hasFlag(frame_flag::kEndStream);
        block.continuations = 0;
        block.overflow = false;
        if (f.hasFlag(frame_flag::kEndHeaders)) {
            decoded = HeaderBlock{};
            HpackBlock hb = m_hpack[d]->decodeBlock(f.headerBlockFragment);
            decoded.fields = std::move(hb.fields);
            decoded.error = std::move(hb.error);
            decoded.ts = f.ts;
            decoded.frameOffset = f.offset;
            decoded.endStream = block.endStream;
            completed = &decoded;
        } else {
            block.active = true;
            block.bytes.assign(f.headerBlockFragment.begin(), f.headerBlockFragment.end());
        }
    } else if (type == FrameType::Continuation) {
        if (!block.active || block.streamId != f.streamId) {
            anomaly(dir, &f, 0, "UNEXPECTED_CONTINUATION", "RFC 9113 §6.10",
                    "CONTINUATION without a preceding HEADERS/PUSH_PROMISE on this stream");
        } else {
            ++block.continuations;
            if (auto flood = FloodWatch::continuation(block.continuations)) raise(dir, f, *flood);
            if (block.bytes.size() + f.headerBlockFragment.size() > m_limits->maxHeaderBlockBytes) {
                if (!block.overflow) {
                    anomaly(dir, &f, 0, "HEADER_BLOCK_TOO_LARGE", "RFC 9113 §10.5.1",
                            fmt::format("header block beyond {} bytes; the rest is skipped",
                                        m_limits->maxHeaderBlockBytes));
                }
                block.overflow = true;
            } else {
                block.bytes.insert(block.bytes.end(), f.headerBlockFragment.begin(),
                                   f.headerBlockFragment.end());
            }
            if (f.hasFlag(frame_flag::kEndHeaders)) {
                block.active = false;
                HpackBlock hb = m_hpack[d]->decodeBlock(block.bytes);
                if (block.overflow) m_hpack[d]->setMidStream(true);
                decoded.fields = std::move(hb.fields);
                decoded.error = std::move(hb.error);
                decoded.ts = f.ts;
                decoded.frameOffset = f.offset;
                decoded.endStream = block.endStream;
                completed = &decoded;
            }
        }
    }

    if (completed && completed->error) {
        anomaly(dir, &f, block.streamId, "HPACK_ERROR", "RFC 7541", completed->error->message);
    }

    // Emit the frame before applying it, so listeners see it with the headers it completed.
    if (m_listener) m_listener->onFrame(FrameEvent{&m_info, dir, &f, completed});

    if (type == FrameType::Headers && f.priority) onPriority(dir, f, PrioritySource::HeadersFrame);

    switch (type) {
        case FrameType::Data:
            onData(dir, f);
            break;
        case FrameType::Priority:
            if (f.priority) onPriority(dir, f, PrioritySource::PriorityFrame);
            break;
        case FrameType::PriorityUpdate:
            if (dir == Direction::ClientToServer && !f.error) {
                m_summary.priorities.prioritize(f.ts, f.prioritizedStreamId,
                                                asStringView(f.priorityFieldValue),
                                                PrioritySource::PriorityUpdate);
            }
            break;
        case FrameType::Headers:
        case FrameType::Continuation:
            if (completed) {
                if (block.type == static_cast<std::uint8_t>(FrameType::PushPromise)) {
                    onPushPromise(dir, f, std::move(decoded));
                } else {
                    applyHeaders(dir, block.streamId, std::move(decoded), f);
                }
            }
            break;
        case FrameType::PushPromise:
            if (completed) onPushPromise(dir, f, std::move(decoded));
            break;
        case FrameType::Settings:
            onSettings(dir, f);
            break;
        case FrameType::WindowUpdate:
            onWindowUpdate(dir, f);
            break;
        case FrameType::RstStream:
            onRstStream(dir, f);
            break;
        case FrameType::Goaway:
            onGoaway(dir, f);
            break;
        case FrameType::Ping:
            onPing(dir, f);
            break;
        default:
            break;
    }
}

void ConnectionEngine::applyHeaders(Direction dir, std::uint32_t id, HeaderBlock&& block,
                                    const Frame& f) {
    if (id == 0) return;  // already reported as malformed
    const bool fromClient = dir == Direction::ClientToServer;
    StreamRecord* existing = findStream(id);
    // A stream cut to stay within the limits was reported; what comes later is not a new one.
    if (!existing && m_streams.wasCut(id)) return;
    if (!existing) {
        const bool initiatorIsSender = clientInitiated(id) == fromClient;
        const int initiator = clientInitiated(id) ? 0 : 1;
        if (initiatorIsSender && id <= m_streams.highest(initiator) && !m_midStream) {
            anomaly(dir, &f, id, "STREAM_ID_REUSED_OR_BACKWARDS", "RFC 9113 §5.1.1",
                    fmt::format("new stream {} not above the last one opened ({})", id,
                                m_streams.highest(initiator)));
        } else if (!initiatorIsSender && !m_midStream) {
            anomaly(dir, &f, id, "HEADERS_ON_IDLE_STREAM", "RFC 9113 §5.1",
                    fmt::format("{} sent HEADERS on stream {} that it cannot open",
                                fromClient ? "client" : "server", id));
        }
        m_streams.noteOpened(initiator, id);
    }
    StreamRecord& s = stream(id, f.ts);
    const bool ends = block.endStream;
    if (fromClient) {
        if (!s.request) {
            checkHeaderFields(dir, f, block, true, false);
            m_summary.priorities.open(id);
            onPriorityHeader(dir, id, block);
            s.requestStart = block.ts;
            s.request = std::move(block);
            holdHeaders(dir, s, *s.request, f.ts);
            if (s.state == StreamState::Idle) s.state = StreamState::Open;
        } else {
            checkHeaderFields(dir, f, block, true, true);
            if (!ends) {
                anomaly(dir, &f, id, "TRAILERS_WITHOUT_END_STREAM", "RFC 9113 §8.1",
                        "a second request header block without END_STREAM");
            }
            s.requestTrailers = std::move(block);
            holdHeaders(dir, s, *s.requestTrailers, f.ts);
        }
    } else {
        const std::string_view status = block.value(":status");
        if (!s.responseStart) s.responseStart = block.ts;
        if (status.size() == 3 && status[0] == '1' && !s.response) {
            checkHeaderFields(dir, f, block, false, false);
            s.informational.push_back(std::move(block));
            holdHeaders(dir, s, s.informational.back(), f.ts);
        } else if (!s.response) {
            checkHeaderFields(dir, f, block, false, false);
            onPriorityHeader(dir, id, block);
            m_follow.responseStarted(id, block.ts);
            s.response = std::move(block);
            holdHeaders(dir, s, *s.response, f.ts);
            if (s.state == StreamState::ReservedRemote)
                s.state = StreamState::HalfClosedLocal;
            else if (s.state == StreamState::Idle)
                s.state = StreamState::Open;
        } else {
            checkHeaderFields(dir, f, block, false, true);
            s.responseTrailers = std::move(block);
            holdHeaders(dir, s, *s.responseTrailers, f.ts);
        }
    }
    if (ends) endStream(dir, s, f.ts);
}

void ConnectionEngine::checkHeaderFields(Direction dir, const Frame& f, const HeaderBlock& block,
                                         bool request, bool trailers) {
    bool seenRegular = false;
    int method = 0, scheme = 0, path = 0, status = 0;
    std::string_view methodValue;
    for (const HeaderField& h : block.fields) {
        if (!h.nameKnown) continue;
        const std::string_view n = h.name;
        if (std::any_of(n.begin(), n.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
            anomaly(dir, &f, 0, "UPPERCASE_HEADER_NAME", "RFC 9113 §8.2.1",
                    fmt::format("header name '{}' has uppercase characters", n));
        }
        if (!n.empty() && n[0] == ':') {
            if (trailers) {
                anomaly(dir, &f, 0, "PSEUDO_HEADER_IN_TRAILERS", "RFC 9113 §8.1",
                        fmt::format("'{}' in a trailer section", n));
            } else if (seenRegular) {
                anomaly(dir, &f, 0, "PSEUDO_HEADER_AFTER_REGULAR", "RFC 9113 §8.3",
                        fmt::format("'{}' after a regular header field", n));
            }
            if (n == ":method")
                ++method, methodValue = h.value;
            else if (n == ":scheme")
                ++scheme;
            else if (n == ":path")
                ++path;
            else if (n == ":status")
                ++status;
            else if (n != ":authority" && n != ":protocol") {
                anomaly(dir, &f, 0, "UNKNOWN_PSEUDO_HEADER", "RFC 9113 §8.3",
                        fmt::format("'{}' is not a defined pseudo-header", n));
            }
        } else {
            seenRegular = true;
            if (isConnectionSpecific(n) || (n == "te" && h.value != "trailers")) {
                anomaly(dir, &f, 0, "CONNECTION_SPECIFIC_HEADER", "RFC 9113 §8.2.2",
                        fmt::format("'{}' is not allowed in HTTP/2", n));
            }
        }
    }
    if (trailers || block.error) return;
    const bool unknownAny = std::any_of(block.fields.begin(), block.fields.end(),
                                        [](const HeaderField& h) { return !h.nameKnown; });
    if (unknownAny) return;  // mid-stream: a missing pseudo-header may just be unknown
    if (request) {
        const bool connect = methodValue == "CONNECT";
        if (method != 1 || status != 0 || (!connect && (scheme != 1 || path != 1))) {
            anomaly(dir, &f, 0, "BAD_REQUEST_PSEUDO_HEADERS", "RFC 9113 §8.3.1",
                    fmt::format(":method x{}, :scheme x{}, :path x{}, :status x{}", method, scheme,
                                path, status));
        }
    } else if (status != 1 || method || scheme || path) {
        anomaly(dir, &f, 0, "BAD_RESPONSE_PSEUDO_HEADERS", "RFC 9113 §8.3.2",
                fmt::format("a response needs exactly one :status (found {})", status));
    }
}

void ConnectionEngine::endStream(Direction dir, StreamRecord& s, TimestampNs ts) {
    const bool fromClient = dir == Direction::ClientToServer;
    if (fromClient)
        s.requestEnd = ts;
    else
        s.responseEnd = ts;
    if (applyEndStream(s, fromClient)) {
        s.end = StreamEnd::Complete;
        closeStream(s, ts);
    }
}

void ConnectionEngine::onData(Direction dir, const Frame& f) {
    if (f.streamId == 0) return;
    StreamRecord* s = findStream(f.streamId);
    if (auto r = m_streams.resetBy(f.streamId); !s && r && *r != dir) {
        // In flight when the other side reset the stream: dropped by the receiver, not an error,
        // and still counted by connection flow control (RFC 9113 §5.4.2, §6.4, §6.9).
        auto& late = m_summary.dataAfterReset;
        auto it = std::find_if(late.begin(), late.end(), [&](const LateDataRecord& l) {
            return l.streamId == f.streamId && l.from == dir;
        });
        if (it == late.end()) {
            late.push_back(LateDataRecord{f.streamId, dir, f.ts, f.ts, 0, 0});
            it = late.end() - 1;
        }
        it->lastTs = f.ts;
        ++it->frames;
        it->bytes += f.data.size();
        if (f.length > 0) m_windows.chargeConnection(dir, f.length, f.ts);
        return;
    }
    if (!s && m_streams.wasCut(f.streamId)) {
        if (f.length > 0) m_windows.chargeConnection(dir, f.length, f.ts);
        return;
    }
    if (!s) {
        const int initiator = clientInitiated(f.streamId) ? 0 : 1;
        if (!m_midStream && f.streamId <= m_streams.highest(initiator)) {
            anomaly(dir, &f, 0, "DATA_ON_CLOSED_STREAM", "RFC 9113 §5.1",
                    fmt::format("DATA ({} bytes) on closed stream {}", f.length, f.streamId));
        } else if (!m_midStream) {
            anomaly(dir, &f, 0, "DATA_ON_IDLE_STREAM", "RFC 9113 §5.1",
                    fmt::format("DATA on stream {} before any HEADERS", f.streamId));
        }
        if (!m_midStream) return;
        s = &stream(f.streamId, f.ts);
        s->state = StreamState::Open;
        m_streams.noteOpened(initiator, f.streamId);
    }
    const bool fromClient = dir == Direction::ClientToServer;
    if ((fromClient && (s->state == StreamState::HalfClosedLocal)) ||
        (!fromClient && s->state == StreamState::HalfClosedRemote)) {
        anomaly(dir, &f, 0, "DATA_AFTER_END_STREAM", "RFC 9113 §5.1",
                "DATA from a sender that already ended the stream");
    }
    if (fromClient) {
        s->requestBodyBytes += f.data.size();
        ++s->requestDataFrames;
    } else {
        if (m_summary.priorities.signalled()) m_follow.serverData(f.streamId, f.length, f.ts);
        if (!s->firstResponseData) s->firstResponseData = f.ts;
        s->responseBodyBytes += f.data.size();
        ++s->responseDataFrames;
    }
    s->paddingBytes += f.length - f.data.size();
    // Flow control counts the whole payload, padding included (§6.9.1).
    if (f.length > 0) {
        const bool more = !f.hasFlag(frame_flag::kEndStream);
        const std::int64_t sw = m_windows.chargeData(dir, *s, f.length, more, f.ts);
        const std::int64_t cw = m_windows.connection(dir);
        if (cw < 0 || sw < 0) {
            anomaly(dir, &f, 0, "DATA_BEYOND_WINDOW", "RFC 9113 §6.9.1",
                    fmt::format("stream window {}, connection window {} after {} bytes", sw, cw,
                                f.length));
        }
    }
    if (f.hasFlag(frame_flag::kEndStream)) endStream(dir, *s, f.ts);
}

void ConnectionEngine::onWindowUpdate(Direction dir, const Frame& f) {
    if (f.windowIncrement == 0) return;  // reported as malformed
    // A WINDOW_UPDATE from one side opens the other side's send window.
    const Direction sender = opposite(dir);
    if (f.streamId == 0) {
        const std::int64_t w = m_windows.openConnection(sender, f.windowIncrement, f.ts);
        if (w > kMaxWindow) {
            anomaly(dir, &f, 0, "WINDOW_OVERFLOW", "RFC 9113 §6.9.1",
                    fmt::format("connection window {} above 2^31-1", w));
        }
        return;
    }
    StreamRecord* s = findStream(f.streamId);
    if (!s) return;  // WINDOW_UPDATE on a recently closed stream is allowed (§6.9)
    const std::int64_t w = m_windows.openStream(sender, *s, f.windowIncrement, f.ts);
    if (w > kMaxWindow) {
        anomaly(dir, &f, 0, "WINDOW_OVERFLOW", "RFC 9113 §6.9.1",
                fmt::format("stream window {} above 2^31-1", w));
    }
}

void ConnectionEngine::onSettings(Direction dir, const Frame& f) {
    const int d = idx(dir);
    if (f.hasFlag(frame_flag::kAck)) {
        const SettingsRecord* rec = m_settings.acknowledged(dir, f.ts);
        if (!rec) {
            if (!m_midStream) {
                anomaly(dir, &f, 0, "SETTINGS_ACK_WITHOUT_SETTINGS", "RFC 9113 §6.5",
                        "ACK with no SETTINGS waiting for one");
            }
            return;
        }
        // The acknowledging side's encoder and frames are now bound by the peer's values.
        for (const Setting& s : rec->settings) {
            if (s.id == 0x1) m_hpack[d]->setSettingsTableSize(s.value);
            if (s.id == 0x5) m_frames[d]->setMaxFrameSize(s.value);
        }
        return;
    }
    if (auto flood = m_floods.settings(dir, f.ts)) raise(dir, f, *flood);
    if (dir == Direction::ServerToClient) {
        for (const Setting& s : f.settings) {
            if (s.id == 0x9) m_summary.priorities.setServerNoRfc7540(s.value == 1);
        }
    }
    const std::int64_t delta =
        m_settings.received(SettingsRecord{dir, f.ts, f.settings, false, std::nullopt});
    if (delta != 0) {
        // §6.9.2: the change shifts every open stream's window of the other side, maybe below 0.
        const Direction sender = opposite(dir);
        for (auto& [id, s] : m_streams.open()) {
            const bool senderDone = sender == Direction::ClientToServer ? s.requestEnd.has_value()
                                                                        : s.responseEnd.has_value();
            const std::int64_t w = m_windows.shiftStream(sender, s, delta, senderDone, f.ts);
            if (w > kMaxWindow) {
                anomaly(dir, &f, id, "WINDOW_OVERFLOW", "RFC 9113 §6.9.2",
                        "SETTINGS_INITIAL_WINDOW_SIZE change pushed a window above 2^31-1");
            }
        }
    }
}

void ConnectionEngine::raise(Direction dir, const Frame& f, FloodFinding& finding) {
    anomaly(dir, &f, 0, std::move(finding.name), std::move(finding.rfc), std::move(finding.detail));
}

void ConnectionEngine::onRstStream(Direction dir, const Frame& f) {
    StreamRecord* s = findStream(f.streamId);
    const bool fromClient = dir == Direction::ClientToServer;
    if (fromClient) {
        ++m_summary.clientResets;
        if (auto flood = m_floods.clientReset(f.ts)) raise(dir, f, *flood);
    }
    if (!s) return;
    m_streams.noteReset(f.streamId, dir);
    s->end = fromClient ? StreamEnd::ResetByClient : StreamEnd::ResetByServer;
    s->resetCode = f.errorCode;
    closeStream(*s, f.ts);
}

void ConnectionEngine::onGoaway(Direction dir, const Frame& f) {
    GoawayRecord g{dir, f.ts, f.lastStreamId, f.errorCode, std::string(asStringView(f.debugData))};
    m_summary.goaways.push_back(std::move(g));
    m_goawayLast[idx(dir)] = f.lastStreamId;
    // Streams the receiver of the GOAWAY opened above last-stream-id were never processed.
    const bool receiverIsClient = dir == Direction::ServerToClient;
    std::vector<std::uint32_t> refused;
    for (auto& [id, s] : m_streams.open()) {
        if (id > f.lastStreamId && clientInitiated(id) == receiverIsClient && !s.response &&
            s.informational.empty()) {
            refused.push_back(id);
        }
    }
    for (std::uint32_t id : refused) {
        StreamRecord& s = m_streams.open().at(id);
        s.end = StreamEnd::RefusedByGoaway;
        closeStream(s, f.ts);
    }
}

void ConnectionEngine::onPing(Direction dir, const Frame& f) {
    if (!f.hasFlag(frame_flag::kAck)) {
        if (auto flood = m_floods.ping(dir, f.ts)) raise(dir, f, *flood);
        // Bounded: a flood must not grow the record without limit.
        if (m_summary.pings.size() < kMaxPingRecords) {
            m_summary.pings.push_back(PingRecord{dir, f.ts, f.pingData, std::nullopt});
        }
        return;
    }
    for (auto it = m_summary.pings.rbegin(); it != m_summary.pings.rend(); ++it) {
        if (it->from != dir && !it->ackTs && it->data == f.pingData) {
            it->ackTs = f.ts;
            return;
        }
    }
}

void ConnectionEngine::onPushPromise(Direction dir, const Frame& f, HeaderBlock&& block) {
    const std::uint32_t promised = f.frameType() == FrameType::PushPromise
                                       ? f.promisedStreamId
                                       : m_block[idx(dir)]->promisedStreamId;
    if (dir == Direction::ClientToServer) {
        anomaly(dir, &f, 0, "PUSH_PROMISE_FROM_CLIENT", "RFC 9113 §8.4", "clients cannot push");
        return;
    }
    if (promised == 0) return;
    if (m_settings.of(Direction::ClientToServer).enablePush == 0) {
        anomaly(dir, &f, 0, "PUSH_WHEN_DISABLED", "RFC 9113 §8.4",
                "PUSH_PROMISE after the client sent SETTINGS_ENABLE_PUSH=0");
    }
    if (promised % 2 != 0 || promised <= m_streams.highest(1)) {
        anomaly(dir, &f, 0, "BAD_PROMISED_STREAM_ID", "RFC 9113 §6.6",
                fmt::format("promised stream {} is odd or not above {}", promised,
                            m_streams.highest(1)));
    }
    m_streams.noteOpened(1, promised);
    StreamRecord& s = stream(promised, f.ts);
    s.pushed = true;
    s.promisedOn = f.streamId;
    m_summary.priorities.open(promised);
    s.state = StreamState::ReservedRemote;
    s.requestStart = block.ts;
    checkHeaderFields(dir, f, block, true, false);
    s.request = std::move(block);
    holdHeaders(dir, s, *s.request, f.ts);
}

void ConnectionEngine::onPriority(Direction dir, const Frame& f, PrioritySource source) {
    // The tree is what the client asked for; a server's priority signals are not requests.
    if (dir != Direction::ClientToServer) return;
    m_summary.priorities.depend(f.ts, f.streamId, *f.priority, source);
}

void ConnectionEngine::onPriorityHeader(Direction dir, std::uint32_t stream,
                                        const HeaderBlock& block) {
    // Several `priority` fields are one list (RFC 9110 §5.3).
    std::string value;
    bool any = false;
    for (const HeaderField& h : block.fields) {
        if (!h.nameKnown || h.name != "priority") continue;
        if (any) value += ", ";
        value += h.value;
        any = true;
    }
    if (!any) return;
    const PrioritySource source = dir == Direction::ClientToServer ? PrioritySource::RequestHeader
                                                                   : PrioritySource::ResponseHeader;
    m_summary.priorities.prioritize(block.ts, stream, value, source);
}

void ConnectionEngine::report(StreamRecord& s) {
    if (const PriorityNode* n = m_summary.priorities.find(s.id)) {
        s.priority = StreamPriority{
            n->parent,  n->weight,  n->exclusive, n->urgency.urgency, n->urgency.incremental,
            n->rfc7540, n->rfc9218, true};
    }
    // Without any signal yet no measure needs it (memory stays bounded by the open streams).
    if (!m_summary.priorities.signalled()) m_follow.forget(s.id);
    if (m_listener) m_listener->onStreamDone(m_info, s);
}

void ConnectionEngine::finish(TimestampNs ts) {
    for (int d = 0; d < 2; ++d) m_frames[d]->finish(ts, *m_sinks[d]);
    releaseHeld();
    m_windows.finish(ts);
    // Report what is still open, in id order.
    auto& open = m_streams.open();
    while (!open.empty()) {
        StreamRecord& s = open.begin()->second;
        if (clientInitiated(s.id) && m_goawayLast[1] && s.id > *m_goawayLast[1] && !s.response) {
            s.end = StreamEnd::RefusedByGoaway;
        }
        report(s);
        open.erase(open.begin());
    }
    m_summary.priorityFollow = m_follow.measure(m_summary.priorities, m_summary.stalls);
}

}  // namespace h2lens
