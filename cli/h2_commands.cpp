#include "h2_commands.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "common_options.h"
#include "export/body_text.h"
#include "export/json_text.h"
#include "export/stream_row_json.h"
#include "export/transcript_json.h"
#include "frame_text.h"
#include "h2/connection_engine.h"
#include "h2/names.h"
#include "view_options.h"

namespace h2lens::cli {

namespace {

struct Selection {
    std::optional<std::uint64_t> conn;
    std::optional<std::uint32_t> stream;
    bool matches(std::uint64_t c) const { return !conn || *conn == c; }
    bool matches(std::uint64_t c, std::uint32_t s) const {
        return matches(c) && (!stream || *stream == s);
    }
};

void addSelectionOptions(CLI::App& sub, Selection& f) {
    sub.add_option("--conn", f.conn, "only this connection (the id `flows` shows)");
    sub.add_option("--stream", f.stream, "only this stream id");
}

bool useColor(const std::string& when) {
    return when == "always" || (when == "auto" && isatty(STDOUT_FILENO));
}

// Frames of a stream can only be judged by a display filter once the stream is done (its
// status, duration, ...): their lines wait here, in capture order, and are written or dropped
// when their stream is. Lines of streams already judged, and of the connection (stream 0, judged
// as a stream with no headers), never wait. Without a filter nothing waits at all.
class FrameLines {
  public:
    FrameLines(const StreamFilter& filter, const FilterFront& front)
        : m_filter(filter), m_front(front) {}

    void add(std::uint64_t conn, std::uint32_t stream, std::string text) {
        if (m_filter.empty()) return write(text);
        std::optional<bool> verdict;
        if (stream == 0) {
            StreamRecord none;
            verdict = judge(conn, none);
        } else if (auto it = m_verdicts.find({conn, stream}); it != m_verdicts.end()) {
            verdict = it->second;
        }
        if (verdict && m_waiting.empty()) {
            if (*verdict) write(text);
            return;
        }
        if (verdict && !*verdict) return;
        m_waiting.push_back({conn, stream, std::move(text), verdict});
        if (!verdict) ++m_open[{conn, stream}];
    }

    void streamDone(std::uint64_t conn, const StreamRecord& s) {
        if (m_filter.empty()) return;
        const bool keep = judge(conn, s);
        m_verdicts[{conn, s.id}] = keep;
        if (m_open.erase({conn, s.id}) == 0) return;
        for (Line& l : m_waiting) {
            if (!l.verdict && l.conn == conn && l.stream == s.id) l.verdict = keep;
        }
        drain();
    }

    // End of input: frames of streams that never opened (PRIORITY on an idle stream) are
    // judged, like stream 0, as a stream without headers.
    void finish() {
        for (Line& l : m_waiting) {
            if (l.verdict) continue;
            StreamRecord idle;
            idle.id = l.stream;
            l.verdict = judge(l.conn, idle);
        }
        drain();
    }

  private:
    struct Line {
        std::uint64_t conn;
        std::uint32_t stream;
        std::string text;
        std::optional<bool> verdict;
    };

    bool judge(std::uint64_t conn, const StreamRecord& s) const { return m_front.judge(conn, s); }
    void drain() {
        while (!m_waiting.empty() && m_waiting.front().verdict) {
            if (*m_waiting.front().verdict) write(m_waiting.front().text);
            m_waiting.pop_front();
        }
    }
    static void write(const std::string& text) { std::fwrite(text.data(), 1, text.size(), stdout); }

    const StreamFilter& m_filter;
    const FilterFront& m_front;
    std::deque<Line> m_waiting;
    std::map<std::pair<std::uint64_t, std::uint32_t>, std::size_t> m_open;
    std::map<std::pair<std::uint64_t, std::uint32_t>, bool> m_verdicts;
};

struct FramesArgs {
    Selection selection;
    ViewOptions view;
    bool json = false;
    std::string color = "auto";
    std::vector<std::string> redact;
};

class FramePrinter final : public H2Listener {
  public:
    FramePrinter(const FramesArgs& args, const FilterFront& front)
        : m_args(args),
          m_redactor(args.redact),
          m_style{&m_redactor, useColor(args.color) && !args.json},
          m_time(args.view.time),
          m_lines(args.view.filter, front) {
        m_context.redactor = m_redactor;
    }
    void setAnalyzer(const Analyzer* a) { m_analyzer = a; }
    void onFrame(const FrameEvent& ev) override {
        const Frame& f = *ev.frame;
        if (!m_args.selection.matches(ev.conn->id, f.streamId)) return;
        const TimestampNs base = m_analyzer->stats().firstTs;
        ++m_shown;
        if (m_args.json) {
            m_context.base = base;
            m_lines.add(
                ev.conn->id, f.streamId,
                frameJson(ev, m_context).dump(-1, ' ', false, Json::error_handler_t::replace) +
                    "\n");
            return;
        }
        m_time.setBase(base);
        m_lines.add(ev.conn->id, f.streamId, frameText(ev, m_time(f.ts), m_style));
    }
    void onAnomaly(const ConnectionInfo& c, const Anomaly& a) override {
        if (!m_args.selection.matches(c.id) || m_args.json) return;
        m_time.setBase(m_analyzer->stats().firstTs);
        m_lines.add(c.id, a.streamId, anomalyText(c, a, m_time(a.ts), m_style));
    }
    void onStreamDone(const ConnectionInfo& c, const StreamRecord& s) override {
        m_lines.streamDone(c.id, s);
    }
    void finish() { m_lines.finish(); }
    std::uint64_t shown() const { return m_shown; }

  private:
    const FramesArgs& m_args;
    Redactor m_redactor;
    FrameTextStyle m_style;
    TimeText m_time;
    FrameLines m_lines;
    const Analyzer* m_analyzer = nullptr;
    ExportOptions m_exportOptions;
    JsonContext m_context{&m_exportOptions, Redactor{}, 0};
    std::uint64_t m_shown = 0;
};

struct StreamRow {
    ConnectionInfo info;
    StreamRecord s;
    std::uint64_t order;  // completion order
};

// What a row keeps of a finished stream: `streams` holds one row per stream until the end (to
// sort them), and the whole record (every header field with its HPACK details, the window
// series) was about 3 KB a row, so memory grew with the capture. The table prints only
// pseudo-header fields; --json prints every field, still without the window series.
StreamRecord rowRecord(const StreamRecord& s, bool allHeaders) {
    StreamRecord r = s;
    for (auto& series : r.window) std::vector<WindowPoint>().swap(series);
    auto prune = [allHeaders](HeaderBlock& b) {
        if (!allHeaders)
            std::erase_if(b.fields, [](const HeaderField& f) { return !f.name.starts_with(':'); });
        b.fields.shrink_to_fit();
    };
    for (auto* b : {&r.request, &r.response, &r.requestTrailers, &r.responseTrailers})
        if (*b) prune(**b);
    for (HeaderBlock& b : r.informational) prune(b);
    return r;
}

struct StreamsArgs {
    Selection selection;
    ViewOptions view;
    bool json = false;
    std::string sort = "conn";
    std::vector<std::string> redact;
    bool priority = false;  // --priority: the priority column (docs/priority.md)
};

// The --priority cell: RFC 7540 weight, parent, exclusive and/or RFC 9218 urgency, incremental;
// "-" on connections without priority signals (every stream has the defaults there).
std::string priorityCell(const StreamRecord& s) {
    const StreamPriority& p = s.priority;
    if (!p.inTree) return "-";
    std::string out;
    if (p.rfc7540 || !p.rfc9218) {
        out = fmt::format("w={} p={}{}", p.weight, p.parent, p.exclusive ? " x" : "");
    }
    if (p.rfc9218) {
        out +=
            fmt::format("{}u={}{}", out.empty() ? "" : " ", p.urgency, p.incremental ? " i" : "");
    }
    return out;
}

class StreamCollector final : public H2Listener {
  public:
    StreamCollector(const StreamsArgs& args, const FilterFront& front)
        : m_args(args), m_front(front) {}
    void onStreamDone(const ConnectionInfo& c, const StreamRecord& s) override {
        if (!m_args.selection.matches(c.id, s.id)) return;
        if (m_front.judge(c.id, s)) rows.push_back({c, rowRecord(s, m_args.json), rows.size()});
    }
    void onConnectionDone(const ConnectionInfo& c, const ConnectionSummary& sum) override {
        if (m_args.selection.matches(c.id)) {
            connections.push_back(
                {c, sum.detection, sum.detectionDetail, sum.anomalies, sum.tlsDecrypted});
        }
    }
    struct Conn {
        ConnectionInfo info;
        Http2Detection detection;
        std::string detail;
        std::uint64_t anomalies;
        bool decrypted;
    };
    std::deque<StreamRow> rows;  // grows without copying what it holds
    std::vector<Conn> connections;

  private:
    const StreamsArgs& m_args;
    const FilterFront& m_front;
};

std::optional<TimestampNs> rowStart(const StreamRecord& s) {
    if (s.requestStart) return s.requestStart;
    if (s.request) return s.request->ts;
    return s.responseStart;
}

std::optional<TimestampNs> rowDuration(const StreamRecord& s) {
    if (s.closed && s.requestStart) return *s.closed - *s.requestStart;
    return std::nullopt;
}

// --sort: the order of the rows; ties keep connection, then start, then stream id.
// Sorts pointers, not rows: a row is hundreds of bytes, and stable_sort copies into a buffer.
std::vector<const StreamRow*> sortRows(const std::deque<StreamRow>& all, const std::string& key) {
    std::vector<const StreamRow*> rows;
    rows.reserve(all.size());
    for (const StreamRow& r : all) rows.push_back(&r);
    auto byConnStart = [](const StreamRow& a, const StreamRow& b) {
        if (a.info.id != b.info.id) return a.info.id < b.info.id;
        const auto sa = rowStart(a.s), sb = rowStart(b.s);
        if (sa != sb) return sa < sb;  // streams without a start come first, as nullopt sorts
        return a.s.id < b.s.id;
    };
    std::function<bool(const StreamRow&, const StreamRow&)> less = byConnStart;
    auto lessPtr = [&less](const StreamRow* a, const StreamRow* b) { return less(*a, *b); };
    if (key == "start") {
        less = [&](const StreamRow& a, const StreamRow& b) {
            const auto sa = rowStart(a.s), sb = rowStart(b.s);
            if (sa != sb) return sa < sb;
            return byConnStart(a, b);
        };
    } else if (key == "duration") {
        less = [&](const StreamRow& a, const StreamRow& b) {
            const auto da = rowDuration(a.s), db = rowDuration(b.s);
            if (da != db) return da > db;  // longest first, unknown last
            return byConnStart(a, b);
        };
    } else if (key == "bytes") {
        less = [&](const StreamRow& a, const StreamRow& b) {
            const auto ba = a.s.requestBodyBytes + a.s.responseBodyBytes;
            const auto bb = b.s.requestBodyBytes + b.s.responseBodyBytes;
            if (ba != bb) return ba > bb;
            return byConnStart(a, b);
        };
    } else if (key == "status") {
        less = [&](const StreamRow& a, const StreamRow& b) {
            const auto sa = streamStatus(a.s), sb = streamStatus(b.s);
            if (sa != sb) return sa < sb;
            return byConnStart(a, b);
        };
    } else if (key == "end") {
        less = [](const StreamRow& a, const StreamRow& b) { return a.order < b.order; };
    }
    std::stable_sort(rows.begin(), rows.end(), lessPtr);
    return rows;
}

bool decodedHttp2(const StreamCollector::Conn& c) {
    return c.detection == Http2Detection::PriorKnowledge ||
           c.detection == Http2Detection::Upgrade || c.detection == Http2Detection::MidStream ||
           (c.detection == Http2Detection::Tls && c.decrypted);
}

}  // namespace

void addFramesCommand(CLI::App& app, CommonOptions& common) {
    auto* sub = app.add_subcommand("frames", "every HTTP/2 frame, one per line (like nghttp -v)");
    addCaptureOptions(*sub, common);
    auto args = std::make_shared<FramesArgs>();
    addSelectionOptions(*sub, args->selection);
    addDisplayFilterOption(*sub, args->view);
    addTimeFormatOption(*sub, args->view);
    sub->add_flag("--json", args->json, "one JSON object per frame per line (JSON Lines)");
    sub->add_option("--color", args->color,
                    "colour: auto (only on a terminal), always, never; requests cyan, responses "
                    "green, anomalies yellow")
        ->check(CLI::IsMember({"auto", "always", "never"}))
        ->capture_default_str();
    sub->add_option("--redact", args->redact,
                    "header names whose values are replaced by [REDACTED] (e.g. "
                    "authorization,cookie)")
        ->delimiter(',');
    sub->callback([&common, args] {
        args->view.prepare();
        FilterFront front(args->view.filter);
        FramePrinter printer(*args, front);
        FramePrinter* p = &printer;
        DecodeSession session(common.session(), front.attach(printer));
        p->setAnalyzer(&session.analyzer());
        const RunResult run = runCapture(common.run, session);
        p->finish();
        requireConnection(session, args->selection.conn);
        common.exitCode = exitCodeFor(common.run, run, session.tally());
    });
}

void addStreamsCommand(CLI::App& app, CommonOptions& common) {
    auto* sub = app.add_subcommand("streams", "one row per HTTP/2 stream");
    addCaptureOptions(*sub, common);
    auto args = std::make_shared<StreamsArgs>();
    addSelectionOptions(*sub, args->selection);
    addDisplayFilterOption(*sub, args->view);
    addTimeFormatOption(*sub, args->view);
    sub->add_flag("--json", args->json, "a JSON array of streams instead of a table");
    sub->add_option("--sort", args->sort,
                    "row order: conn (connection, then start), start, duration (longest "
                    "first), bytes (most first), status, end (as the streams finished)")
        ->check(CLI::IsMember({"conn", "start", "duration", "bytes", "status", "end"}))
        ->capture_default_str();
    sub->add_option("--redact", args->redact,
                    "header names whose values are replaced by [REDACTED] in --json")
        ->delimiter(',');
    sub->add_flag("--priority", args->priority,
                  "a priority column before end: RFC 7540 w=weight p=parent (x: exclusive), RFC "
                  "9218 u=urgency (i: incremental), as in force when the stream ended");
    sub->callback([&common, args] {
        args->view.prepare();
        FilterFront front(args->view.filter);
        StreamCollector collector(*args, front);
        DecodeSession session(common.session(), front.attach(collector));
        const RunResult run = runCapture(common.run, session);
        requireConnection(session, args->selection.conn);
        common.exitCode = exitCodeFor(common.run, run, session.tally());
        const std::vector<const StreamRow*> rows = sortRows(collector.rows, args->sort);
        const bool keyLogGiven = !common.keylogPath.empty() || session.keys().acceptedLines() > 0;
        const TimestampNs base = session.stats().firstTs;
        const Redactor redactor(args->redact);
        if (args->json) {
            // One row at a time, as `[...]`.dump(2) writes the whole array: no tree of every row.
            std::string text = "[";
            for (const StreamRow* row : rows) {
                const auto& [info, s, order] = *row;
                Json j = streamRowJson(info, s, base, redactor);
                if (args->priority && s.priority.inTree) {
                    j["priority"] = {{"parent", s.priority.parent},
                                     {"weight", s.priority.weight},
                                     {"exclusive", s.priority.exclusive},
                                     {"urgency", s.priority.urgency},
                                     {"incremental", s.priority.incremental}};
                }
                text += row == rows.front() ? "\n  " : ",\n  ";
                appendJson(text, j, 2, 1);
                if (text.size() >= (1u << 20)) {
                    std::fwrite(text.data(), 1, text.size(), stdout);
                    text.clear();
                }
            }
            text += rows.empty() ? "]\n" : "\n]\n";
            std::fwrite(text.data(), 1, text.size(), stdout);
            return;
        }
        TimeText time(args->view.time);
        time.setBase(base);
        const std::string startHeading = args->view.time == TimeFormat::Relative ? "start s"
                                         : args->view.time == TimeFormat::Delta  ? "delta s"
                                                                                 : "start";
        const std::size_t startWidth = std::max<std::size_t>(10, time.blank().size());
        if (!collector.rows.empty()) {
            fmt::print("{:>4} {:>6}  {:<7} {:<22} {:<40} {:>6} {:>9} {:>10} {:>{}} {:>9}{}  {}\n",
                       "conn", "stream", "method", "authority", "path", "status", "req bytes",
                       "resp bytes", startHeading, startWidth, "dur ms",
                       args->priority ? fmt::format("  {:<16}", "priority") : "", "end");
        }
        for (const StreamRow* row : rows) {
            const auto& [info, s, order] = *row;
            auto v = [](const std::optional<HeaderBlock>& b, std::string_view n) {
                return b ? std::string(b->value(n)) : std::string();
            };
            std::string path = v(s.request, ":path");
            if (path.size() > 40) path = path.substr(0, 37) + "...";
            const std::string end = streamEndColumn(s);
            fmt::print("{:>4} {:>6}  {:<7} {:<22} {:<40} {:>6} {:>9} {:>10} {:>{}} {:>9}{}  {}\n",
                       info.id, s.id, v(s.request, ":method"), v(s.request, ":authority"), path,
                       v(s.response, ":status"), s.requestBodyBytes, s.responseBodyBytes,
                       s.requestStart ? time(*s.requestStart) : std::string("-"), startWidth,
                       rowDuration(s)
                           ? fmt::format("{:.3f}", static_cast<double>(*rowDuration(s)) / 1e6)
                           : "-",
                       args->priority ? fmt::format("  {:<16}", priorityCell(s)) : "", end);
        }
        if (collector.rows.empty()) {
            fmt::print("no HTTP/2 stream{}\n",
                       args->view.filter.empty() && !args->selection.stream ? "" : " matches");
        }
        // With a display filter the table is about streams; connections without HTTP/2 have none.
        if (!args->view.filter.empty()) return;
        for (const auto& c : collector.connections) {
            if (decodedHttp2(c)) continue;
            fmt::print("conn {} {} -> {}: {}{}\n", c.info.id, c.info.client.toString(),
                       c.info.server.toString(), detectionName(c.detection),
                       c.detail.empty() ? "" : " (" + withKeyLogHint(c.detail, keyLogGiven) + ")");
        }
    });
}

}  // namespace h2lens::cli
