#include "h2/frame_decoder.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "h2/frame_header.h"
#include "h2/frame_payload.h"
#include "h2/names.h"

namespace h2lens {

namespace {

constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
constexpr std::size_t kSyncBlock = 64 * 1024;
constexpr std::size_t kNpos = static_cast<std::size_t>(-1);
// Frame-sync accepts an offset when this many consecutive headers are plausible: real bytes
// (zero runs in SETTINGS payloads) showed two are not enough to never invent a frame.
constexpr std::size_t kSyncChain = 3;

}  // namespace

FrameDecoder::FrameDecoder(const Limits& limits) : m_limits(limits) {}

void FrameDecoder::expectClientPreface() {
    m_state = State::Preface;
    m_prefaceHave = 0;
}

void FrameDecoder::startMidStream() {
    enterSync(nullptr, 0, 0, 0, true);
}

void FrameDecoder::setMaxFrameSize(std::uint32_t size) {
    m_maxFrameSize = size;
}

std::uint32_t FrameDecoder::syncMaxLength() const {
    return static_cast<std::uint32_t>(
        std::min<std::uint64_t>(m_maxFrameSize, m_limits.maxFramePayload));
}

void FrameDecoder::feed(ByteSpan bytes, TimestampNs ts, FrameSink& sink) {
    m_stats.bytes += bytes.size();
    std::size_t pos = 0;
    for (;;) {
        replayPending(ts, sink);
        if (pos == bytes.size()) break;
        pos += run(bytes.data() + pos, bytes.size() - pos, true, ts, sink);
    }
}

std::size_t FrameDecoder::run(const std::uint8_t* p, std::size_t n, bool external, TimestampNs ts,
                              FrameSink& sink) {
    std::size_t pos = 0;
    while (pos < n) {
        switch (m_state) {
            case State::Preface:
                pos += feedPreface(p + pos, n - pos, ts, sink);
                break;
            case State::Header: {
                if (m_headerHave == 0) {
                    // Fast path: whole frames inside the chunk are decoded in place.
                    const std::size_t cap = m_limits.maxFramePayload;
                    while (n - pos >= kFrameHeaderSize) {
                        const std::uint32_t len = loadBe24(p + pos);
                        if (len > cap || n - pos - kFrameHeaderSize < len) break;
                        startFrame(p + pos, m_offset, ts);
                        m_offset += kFrameHeaderSize + len;
                        emit(ByteSpan(p + pos + kFrameHeaderSize, len), ts, sink);
                        pos += kFrameHeaderSize + len;
                    }
                    if (pos == n) break;
                }
                if (m_headerHave == 0) m_headerTs = ts;
                const std::size_t take = std::min(kFrameHeaderSize - m_headerHave, n - pos);
                std::memcpy(m_header.data() + m_headerHave, p + pos, take);
                m_headerHave += take;
                pos += take;
                m_offset += take;
                if (m_headerHave == kFrameHeaderSize) headerComplete(ts, sink);
                break;
            }
            case State::Payload: {
                const std::size_t want = m_frame.length - m_payload.size();
                const std::size_t take = std::min(want, n - pos);
                m_payload.insert(m_payload.end(), p + pos, p + pos + take);
                pos += take;
                m_offset += take;
                if (m_payload.size() == m_frame.length) {
                    m_state = State::Header;
                    ++m_stats.bufferedFrames;
                    emit(ByteSpan(m_payload), ts, sink);
                }
                break;
            }
            case State::Skip: {
                const std::size_t take =
                    static_cast<std::size_t>(std::min<std::uint64_t>(m_skipRemaining, n - pos));
                m_skipRemaining -= take;
                pos += take;
                m_offset += take;
                if (m_skipRemaining == 0) m_state = State::Header;
                break;
            }
            case State::Finished:
                return n;
            case State::Sync:
                pos += feedSync(p + pos, n - pos, external, ts, sink);
                if (m_replayPending) return pos;
                break;
        }
    }
    return pos;
}

std::size_t FrameDecoder::feedPreface(const std::uint8_t* p, std::size_t n, TimestampNs ts,
                                      FrameSink& sink) {
    std::size_t i = 0;
    while (i < n && m_prefaceHave < kPreface.size()) {
        if (p[i] != static_cast<std::uint8_t>(kPreface[m_prefaceHave])) {
            m_stats.prefaceMismatch = true;
            sink.onIssue({FrameIssueKind::PrefaceMismatch, m_offset, ts, m_prefaceHave + 1,
                          fmt::format("connection preface mismatch at byte {} (0x{:02x}, expected "
                                      "0x{:02x}) §3.4; searching for a frame boundary",
                                      m_prefaceHave, p[i],
                                      static_cast<std::uint8_t>(kPreface[m_prefaceHave]))});
            // The matched prefix may itself be the start of a frame: search from byte 0.
            enterSync(reinterpret_cast<const std::uint8_t*>(kPreface.data()), m_prefaceHave, ts);
            return i;
        }
        ++i;
        ++m_prefaceHave;
        ++m_offset;
    }
    if (m_prefaceHave == kPreface.size()) {
        m_stats.prefaceSeen = true;
        m_state = State::Header;
    }
    return i;
}

void FrameDecoder::startFrame(const std::uint8_t* header, std::uint64_t offset,
                              TimestampNs firstTs) {
    const std::uint32_t sid = loadBe32(header + 5);
    m_frame.offset = offset;
    m_frame.firstTs = firstTs;
    m_frame.length = loadBe24(header);
    m_frame.type = header[3];
    m_frame.flags = header[4];
    m_frame.streamId = sid & 0x7fffffffu;
    m_frame.reservedBit = (sid >> 31) != 0;
}

void FrameDecoder::headerComplete(TimestampNs ts, FrameSink& sink) {
    m_headerHave = 0;
    const std::uint64_t headerOffset = m_offset - kFrameHeaderSize;
    const std::uint32_t len = loadBe24(m_header.data());
    if (len > m_limits.maxFramePayload) {
        ++m_stats.tooLargeFrames;
        sink.onIssue({FrameIssueKind::FrameTooLarge, headerOffset, ts, len,
                      fmt::format("{} frame declares {} payload bytes, above the {} byte cap; "
                                  "searching for a frame boundary",
                                  frameTypeName(m_header[3]), len, m_limits.maxFramePayload)});
        // The header's first byte cannot start a frame any more: it counts as skipped.
        enterSync(m_header.data() + 1, kFrameHeaderSize - 1, ts, 1);
        return;
    }
    startFrame(m_header.data(), headerOffset, m_headerTs);
    if (len == 0) {
        emit(ByteSpan(), ts, sink);
        return;
    }
    m_payload.clear();
    m_payload.reserve(len);
    m_state = State::Payload;
}

void FrameDecoder::emit(ByteSpan payload, TimestampNs ts, FrameSink& sink) {
    Frame& f = m_frame;
    f.ts = ts;
    f.payload = payload;
    resetPayloadFields(f);
    decodeFramePayload(f);
    f.oversize = f.length > m_maxFrameSize;
    ++m_stats.frames;
    if (f.type < m_stats.framesByType.size()) ++m_stats.framesByType[f.type];
    if (f.error) ++m_stats.malformedFrames;
    if (f.oversize) ++m_stats.oversizeFrames;
    if (isUnknownFrameType(f.type)) ++m_stats.unknownTypeFrames;
    sink.onFrame(f);
}

void FrameDecoder::enterSync(const std::uint8_t* carry, std::size_t n, TimestampNs ts,
                             std::uint64_t dropped, bool segmentStart) {
    m_state = State::Sync;
    m_headerHave = 0;
    m_sync.assign(carry, carry + n);
    m_syncStart = m_offset - n;
    m_syncSkipped = dropped;
    m_stats.skippedBytes += dropped;
    m_syncAtSegmentStart = segmentStart && n == 0;
    m_syncTimes.clear();
    if (n > 0) m_syncTimes.push_back(SyncTime{m_syncStart, ts});
}

std::size_t FrameDecoder::feedSync(const std::uint8_t* p, std::size_t n, bool external,
                                   TimestampNs ts, FrameSink& sink) {
    const std::size_t take = external ? std::min(n, kSyncBlock) : n;
    if (take > 0 && (m_syncTimes.empty() || m_syncTimes.back().ts != ts))
        m_syncTimes.push_back(SyncTime{m_offset, ts});
    m_sync.insert(m_sync.end(), p, p + take);
    m_offset += take;
    const std::size_t found = scanSync(false);
    if (found != kNpos) acceptSync(found, ts, sink);
    return take;
}

void FrameDecoder::dropSyncFront(std::size_t n) {
    m_sync.erase(m_sync.begin(), m_sync.begin() + static_cast<std::ptrdiff_t>(n));
    m_syncStart += n;
    std::size_t drop = 0;
    while (drop + 1 < m_syncTimes.size() && m_syncTimes[drop + 1].offset <= m_syncStart) ++drop;
    m_syncTimes.erase(m_syncTimes.begin(), m_syncTimes.begin() + static_cast<std::ptrdiff_t>(drop));
}

std::size_t FrameDecoder::scanSync(bool final) {
    if (m_syncAtSegmentStart && m_syncSkipped == 0 && !m_sync.empty()) {
        // The client preface at a segment start (the capture or a gap cut what came before
        // it): it is the preface, not bytes to skip, and a frame boundary follows.
        const std::size_t n = std::min(m_sync.size(), kPreface.size());
        if (std::equal(m_sync.begin(), m_sync.begin() + static_cast<std::ptrdiff_t>(n),
                       kPreface.begin())) {
            if (n < kPreface.size() && !final) return kNpos;  // wait for the rest
            if (n == kPreface.size()) {
                dropSyncFront(n);
                m_stats.prefaceSeen = true;
            }
        }
    }
    const std::uint32_t maxLen = syncMaxLength();
    const std::size_t size = m_sync.size();
    const std::uint8_t* b = m_sync.data();
    std::size_t i = 0;
    std::size_t weak = kNpos;
    for (; i + kFrameHeaderSize <= size; ++i) {
        // The first byte of a segment (capture began mid-connection, end of a gap): senders
        // start segments at frame boundaries, so weaker chains are enough there.
        const bool segmentStart = i == 0 && m_syncSkipped == 0 && m_syncAtSegmentStart;
        // Walk the chain of kSyncChain headers starting at i.
        enum { Reject, Accept, Undecided } verdict = Accept;
        std::size_t pos = i;
        for (std::size_t k = 0; k < kSyncChain; ++k) {
            if (pos + kFrameHeaderSize > size) {
                const bool endsHere = pos == size && k > 0 && final;
                // At a segment start: the end cuts the payload of the chain's second frame.
                // Weak: taken only when no later offset passes the rules above.
                if (pos > size && k >= 2 && final && segmentStart) weak = i;
                verdict = endsHere ? Accept : (final ? Reject : Undecided);
                break;
            }
            FrameHeader h = parseFrameHeader(b + pos);
            // The reserved bit MUST be ignored by a receiver (RFC 9113 §4.1): only a starting
            // point must have it clear (a set bit there is a sign of a false candidate).
            if (k > 0) h.reservedBit = false;
            // An empty frame is not a starting point: its 9 bytes are too often the tail of a
            // real frame (stream id bytes + a 4-byte payload) right before a true boundary.
            // Except an empty SETTINGS (an ACK, or one with no parameters) at the first byte of
            // a segment.
            const bool settingsAck = h.type == static_cast<std::uint8_t>(FrameType::Settings);
            if (!isPlausibleFrameHeader(h, maxLen) ||
                (k == 0 && h.length == 0 && !(segmentStart && settingsAck))) {
                verdict = Reject;
                break;
            }
            pos += kFrameHeaderSize + h.length;
        }
        if (verdict == Accept) return i;
        if (verdict == Undecided) break;
    }
    if (weak != kNpos) return weak;
    // Here i is the undecided candidate, or the first of the last < 9 bytes (may start a frame).
    if (final) i = size;
    if (i > 0) {
        dropSyncFront(i);
        m_syncSkipped += i;
        m_stats.skippedBytes += i;
    }
    return kNpos;
}

void FrameDecoder::acceptSync(std::size_t found, TimestampNs ts, FrameSink& sink) {
    const std::uint64_t skipped = m_syncSkipped + found;
    m_stats.skippedBytes += found;
    ++m_stats.resyncs;
    // Nothing skipped: the bytes began on a frame boundary, nothing to report.
    if (skipped > 0)
        sink.onIssue({FrameIssueKind::Resynced, m_syncStart + found, ts, skipped,
                      fmt::format("frame sync at offset {} after skipping {} bytes",
                                  m_syncStart + found, skipped)});
    m_state = State::Header;
    m_offset = m_syncStart + found;
    m_replayPending = true;
    m_replayFrom = found;
}

void FrameDecoder::replayPending(TimestampNs ts, FrameSink& sink) {
    while (m_replayPending) {
        m_replayPending = false;
        Bytes replay = std::move(m_sync);
        m_sync = Bytes();
        std::vector<SyncTime> times = std::move(m_syncTimes);
        m_syncTimes = {};
        const std::uint64_t base = m_syncStart;
        std::size_t from = m_replayFrom;
        // Each arrival with its own packet's time, so frames keep the time their bytes came.
        for (std::size_t k = 0; k < times.size() && from < replay.size(); ++k) {
            std::size_t end = replay.size();
            if (k + 1 < times.size())
                end = static_cast<std::size_t>(
                    std::min<std::uint64_t>(times[k + 1].offset - base, replay.size()));
            if (end <= from) continue;
            run(replay.data() + from, end - from, false, times[k].ts, sink);
            from = end;
            if (m_replayPending && from < replay.size()) {
                // Sync found again inside this replay: the rest goes behind the new window.
                for (std::size_t j = k + 1; j < times.size(); ++j) m_syncTimes.push_back(times[j]);
                m_sync.insert(m_sync.end(), replay.begin() + static_cast<std::ptrdiff_t>(from),
                              replay.end());
                from = replay.size();
                break;
            }
        }
        if (from < replay.size()) run(replay.data() + from, replay.size() - from, false, ts, sink);
    }
}

void FrameDecoder::settleSync(TimestampNs ts, FrameSink& sink) {
    while (m_state == State::Sync) {
        const std::size_t found = scanSync(true);
        if (found == kNpos) break;
        acceptSync(found, ts, sink);
        replayPending(ts, sink);
    }
}

void FrameDecoder::finish(TimestampNs ts, FrameSink& sink) {
    const std::uint64_t end = m_offset;
    settleSync(ts, sink);
    if (m_state == State::Sync && m_syncSkipped > 0)
        sink.onIssue({FrameIssueKind::SyncAbandoned, end, ts, m_syncSkipped,
                      fmt::format("stream ended during frame-sync search ({} bytes skipped)",
                                  m_syncSkipped)});
    switch (m_state) {
        case State::Preface:
            if (m_prefaceHave > 0)
                sink.onIssue({FrameIssueKind::Truncated, end, ts, m_prefaceHave,
                              "stream ended inside the connection preface"});
            break;
        case State::Header:
            if (m_headerHave > 0) {
                ++m_stats.lostFrames;
                sink.onIssue(
                    {FrameIssueKind::Truncated, end - m_headerHave, ts, m_headerHave,
                     fmt::format("stream ended {} bytes into a frame header", m_headerHave)});
            }
            break;
        case State::Payload:
            ++m_stats.lostFrames;
            sink.onIssue({FrameIssueKind::Truncated, m_frame.offset, ts, m_payload.size(),
                          fmt::format("stream ended inside a {} frame (stream {}, {} of {} "
                                      "payload bytes)",
                                      frameTypeName(m_frame.type), m_frame.streamId,
                                      m_payload.size(), m_frame.length)});
            break;
        case State::Skip:
        case State::Sync:
        case State::Finished:
            break;
    }
    m_state = State::Finished;
}

void FrameDecoder::gap(std::uint64_t length, TimestampNs ts, FrameSink& sink) {
    if (length == 0 || m_state == State::Finished) return;
    // The bytes before the gap end there: frames whose chain ends exactly at the gap are kept.
    settleSync(ts, sink);
    m_stats.gapBytes += length;
    const std::uint64_t gapStart = m_offset;
    const std::uint64_t gapEnd = m_offset + length;
    auto lostThenSync = [&](std::string message) {
        sink.onIssue({FrameIssueKind::FrameLost, gapStart, ts, length, std::move(message)});
        m_offset = gapEnd;
        enterSync(nullptr, 0, ts, 0, true);
    };
    switch (m_state) {
        case State::Preface: {
            const std::uint64_t rest = kPreface.size() - m_prefaceHave;
            sink.onIssue({FrameIssueKind::PrefaceLost, gapStart, ts, std::min(length, rest),
                          fmt::format("gap of {} bytes inside the connection preface", length)});
            m_offset = gapEnd;
            if (length <= rest) {
                m_skipRemaining = rest - length;
                m_state = m_skipRemaining == 0 ? State::Header : State::Skip;
            } else {
                enterSync(nullptr, 0, ts, 0, true);
            }
            return;
        }
        case State::Header:
            if (m_headerHave == 0) {
                lostThenSync(
                    fmt::format("gap of {} bytes at a frame boundary; searching for the "
                                "next frame",
                                length));
            } else {
                ++m_stats.lostFrames;
                lostThenSync(
                    fmt::format("gap of {} bytes inside a frame header; frame lost, "
                                "searching for the next frame",
                                length));
            }
            return;
        case State::Payload: {
            ++m_stats.lostFrames;
            const std::uint64_t frameEnd = m_frame.offset + kFrameHeaderSize + m_frame.length;
            const std::string what = fmt::format(
                "{} frame (stream {}, length {}) at offset {} lost in a gap of {} bytes",
                frameTypeName(m_frame.type), m_frame.streamId, m_frame.length, m_frame.offset,
                length);
            if (gapEnd <= frameEnd) {
                sink.onIssue({FrameIssueKind::FrameLost, gapStart, ts, length, what});
                m_offset = gapEnd;
                m_skipRemaining = frameEnd - gapEnd;
                m_state = m_skipRemaining == 0 ? State::Header : State::Skip;
            } else {
                lostThenSync(what + "; searching for the next frame");
            }
            return;
        }
        case State::Skip:
            if (length <= m_skipRemaining) {
                m_skipRemaining -= length;
                m_offset = gapEnd;
                if (m_skipRemaining == 0) m_state = State::Header;
            } else {
                lostThenSync(
                    fmt::format("gap of {} bytes runs past the end of a lost frame; "
                                "searching for the next frame",
                                length));
            }
            return;
        case State::Finished:
            return;
        case State::Sync: {
            // A search that had not dropped a byte yet is not abandoned: nothing to report
            // beyond the gap itself.
            if (m_syncSkipped > 0)
                sink.onIssue(
                    {FrameIssueKind::SyncAbandoned, gapStart, ts, m_syncSkipped,
                     fmt::format("gap of {} bytes during frame-sync search ({} bytes skipped "
                                 "so far); searching again after it",
                                 length, m_syncSkipped)});
            m_offset = gapEnd;
            enterSync(nullptr, 0, ts, 0, true);
            return;
        }
    }
}

}  // namespace h2lens
