#pragma once
// The audit of one HTTP/2 connection: every detector of audit_thresholds.h, fed the
// connection's frames in capture order, its finished streams and, at the end, its summary.
// Memory is fixed per connection (rate windows of RateWindow::kSteps steps, one header block in
// progress per direction) except for the client's open streams, at most kMaxTrackedStreams.
#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "audit/audit_thresholds.h"
#include "audit/finding.h"
#include "audit/rate_window.h"
#include "common/limits.h"
#include "h2/h2_listener.h"

namespace h2lens {

struct ConnectionSummary;

class ConnectionAudit {
  public:
    static constexpr std::size_t kMaxTrackedStreams = 65536;
    static constexpr std::size_t kMaxPendingSettings = 32;
    // WINDOW_UPDATE increments up to this size are counted as dribbling (slow read's detail).
    static constexpr std::uint32_t kDribbleBytes = 1024;

    // `limits` are the decoder's: the report says what they cut.
    ConnectionAudit(const AuditThresholds& thresholds, const Limits& limits)
        : m_t(&thresholds),
          m_maxHeaderBlockBytes(limits.maxHeaderBlockBytes),
          m_maxHeaderListSize(limits.maxHeaderListSize) {}

    void frame(const FrameEvent& event);
    void streamDone(const StreamRecord& stream);
    void anomaly(const Anomaly& anomaly);
    // The findings, once the connection is over. `summary` gives the flow-control stalls.
    std::vector<Finding> finish(const ConnectionInfo& conn, const ConnectionSummary& summary);

  private:
    struct Block {  // the header block in progress of one direction
        bool open = false;
        std::uint32_t stream = 0;
        std::uint64_t continuations = 0;
        std::uint64_t bytes = 0;
        TimestampNs start = 0;
        bool counted = false;  // this block already crossed a threshold
    };
    struct ContinuationTrack {
        std::uint64_t frames = 0;      // CONTINUATION frames of this sender, all blocks
        std::uint64_t blocks = 0;      // blocks over a threshold
        std::uint64_t unfinished = 0;  // of those, blocks that never ended
        std::uint64_t peakFrames = 0;
        std::uint64_t peakBytes = 0;
        TimestampNs first = 0, last = 0;
    };
    struct HpackTrack {
        RateWindow decoded, wire;
        std::uint64_t blocks = 0;        // blocks at or above the ratio
        std::uint64_t cut = 0;           // blocks the decoder cut at Limits::maxHeaderListSize
        std::uint64_t largeIndexed = 0;  // references to table entries of 1 KiB or more
        std::uint64_t peak = 0;          // most decoded bytes in one window
        std::uint64_t decodedTotal = 0, wireTotal = 0;
        bool crossed = false, above = false;
        TimestampNs first = 0, last = 0;
    };
    struct StreamLimitTrack {
        std::uint64_t excess = 0;  // streams opened above the limit
        std::uint64_t peakOpen = 0;
        std::uint32_t limitAtPeak = 0;
        TimestampNs first = 0, last = 0;
    };

    void headerFragment(Direction dir, const Frame& f);
    void blockDone(Direction dir, const Frame& f, const HeaderBlock& headers);
    void openStream(const Frame& f);
    void reset(Direction dir, const Frame& f);
    void settings(Direction dir, const Frame& f);

    const AuditThresholds* m_t;
    std::uint64_t m_maxHeaderBlockBytes, m_maxHeaderListSize;
    std::array<std::uint64_t, 2> m_blocksCut{};  // HEADER_BLOCK_TOO_LARGE: blocks cut short
    std::array<Block, 2> m_block;
    std::array<ContinuationTrack, 2> m_continuation;
    std::array<HpackTrack, 2> m_hpack;
    RateTrack m_rapidResets;
    std::array<RateTrack, 2> m_resets, m_settings, m_pings, m_empty, m_priority;
    std::array<std::uint64_t, 2> m_smallWindowUpdates{};
    std::array<std::uint64_t, 2> m_windowUpdates{};
    // Client streams open now, with when they opened (for rapid reset and the stream limit).
    std::map<std::uint32_t, TimestampNs> m_open;
    std::uint64_t m_untracked = 0;  // opened while kMaxTrackedStreams were open
    std::uint32_t m_highestClientStream = 0;
    // The server's SETTINGS_MAX_CONCURRENT_STREAMS in force: a value takes effect when the
    // client acknowledges the SETTINGS that carried it (only then does the client know it).
    std::deque<std::optional<std::uint32_t>> m_pendingLimits;
    std::optional<std::uint32_t> m_limit;
    StreamLimitTrack m_streamLimit;
};

}  // namespace h2lens
