#pragma once
// The timeline of one connection as lanes of marks, built from the store (no painting here, so
// tests check it against the decoder): a TCP lane (retransmissions, out-of-order, gaps, SYN/FIN/
// RST), a connection lane (stream 0: SETTINGS, PING, GOAWAY, WINDOW_UPDATE), then one lane per
// stream in order of first frame, spanning open to close.
#include <cstdint>
#include <string>
#include <vector>

#include "models/capture_store.h"

namespace h2lens::gui {

enum class LaneKind : std::uint8_t { Tcp, Connection, Stream };

struct TimelineLane {
    LaneKind kind = LaneKind::Stream;
    std::uint32_t streamId = 0;
    std::string label;
    TimestampNs open = 0;   // stream lanes: first frame or request start
    TimestampNs close = 0;  // stream lanes: close, or the last frame while still open
    bool closed = false;
    bool problem = false;  // reset, refused or incomplete
    // Sorted by time: indexes into ConnectionData::frames (or ::tcp for the TCP lane).
    std::vector<std::uint32_t> marks;
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

TimelineData buildTimeline(const CaptureStore& store, int connIndex);

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

}  // namespace h2lens::gui
