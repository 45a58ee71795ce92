#include "models/timeline_data.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <map>

namespace h2lens::gui {

int TimelineData::laneOfStream(std::uint32_t streamId) const {
    for (std::size_t i = 0; i < lanes.size(); ++i) {
        if (lanes[i].kind != LaneKind::Tcp && lanes[i].streamId == streamId)
            return static_cast<int>(i);
    }
    return -1;
}

namespace {

// How badly a stream went: 3 reset, refused, incomplete or with an anomaly; 2 a 5xx or a gRPC
// error status; 1 a 4xx; 0 fine.
int trouble(const StreamRecord& r, bool anomaly) {
    if (anomaly || r.end != StreamEnd::Complete) return 3;
    std::string status, grpc;
    if (r.response) {
        status = r.response->value(":status");
        grpc = r.response->value("grpc-status");  // trailers-only
    }
    if (r.responseTrailers && grpc.empty()) grpc = r.responseTrailers->value("grpc-status");
    if (!status.empty() && status[0] == '5') return 2;
    if (!grpc.empty() && grpc != "0") return 2;
    if (!status.empty() && status[0] == '4') return 1;
    return 0;
}

// Stream lanes (from index 2 on) in priority order; the TCP and connection lanes stay first.
void orderByPriority(TimelineData& t, bool tree) {
    std::vector<TimelineLane> streams(std::make_move_iterator(t.lanes.begin() + 2),
                                      std::make_move_iterator(t.lanes.end()));
    t.lanes.resize(2);
    if (!tree) {
        std::stable_sort(
            streams.begin(), streams.end(), [](const TimelineLane& a, const TimelineLane& b) {
                auto key = [](const TimelineLane& l) {
                    return l.priority ? std::pair(l.priority->urgency, l.priority->incremental)
                                      : std::pair<std::uint8_t, bool>(3, false);
                };
                return key(a) < key(b);
            });
        for (TimelineLane& l : streams) t.lanes.push_back(std::move(l));
        return;
    }
    // Depth first from stream 0; a stream whose parent has no lane hangs from the root.
    std::map<std::uint32_t, std::size_t> laneOf;
    for (std::size_t i = 0; i < streams.size(); ++i) laneOf[streams[i].streamId] = i;
    std::map<std::uint32_t, std::vector<std::size_t>> children;
    for (std::size_t i = 0; i < streams.size(); ++i) {
        std::uint32_t parent = streams[i].priority ? streams[i].priority->parent : 0;
        if (!laneOf.count(parent) || parent == streams[i].streamId) parent = 0;
        children[parent].push_back(i);
    }
    for (auto& [parent, list] : children) {
        std::stable_sort(list.begin(), list.end(), [&](std::size_t a, std::size_t b) {
            const int wa = streams[a].priority ? streams[a].priority->weight : 16;
            const int wb = streams[b].priority ? streams[b].priority->weight : 16;
            return wa > wb;
        });
    }
    std::vector<bool> placed(streams.size(), false);
    std::vector<std::pair<std::size_t, int>> stack;  // lane, depth
    auto pushChildren = [&](std::uint32_t parent, int depth) {
        auto it = children.find(parent);
        if (it == children.end()) return;
        for (auto k = it->second.rbegin(); k != it->second.rend(); ++k)
            stack.emplace_back(*k, depth);
    };
    pushChildren(0, 0);
    while (!stack.empty()) {
        const auto [i, depth] = stack.back();
        stack.pop_back();
        if (placed[i]) continue;
        placed[i] = true;
        streams[i].depth = depth;
        const std::uint32_t id = streams[i].streamId;
        t.lanes.push_back(std::move(streams[i]));
        pushChildren(id, depth + 1);
    }
    for (std::size_t i = 0; i < streams.size(); ++i) {  // a cycle cannot happen; be safe
        if (!placed[i]) t.lanes.push_back(std::move(streams[i]));
    }
}

}  // namespace

// The priority of `stream` as the connection's tree has it at the end (or its record says, while
// the connection is still open), when the client signalled any.
std::optional<StreamPriority> streamPriority(const ConnectionData& c, const StreamData* s,
                                             std::uint32_t stream) {
    if (c.done && c.summary.priorities.signalled()) {
        const PriorityNode* n = c.summary.priorities.find(stream);
        if (!n || (!n->rfc7540 && !n->rfc9218)) return std::nullopt;
        StreamPriority p;
        p.parent = n->parent;
        p.weight = n->weight;
        p.exclusive = n->exclusive;
        p.urgency = n->urgency.urgency;
        p.incremental = n->urgency.incremental;
        p.rfc7540 = n->rfc7540;
        p.rfc9218 = n->rfc9218;
        p.inTree = true;
        return p;
    }
    if (s && (s->rec.priority.rfc7540 || s->rec.priority.rfc9218)) return s->rec.priority;
    return std::nullopt;
}

std::string priorityText(const StreamPriority& p) {
    std::string s;
    if (p.rfc7540) {
        s = fmt::format("weight {} on {}{}", p.weight,
                        p.parent == 0 ? "root" : std::to_string(p.parent),
                        p.exclusive ? ", exclusive" : "");
    }
    if (p.rfc9218) {
        s += fmt::format("{}urgency {}{}", s.empty() ? "" : "; ", p.urgency,
                         p.incremental ? ", incremental" : "");
    }
    return s;
}

double priorityStrength(const StreamPriority& p) {
    if (p.rfc9218 && !p.rfc7540) return (7.0 - std::min<int>(p.urgency, 7)) / 7.0;
    return std::clamp(p.weight / 256.0, 0.0, 1.0);
}

TimelineData buildTimeline(const CaptureStore& store, int connIndex, LaneOrder order) {
    TimelineData t;
    if (connIndex < 0 || connIndex >= static_cast<int>(store.connections().size())) return t;
    const ConnectionData& c = store.connections()[connIndex];
    t.connIndex = connIndex;
    t.framesSeen = c.frames.size();
    t.streamsSeen = c.streams.size();
    // The view fits the HTTP/2 activity (frames), not the idle TCP handshake before it.
    t.begin = c.frames.empty() ? c.firstTs : c.frames.front().ts;
    t.end = c.frames.empty() ? c.lastTs : c.frames.front().ts;
    for (const FrameMark& f : c.frames) {
        t.begin = std::min(t.begin, f.ts);
        t.end = std::max(t.end, f.ts);
    }
    if (t.end <= t.begin) t.end = t.begin + 1;

    TimelineLane tcp;
    tcp.kind = LaneKind::Tcp;
    tcp.label = "TCP";
    for (std::uint32_t i = 0; i < c.tcp.size(); ++i) tcp.marks.push_back(i);
    std::stable_sort(tcp.marks.begin(), tcp.marks.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return c.tcp[a].ts < c.tcp[b].ts; });
    t.lanes.push_back(std::move(tcp));

    TimelineLane conn;
    conn.kind = LaneKind::Connection;
    conn.label = "connection";
    conn.open = c.firstTs;
    conn.close = t.end;
    t.lanes.push_back(std::move(conn));

    std::map<std::uint32_t, std::size_t> laneOf;  // stream id -> lane
    for (std::uint32_t i = 0; i < c.frames.size(); ++i) {
        const FrameMark& f = c.frames[i];
        if (f.streamId == 0) {
            t.lanes[1].marks.push_back(i);
            continue;
        }
        auto [it, added] = laneOf.try_emplace(f.streamId, t.lanes.size());
        if (added) {
            TimelineLane l;
            l.streamId = f.streamId;
            l.open = f.ts;
            t.lanes.push_back(std::move(l));
        }
        TimelineLane& l = t.lanes[it->second];
        l.marks.push_back(i);
        l.messages = l.messages || f.type == 0x0 || f.type == 0x1 || f.type == 0x5;
        l.open = std::min(l.open, f.ts);
        l.close = std::max(l.close, f.ts);
    }
    for (std::size_t li = 1; li < t.lanes.size(); ++li) {
        TimelineLane& l = t.lanes[li];
        std::stable_sort(l.marks.begin(), l.marks.end(), [&](std::uint32_t a, std::uint32_t b) {
            return c.frames[a].ts < c.frames[b].ts;
        });
        if (l.kind != LaneKind::Stream) continue;
        const StreamData* s = store.stream(c.info.id, l.streamId);
        std::string method, path, status;
        if (s) {
            const StreamRecord& r = s->rec;
            if (r.request) {
                method = r.request->value(":method");
                path = r.request->value(":path");
            }
            if (r.response) status = r.response->value(":status");
            if (r.requestStart) l.open = std::min(l.open, *r.requestStart);
            if (r.closed) {
                l.close = std::max(l.close, *r.closed);
                l.closed = true;
            }
            l.problem = trouble(r, false) >= 2;
        }
        l.priority = streamPriority(c, s, l.streamId);
        l.label =
            fmt::format("{}{} {} {}", l.streamId, s && s->rec.pushed ? " push" : "", method, path);
        if (!status.empty()) l.label += " " + status;
        if (method.empty() && path.empty()) {
            bool onlyPriority = true;
            for (std::uint32_t k : l.marks) onlyPriority = onlyPriority && c.frames[k].type == 0x2;
            if (onlyPriority) l.label = fmt::format("{} (PRIORITY only)", l.streamId);
        }
    }
    if (order == LaneOrder::Priority) {
        bool any7540 = false, any9218 = false;
        for (const TimelineLane& l : t.lanes) {
            if (!l.priority) continue;
            any7540 = any7540 || l.priority->rfc7540;
            any9218 = any9218 || l.priority->rfc9218;
        }
        // A server that turned RFC 7540 priorities off (SETTINGS_NO_RFC7540_PRIORITIES) follows
        // urgency; so does a client that only sent RFC 9218 signals.
        const bool tree = any7540 && !(c.done && c.summary.priorities.serverNoRfc7540() && any9218);
        if (any7540 || any9218) orderByPriority(t, tree);
    }
    if (c.done) {
        for (const PingRecord& p : c.summary.pings) {
            if (p.ackTs) t.pings.push_back({p.ts, *p.ackTs, p.from});
        }
    }
    return t;
}

std::pair<TimestampNs, TimestampNs> streamActivitySpan(const TimelineData& t) {
    bool any = false, messages = false;
    for (const TimelineLane& l : t.lanes) messages = messages || l.messages;
    TimestampNs b = 0, e = 0;
    for (const TimelineLane& l : t.lanes) {
        if (l.kind != LaneKind::Stream || (messages && !l.messages)) continue;
        b = any ? std::min(b, l.open) : l.open;
        e = any ? std::max(e, l.close) : l.close;
        any = true;
    }
    if (!any) return {t.begin, t.end};
    return {b, std::max(e, b + 1)};
}

std::uint32_t interestingStream(const CaptureStore& store, int connIndex) {
    if (connIndex < 0 || connIndex >= static_cast<int>(store.connections().size())) return 0;
    const ConnectionData& c = store.connections()[connIndex];
    std::vector<std::uint32_t> withAnomaly;
    for (const Anomaly& a : c.anomalies) {
        if (a.streamId) withAnomaly.push_back(a.streamId);
    }
    auto startOf = [](const StreamRecord& r) -> TimestampNs {
        if (r.requestStart) return *r.requestStart;
        if (r.request) return r.request->ts;
        return r.responseStart.value_or(0);
    };
    const StreamData* worst = nullptr;
    int worstTrouble = 0;
    const StreamData* slowest = nullptr;
    TimestampNs longest = -1;
    for (std::size_t i : c.streams) {
        const StreamData& s = store.streams()[i];
        const StreamRecord& r = s.rec;
        const bool anomaly =
            std::find(withAnomaly.begin(), withAnomaly.end(), r.id) != withAnomaly.end();
        const int t = trouble(r, anomaly);
        if (t > worstTrouble || (t > 0 && t == worstTrouble && startOf(r) < startOf(worst->rec))) {
            worst = &s;
            worstTrouble = t;
        }
        const TimestampNs d = r.closed ? *r.closed - startOf(r) : 0;
        if (d > longest) {
            longest = d;
            slowest = &s;
        }
    }
    if (worst) return worst->rec.id;
    return slowest ? slowest->rec.id : 0;
}

SeriesRange seriesRange(const WindowSeries& s, TimestampNs t0, TimestampNs t1) {
    SeriesRange r;
    if (s.points.empty()) return r;
    auto it = std::upper_bound(s.points.begin(), s.points.end(), t0,
                               [](TimestampNs v, const WindowPoint& p) { return v < p.ts; });
    if (it != s.points.begin()) --it;
    double lo = static_cast<double>(it->value), hi = lo;
    for (; it != s.points.end() && it->ts <= t1; ++it) {
        lo = std::min(lo, static_cast<double>(it->value));
        hi = std::max(hi, static_cast<double>(it->value));
    }
    if (hi <= lo) {  // constant: centred, zero in view
        r.lo = std::min(0.0, lo);
        r.hi = std::max(1.0, hi) * (hi > 0 ? 2 : 1);
        if (r.hi <= r.lo) r.hi = r.lo + 1;
        return r;
    }
    if (lo <= 0 || lo <= 0.25 * hi) {
        r.lo = std::min(0.0, lo);
        r.hi = hi;
    } else {
        r.lo = lo;
        r.hi = hi;
        r.zeroBased = false;
    }
    return r;
}

TimestampNs markTime(const ConnectionData& c, const TimelineLane& lane, std::size_t i) {
    return lane.kind == LaneKind::Tcp ? c.tcp[lane.marks[i]].ts : c.frames[lane.marks[i]].ts;
}

std::pair<std::size_t, std::size_t> visibleMarks(const ConnectionData& c, const TimelineLane& lane,
                                                 TimestampNs t0, TimestampNs t1) {
    auto lower = [&](TimestampNs t) {
        std::size_t lo = 0, hi = lane.marks.size();
        while (lo < hi) {
            const std::size_t mid = (lo + hi) / 2;
            if (markTime(c, lane, mid) < t)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    };
    return {lower(t0), lower(t1)};
}

WindowChartData windowChartData(const ConnectionData& c, const StreamData* stream) {
    WindowChartData d;
    for (int i = 0; i < 2; ++i) {
        WindowSeries s;
        s.label = fmt::format("conn {}", i == 0 ? "C→S" : "S→C");
        s.sender = static_cast<Direction>(i);
        s.connectionLevel = true;
        if (c.done) s.points = c.summary.connectionWindow[i];
        d.series.push_back(std::move(s));
    }
    if (stream) {
        for (int i = 0; i < 2; ++i) {
            WindowSeries s;
            s.label = fmt::format("stream {} {}", stream->rec.id, i == 0 ? "C→S" : "S→C");
            s.sender = static_cast<Direction>(i);
            s.connectionLevel = false;
            s.points = stream->rec.window[i];
            d.series.push_back(std::move(s));
        }
    }
    if (c.done) {
        for (const FlowStall& st : c.summary.stalls) {
            if (st.streamId == 0 || (stream && st.streamId == stream->rec.id))
                d.stalls.push_back(st);
        }
    }
    return d;
}

}  // namespace h2lens::gui
