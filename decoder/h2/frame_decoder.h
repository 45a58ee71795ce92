#pragma once
// Resumable decoder of ONE direction of one HTTP/2 connection: in-order bytes in (any chunking),
// complete frames out through a FrameSink, every field decoded (see frame.h).
//
// States: Preface (client direction, §3.4) -> Header -> Payload -> Header ...; Skip (rest of a
// frame cut by a gap); Sync (frame-sync search after a gap, an oversized length, a bad preface or
// when the capture began mid-connection).
//
// Fast path: a frame lying wholly inside the fed chunk is decoded in place (no copy); only frames
// that straddle chunks are copied into a buffer, which grows to the largest such frame and never
// beyond Limits::maxFramePayload. Frame-sync search keeps at most one candidate frame plus the
// next header (<= max frame size + 18 bytes) beyond the chunk being fed.
//
// Frame-sync search accepts offset X when the header at X and the next two headers of the chain
// (X + 9 + length, ...) are plausible (isPlausibleFrameHeader, against the current max frame
// size), or the chain is plausible up to where the bytes end exactly on a frame end: at finish()
// or at a gap, never at a chunk end, so the result does not depend on chunking. The earliest such
// X wins: a candidate whose chain runs past the bytes seen so far holds the search until more
// bytes arrive (at most max frame size + 2 headers further), a gap or finish(). When the bytes
// end (finish() or a gap), a candidate at the first byte of a segment (the capture began
// mid-connection, or a gap ended there: senders start segments at frame boundaries) is also
// accepted with 2 plausible headers whose second frame the end cuts (a 2-packet capture:
// HEADERS, then a DATA frame cut short; taken only when no later offset passes), and only there
// may an empty SETTINGS (an ACK, or one without parameters) start the chain, or the client preface
// come first (consumed as the preface, not skipped). Headers after the first are checked with the
// reserved bit ignored, as a receiver must (RFC 9113 §4.1).
//
// Frames decoded from the sync window carry the time of the packet that brought their last
// byte (as every frame does), not the time of the packet where sync was found; a search that
// ends with nothing skipped (the bytes began on a frame boundary) reports no Resynced issue.
#include <array>
#include <cstdint>
#include <vector>

#include "common/bytes.h"
#include "common/limits.h"
#include "h2/frame.h"
#include "h2/frame_sink.h"

namespace h2lens {

struct FrameDecoderStats {
    std::uint64_t frames = 0;           // frames reported through onFrame
    std::uint64_t bytes = 0;            // bytes fed (gaps excluded)
    std::uint64_t gapBytes = 0;         // bytes announced missing by gap()
    std::uint64_t bufferedFrames = 0;   // frames that straddled chunks and were copied
    std::uint64_t malformedFrames = 0;  // frames reported with Frame::error
    std::uint64_t oversizeFrames = 0;   // frames above SETTINGS_MAX_FRAME_SIZE
    std::uint64_t unknownTypeFrames = 0;
    std::uint64_t lostFrames = 0;      // frames cut by a gap
    std::uint64_t tooLargeFrames = 0;  // above Limits::maxFramePayload, skipped by resync
    std::uint64_t resyncs = 0;         // completed frame-sync searches
    std::uint64_t skippedBytes = 0;    // bytes dropped by frame-sync search
    bool prefaceSeen = false;          // the client preface was matched completely
    bool prefaceMismatch = false;
    std::array<std::uint64_t, 17> framesByType{};  // index = type for types 0..16
};

class FrameDecoder {
  public:
    explicit FrameDecoder(const Limits& limits);

    // Call before the first feed(). Default: the direction starts at a frame boundary (server
    // direction of a connection seen from its start).
    void expectClientPreface();
    void startMidStream();

    // The receiver's acknowledged SETTINGS_MAX_FRAME_SIZE (default 16384); frames above it are
    // flagged `oversize` but decoded. Also bounds what frame-sync search accepts.
    void setMaxFrameSize(std::uint32_t size);

    void feed(ByteSpan bytes, TimestampNs ts, FrameSink& sink);
    // `length` bytes of this direction were never captured. The frame in progress is reported
    // lost; decoding continues at the next frame boundary when the gap ended inside the frame in
    // progress (its length is known), else by frame-sync search.
    void gap(std::uint64_t length, TimestampNs ts, FrameSink& sink);
    // End of this direction (FIN, RST or end of capture). Frame-sync search in progress decides
    // with what it has (a candidate whose chain runs past the end is rejected); a frame or
    // preface in progress is reported Truncated. Later feed()/gap() calls are ignored.
    void finish(TimestampNs ts, FrameSink& sink);

    const FrameDecoderStats& stats() const { return m_stats; }
    // Offset of the next byte expected (bytes fed + gap bytes).
    std::uint64_t offset() const { return m_offset; }
    bool synchronised() const { return m_state != State::Sync && m_state != State::Finished; }

  private:
    enum class State : std::uint8_t { Preface, Header, Payload, Skip, Sync, Finished };

    // Runs the state machine over p[0..n). Returns the bytes consumed: all of them unless
    // frame-sync search succeeded, which leaves m_sync[m_replayFrom..] to decode first.
    // `external`: p is caller input (appended to the sync window in bounded blocks), not a
    // replay of the sync window (appended whole, so nothing is left behind).
    std::size_t run(const std::uint8_t* p, std::size_t n, bool external, TimestampNs ts,
                    FrameSink& sink);
    std::size_t feedPreface(const std::uint8_t* p, std::size_t n, TimestampNs ts, FrameSink& sink);
    std::size_t feedSync(const std::uint8_t* p, std::size_t n, bool external, TimestampNs ts,
                         FrameSink& sink);
    // Index in m_sync of an accepted frame start, or npos (bytes before the first undecided
    // candidate are dropped as skipped).
    // final: the bytes end here (finish() or a gap): undecided candidates are rejected, a chain
    // ending exactly at the end is accepted, and every byte not accepted is dropped.
    std::size_t scanSync(bool final);
    void dropSyncFront(std::size_t n);
    void settleSync(TimestampNs ts, FrameSink& sink);
    void acceptSync(std::size_t found, TimestampNs ts, FrameSink& sink);
    void replayPending(TimestampNs ts, FrameSink& sink);
    void startFrame(const std::uint8_t* header, std::uint64_t offset, TimestampNs firstTs);
    void headerComplete(TimestampNs ts, FrameSink& sink);
    void emit(ByteSpan payload, TimestampNs ts, FrameSink& sink);
    // `carry`: bytes already seen that the search must look at again; `dropped`: bytes already
    // given up before them (counted as skipped); `segmentStart`: the next byte starts a segment.
    void enterSync(const std::uint8_t* carry, std::size_t n, TimestampNs ts,
                   std::uint64_t dropped = 0, bool segmentStart = false);
    std::uint32_t syncMaxLength() const;

    Limits m_limits;
    std::uint32_t m_maxFrameSize = kDefaultMaxFrameSize;
    State m_state = State::Header;
    std::uint64_t m_offset = 0;  // stream offset of the next byte to feed
    std::array<std::uint8_t, kFrameHeaderSize> m_header{};
    std::size_t m_headerHave = 0;
    TimestampNs m_headerTs = 0;  // time of the packet with the header's first byte
    std::size_t m_prefaceHave = 0;
    Bytes m_payload;  // straddling payload, m_payload.size() bytes so far
    std::uint64_t m_skipRemaining = 0;
    Bytes m_sync;                     // frame-sync search window
    std::uint64_t m_syncStart = 0;    // stream offset of m_sync[0]
    std::uint64_t m_syncSkipped = 0;  // bytes dropped by the current search
    // Arrivals in the sync window: bytes from `offset` on came with a packet of time `ts`.
    struct SyncTime {
        std::uint64_t offset;
        TimestampNs ts;
    };
    std::vector<SyncTime> m_syncTimes;
    bool m_syncAtSegmentStart = false;  // m_sync[0] (nothing skipped yet) starts a segment
    bool m_replayPending = false;       // sync found: decode m_sync[m_replayFrom..] next
    std::size_t m_replayFrom = 0;
    Frame m_frame;  // reused so settings/origins keep their capacity
    FrameDecoderStats m_stats;
};

}  // namespace h2lens
