#include "audit/connection_audit.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/plural.h"
#include "h2/connection_engine.h"

namespace h2lens {

namespace {

constexpr std::uint16_t kMaxConcurrentStreams = 0x3;

int side(Direction d) {
    return static_cast<int>(d);
}

std::string sizeText(std::uint64_t bytes) {
    if (bytes >= 10 * 1024 * 1024 || (bytes && bytes % (1024 * 1024) == 0))
        return fmt::format("{} MiB", bytes >> 20);
    if (bytes >= 10 * 1024 || (bytes && bytes % 1024 == 0))
        return fmt::format("{} KiB", bytes >> 10);
    return plural(bytes, "byte", "bytes");
}

std::string durationText(std::uint64_t ns) {
    if (ns >= 1'000'000'000) return fmt::format("{:.1f} s", static_cast<double>(ns) / 1e9);
    return fmt::format("{:.0f} ms", static_cast<double>(ns) / 1e6);
}

}  // namespace

void ConnectionAudit::frame(const FrameEvent& event) {
    const Frame& f = *event.frame;
    const Direction dir = event.dir;
    const int d = side(dir);
    const bool endStream = f.hasFlag(frame_flag::kEndStream);
    switch (f.frameType()) {
        case FrameType::Headers:
            if (f.headerBlockFragment.empty() && !endStream)
                m_empty[d].add(f.ts, 1, m_t->emptyFrames);
            headerFragment(dir, f);
            if (dir == Direction::ClientToServer) openStream(f);
            break;
        case FrameType::PushPromise:
            headerFragment(dir, f);
            break;
        case FrameType::Continuation:
            if (f.length == 0) m_empty[d].add(f.ts, 1, m_t->emptyFrames);
            headerFragment(dir, f);
            break;
        case FrameType::Data:
            if (f.length == 0 && !endStream) m_empty[d].add(f.ts, 1, m_t->emptyFrames);
            break;
        case FrameType::RstStream:
            reset(dir, f);
            break;
        case FrameType::Settings:
            settings(dir, f);
            break;
        case FrameType::Ping:
            if (!f.hasFlag(frame_flag::kAck)) m_pings[d].add(f.ts, 1, m_t->pingFlood);
            break;
        case FrameType::Priority:
        case FrameType::PriorityUpdate:
            m_priority[d].add(f.ts, 1, m_t->priorityChurn);
            break;
        case FrameType::WindowUpdate:
            ++m_windowUpdates[d];
            if (f.windowIncrement <= kDribbleBytes) ++m_smallWindowUpdates[d];
            break;
        default:
            break;
    }
    if (event.headers) blockDone(dir, f, *event.headers);
}

void ConnectionAudit::headerFragment(Direction dir, const Frame& f) {
    const int d = side(dir);
    Block& b = m_block[d];
    ContinuationTrack& c = m_continuation[d];
    if (f.frameType() == FrameType::Continuation) {
        ++c.frames;
        if (!b.open) b = Block{true, f.streamId, 0, 0, f.ts, false};  // a block begun unseen
        ++b.continuations;
    } else {
        if (b.open && b.counted) ++c.unfinished;  // interrupted by a new block
        b = Block{true, f.streamId, 0, 0, f.ts, false};
    }
    b.bytes += f.headerBlockFragment.size();
    c.peakFrames = std::max(c.peakFrames, b.continuations);
    c.peakBytes = std::max(c.peakBytes, b.bytes);
    const bool over = (m_t->continuationFrames && b.continuations >= m_t->continuationFrames) ||
                      (m_t->headerBlockBytes && b.bytes >= m_t->headerBlockBytes);
    if (over && !b.counted) {
        b.counted = true;
        if (c.blocks++ == 0) c.first = b.start;
    }
    if (b.counted) c.last = f.ts;
    if (f.hasFlag(frame_flag::kEndHeaders)) b.open = false;
}

void ConnectionAudit::blockDone(Direction dir, const Frame& f, const HeaderBlock& headers) {
    if (m_t->hpackBytesPerSecond == 0 || m_t->hpackRatio == 0) return;
    HpackTrack& h = m_hpack[side(dir)];
    std::uint64_t decoded = 0;
    for (const HeaderField& field : headers.fields) {
        decoded += field.name.size() + field.value.size();
        if (field.representation == HpackRepresentation::Indexed && field.hpackSize() >= 1024)
            ++h.largeIndexed;
    }
    std::uint64_t wire = m_block[side(dir)].bytes;
    bool cut = false;
    if (headers.error && headers.error->code == HpackErrorCode::HeaderListTooLarge) {
        // The fields before the cap came from the bytes before the element that broke it.
        wire = std::min<std::uint64_t>(wire, std::max<std::size_t>(headers.error->offset, 1));
        cut = true;
        ++h.cut;
    }
    wire = std::max<std::uint64_t>(wire, 1);
    const bool blockAtRatio = decoded >= m_t->hpackRatio * wire;
    if (blockAtRatio) ++h.blocks;
    h.decodedTotal += decoded;
    h.wireTotal += wire;
    const std::uint64_t decodedNow = h.decoded.add(f.ts, decoded);
    const std::uint64_t wireNow = h.wire.add(f.ts, wire);
    h.peak = std::max(h.peak, decodedNow);
    const bool over =
        (decodedNow >= m_t->hpackBytesPerSecond && decodedNow >= m_t->hpackRatio * wireNow) ||
        (cut && blockAtRatio);
    if (!over) {
        h.above = false;
        return;
    }
    if (!h.crossed) {
        h.crossed = true;
        h.first = cut && decodedNow < m_t->hpackBytesPerSecond ? f.ts : h.decoded.oldest();
    }
    h.above = true;
    h.last = f.ts;
}

void ConnectionAudit::openStream(const Frame& f) {
    const std::uint32_t id = f.streamId;
    if (id % 2 == 0 || id <= m_highestClientStream) return;  // trailers, or not a new stream
    m_highestClientStream = id;
    if (m_open.size() >= kMaxTrackedStreams) {
        ++m_untracked;
        return;
    }
    m_open.emplace(id, f.ts);
    if (!m_limit || m_t->streamLimitExcess == 0) return;
    const std::uint64_t open = m_open.size();
    StreamLimitTrack& s = m_streamLimit;
    if (open > *m_limit) ++s.excess;
    if (open > s.peakOpen) {
        s.peakOpen = open;
        s.limitAtPeak = *m_limit;
    }
    if (open >= std::uint64_t{*m_limit} + m_t->streamLimitExcess) {
        if (s.first == 0) s.first = f.ts;
        s.last = f.ts;
    }
}

void ConnectionAudit::streamDone(const StreamRecord& stream) {
    m_open.erase(stream.id);
}

void ConnectionAudit::reset(Direction dir, const Frame& f) {
    if (dir == Direction::ClientToServer && m_t->rapidReset != 0) {
        if (auto it = m_open.find(f.streamId);
            it != m_open.end() &&
            f.ts - it->second <= static_cast<TimestampNs>(m_t->rapidResetAgeNs)) {
            m_rapidResets.add(f.ts, 1, m_t->rapidReset);
            return;
        }
    }
    m_resets[side(dir)].add(f.ts, 1, m_t->resetFlood);
}

void ConnectionAudit::settings(Direction dir, const Frame& f) {
    if (f.hasFlag(frame_flag::kAck)) {
        if (dir == Direction::ClientToServer && !m_pendingLimits.empty()) {
            if (m_pendingLimits.front()) m_limit = m_pendingLimits.front();
            m_pendingLimits.pop_front();
        }
        return;
    }
    m_settings[side(dir)].add(f.ts, 1, m_t->settingsFlood);
    if (dir != Direction::ServerToClient) return;
    std::optional<std::uint32_t> limit;
    for (const Setting& s : f.settings) {
        if (s.id == kMaxConcurrentStreams) limit = s.value;
    }
    if (m_pendingLimits.size() >= kMaxPendingSettings) m_pendingLimits.pop_front();
    m_pendingLimits.push_back(limit);
}

void ConnectionAudit::anomaly(const Anomaly& a) {
    if (a.name == "HEADER_BLOCK_TOO_LARGE") ++m_blocksCut[side(a.dir)];
}

std::vector<Finding> ConnectionAudit::finish(const ConnectionInfo& conn,
                                             const ConnectionSummary& summary) {
    std::vector<Finding> out;
    auto add = [&](FindingKind kind, Direction peer, std::uint64_t count, std::uint64_t peak,
                   TimestampNs first, TimestampNs last, std::string detail) {
        Finding f;
        f.conn = conn.id;
        f.client = conn.client;
        f.server = conn.server;
        f.peer = peer;
        f.kind = kind;
        f.count = count;
        f.peak = peak;
        f.threshold = m_t->value(kind);
        f.thresholdText = m_t->text(kind);
        f.first = first;
        f.last = last;
        f.detail = std::move(detail);
        out.push_back(std::move(f));
        return &out.back();
    };
    constexpr auto c2s = Direction::ClientToServer;

    if (m_rapidResets.crossed()) {
        const RateTrack& r = m_rapidResets;
        add(FindingKind::RapidReset, c2s, r.total, r.peak, r.first, r.last,
            fmt::format("the client reset {} within {} of opening them, up to {} a second",
                        plural(r.total, "stream", "streams"), durationText(m_t->rapidResetAgeNs),
                        r.peak));
    }
    for (Direction dir : {c2s, Direction::ServerToClient}) {
        const int d = side(dir);
        const std::string who(peerName(dir));
        const ContinuationTrack& c = m_continuation[d];
        if (c.blocks > 0) {
            const std::uint64_t unfinished =
                c.unfinished + (m_block[d].open && m_block[d].counted ? 1 : 0);
            std::string detail = fmt::format(
                "{} reached {} CONTINUATION frames or {} on the wire; the largest had {} "
                "CONTINUATION frames, the longest {}",
                plural(c.blocks, "header block", "header blocks"), m_t->continuationFrames,
                sizeText(m_t->headerBlockBytes), c.peakFrames, sizeText(c.peakBytes));
            if (unfinished) detail += fmt::format("; {} never ended", unfinished);
            if (m_blocksCut[d])
                detail += fmt::format(
                    "; the decoder kept the first {} of {} and skipped the rest "
                    "(HEADER_BLOCK_TOO_LARGE)",
                    sizeText(m_maxHeaderBlockBytes), plural(m_blocksCut[d], "block", "blocks"));
            Finding* f = add(FindingKind::ContinuationFlood, dir, c.blocks, c.peakFrames, c.first,
                             c.last, std::move(detail));
            f->thresholdText =
                fmt::format("{} frames or {}", m_t->text(FindingKind::ContinuationFlood),
                            m_t->text(FindingKind::ContinuationFlood) == "off"
                                ? "off"
                                : sizeText(m_t->headerBlockBytes));
        }
        const HpackTrack& h = m_hpack[d];
        if (h.crossed) {
            std::string detail = fmt::format(
                "{} header blocks decoded to {} from {} on the wire ({}x); {} at {}x or more",
                who == "client" ? "the client's" : "the server's", sizeText(h.decodedTotal),
                sizeText(h.wireTotal), h.decodedTotal / std::max<std::uint64_t>(h.wireTotal, 1),
                plural(h.blocks, "block", "blocks"), m_t->hpackRatio);
            if (h.largeIndexed)
                detail += fmt::format("; {} to table entries of 1 KiB or more",
                                      plural(h.largeIndexed, "reference", "references"));
            if (h.cut)
                detail +=
                    fmt::format("; the decoder cut {} at its header list cap of {} (HPACK_ERROR)",
                                plural(h.cut, "block", "blocks"), sizeText(m_maxHeaderListSize));
            add(FindingKind::HpackBomb, dir, h.blocks, h.peak, h.first, h.last, std::move(detail));
        }
        struct RateFinding {
            FindingKind kind;
            const RateTrack* track;
            std::string_view what;
        };
        for (const RateFinding& r :
             {RateFinding{FindingKind::SettingsFlood, &m_settings[d], "SETTINGS frames"},
              RateFinding{FindingKind::PingFlood, &m_pings[d], "PINGs"},
              RateFinding{FindingKind::EmptyFrameFlood, &m_empty[d],
                          "empty frames without END_STREAM"},
              RateFinding{FindingKind::ResetFlood, &m_resets[d], "RST_STREAM frames"},
              RateFinding{FindingKind::PriorityChurn, &m_priority[d],
                          "PRIORITY and PRIORITY_UPDATE frames"}}) {
            if (!r.track->crossed()) continue;
            add(r.kind, dir, r.track->total, r.track->peak, r.track->first, r.track->last,
                fmt::format("the {} sent {} {}, up to {} a second", who, r.track->total, r.what,
                            r.track->peak));
        }
    }

    if (m_t->slowReadNs != 0) {
        for (Direction sender : {c2s, Direction::ServerToClient}) {
            std::map<std::uint32_t, std::uint64_t> waited;  // per stream (0: connection window)
            std::uint64_t stalls = 0;
            TimestampNs first = 0, last = 0;
            for (const FlowStall& s : summary.stalls) {
                if (s.sender != sender || !s.end) continue;
                ++stalls;
                waited[s.streamId] += static_cast<std::uint64_t>(*s.end - s.start);
                if (first == 0 || s.start < first) first = s.start;
                last = std::max(last, *s.end);
            }
            auto longest = std::max_element(waited.begin(), waited.end(),
                                            [](auto& a, auto& b) { return a.second < b.second; });
            if (longest == waited.end() || longest->second < m_t->slowReadNs) continue;
            const Direction reader = opposite(sender);
            const int r = side(reader);
            add(FindingKind::SlowRead, reader, stalls, longest->second / 1'000'000, first, last,
                fmt::format("the {} waited {} in all for window on {} ({}); the {} sent {}, {} "
                            "of them of {} or less",
                            peerName(sender), durationText(longest->second),
                            longest->first ? fmt::format("stream {}", longest->first)
                                           : std::string("the connection window"),
                            plural(stalls, "stall", "stalls"), peerName(reader),
                            plural(m_windowUpdates[r], "WINDOW_UPDATE", "WINDOW_UPDATEs"),
                            m_smallWindowUpdates[r], sizeText(kDribbleBytes)));
        }
    }

    const StreamLimitTrack& s = m_streamLimit;
    if (s.first != 0) {
        Finding* f =
            add(FindingKind::StreamLimitBroken, c2s, s.excess, s.peakOpen, s.first, s.last,
                fmt::format("the client had {} streams open at once against the "
                            "server's SETTINGS_MAX_CONCURRENT_STREAMS of {}; {} opened "
                            "above it",
                            s.peakOpen, s.limitAtPeak, plural(s.excess, "stream", "streams")));
        f->threshold = s.limitAtPeak;
        f->thresholdText = m_t->streamLimitExcess == 1
                               ? fmt::format("above {}", s.limitAtPeak)
                               : fmt::format("{} above {}", m_t->streamLimitExcess, s.limitAtPeak);
    }
    if (m_untracked) {
        for (Finding& f : out) {
            if (f.kind == FindingKind::StreamLimitBroken)
                f.detail += fmt::format("; {} more were opened while {} were open and not followed",
                                        m_untracked, kMaxTrackedStreams);
        }
    }
    return out;
}

}  // namespace h2lens
