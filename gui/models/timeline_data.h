#pragma once
// The timeline of one connection as lanes of marks, built from the store (no painting here, so
// tests check it against the decoder): a TCP lane (retransmissions, out-of-order, gaps, SYN/FIN/
// RST), a connection lane (stream 0: SETTINGS, PING, GOAWAY, WINDOW_UPDATE), then one lane per
// stream in order of first frame, spanning open to close.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/capture_store.h"

namespace h2lens::gui {

enum class LaneKind : std::uint8_t { Tcp, Connection, Stream };

// Stream lanes in order of first frame, or as the client prioritised them: the RFC 7540 tree
// depth first (heavier siblings first) or RFC 9218 urgency (0 first), whichever it used.
enum class LaneOrder : std::uint8_t { FirstFrame, Priority };

struct TimelineLane {
    LaneKind kind = LaneKind::Stream;
    std::uint32_t streamId = 0;
    std::string label;
    TimestampNs open = 0;   // stream lanes: first frame or request start
    TimestampNs close = 0;  // stream lanes: close, or the last frame while still open
    bool closed = false;
    bool problem = false;   // reset, refused, incomplete, a 5xx or a gRPC error status
    bool messages = false;  // carries HEADERS or DATA (not only PRIORITY, RST_STREAM, ...)
    // Sorted by time: indexes into ConnectionData::frames (or ::tcp for the TCP lane).
    std::vector<std::uint32_t> marks;
    // What the client asked for this stream (the connection's final tree once it ended), when
    // it sent any priority signal; `depth` is its depth in the RFC 7540 tree (0: on stream 0).
    std::optional<StreamPriority> priority;
    int depth = 0;
};

struct PingSpan {
    TimestampNs sent = 0;
    TimestampNs acked = 0;
    Direction from = Direction::ClientToServer;
};

struct TimelineData {
    int connIndex = -1;
    std::vector<TimelineLane> lanes;
    std::vector<PingSpan> pings;  // answered PINGs (RTT = acked - sent)
    TimestampNs begin = 0;
    TimestampNs end = 0;
    std::size_t framesSeen = 0;  // frames of the connection when built (rebuild when it grows)
    std::size_t streamsSeen = 0;
    int laneOfStream(std::uint32_t streamId) const;
};

TimelineData buildTimeline(const CaptureStore& store, int connIndex,
                           LaneOrder order = LaneOrder::FirstFrame);

// What the client asked for `stream` (`s` its record, may be null): the connection's final tree
// once it ended, else the record's; nothing when it sent no priority signal for it.
std::optional<StreamPriority> streamPriority(const ConnectionData& c, const StreamData* s,
                                             std::uint32_t stream);
// "weight 220 on 3, exclusive" (RFC 7540) and/or "urgency 1, incremental" (RFC 9218).
std::string priorityText(const StreamPriority& p);
// 0..1: how strongly the stream was favoured (weight/256, or (7 - urgency)/7), for the tint.
double priorityStrength(const StreamPriority& p);

// Where the streams are: from the first stream lane's open to the last one's close, counting the
// lanes that carry messages (HEADERS or DATA; all stream lanes when none does). The connection
// lane is left out on purpose (late PINGs and a GOAWAY can stretch a connection to minutes while
// its streams all ran in its first seconds), and so are lanes of PRIORITY or a late RST_STREAM
// only; [begin, end] without stream lanes.
std::pair<TimestampNs, TimestampNs> streamActivitySpan(const TimelineData& t);

// The stream to show first in connection `connIndex`: the first (by start) of those that went
// worst (reset, refused, incomplete or with an anomaly; else a 5xx or a gRPC error status; else a
// 4xx), else the slowest (request start to close). 0: the connection has none.
std::uint32_t interestingStream(const CaptureStore& store, int connIndex);

// The marks of `lane` whose time lies in [t0, t1), as a half-open index range into lane.marks.
std::pair<std::size_t, std::size_t> visibleMarks(const ConnectionData& c, const TimelineLane& lane,
                                                 TimestampNs t0, TimestampNs t1);
TimestampNs markTime(const ConnectionData& c, const TimelineLane& lane, std::size_t i);

// Window chart of a connection and (optionally) one of its streams: send windows of both
// directions over time, and the zero-window stalls to shade.
struct WindowSeries {
    std::string label;
    Direction sender = Direction::ClientToServer;
    bool connectionLevel = true;
    std::vector<WindowPoint> points;
};
struct WindowChartData {
    std::vector<WindowSeries> series;
    std::vector<FlowStall> stalls;
};
WindowChartData windowChartData(const ConnectionData& c, const StreamData* stream);

// The value range a series is drawn on: every series has its own (a 2 GiB connection window
// beside a 64 KiB stream window leaves nothing readable on a shared axis). The range starts at 0
// (or the lowest value, when negative) unless the values stay far above 0: then it is
// [lowest, highest] (zeroBased false: the chart marks it and prints both ends), so a 1 GiB
// window that drains by 3 MiB is not a flat line. Either way values that vary span at least 3/4
// of the range.
struct SeriesRange {
    double lo = 0;
    double hi = 1;
    bool zeroBased = true;
};
// Only the values in force during [t0, t1] count (the one held at t0 included): zoomed in, the
// scale follows what is in view.
SeriesRange seriesRange(const WindowSeries& s, TimestampNs t0 = INT64_MIN,
                        TimestampNs t1 = INT64_MAX);

}  // namespace h2lens::gui
