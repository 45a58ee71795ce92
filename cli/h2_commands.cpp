#include "h2_commands.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "common/plural.h"
#include "common_options.h"
#include "export/body_text.h"
#include "export/json_text.h"
#include "export/stream_row_json.h"
#include "export/transcript_json.h"
#include "frame_text.h"
#include "h2/connection_engine.h"
#include "h2/names.h"
#include "stream_rows.h"
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

struct StreamsArgs {
    Selection selection;
    ViewOptions view;
    bool json = false;
    std::string sort = "conn";
    std::vector<std::string> redact;
    bool priority = false;  // --priority: the priority column (docs/priority.md)
    std::size_t sortMemory = StreamRowStore::kDefaultBudget;
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

std::optional<TimestampNs> rowStart(const StreamRecord& s) {
    if (s.requestStart) return s.requestStart;
    if (s.request) return s.request->ts;
    return s.responseStart;
}

std::optional<TimestampNs> rowDuration(const StreamRecord& s) {
    if (s.closed && s.requestStart) return *s.closed - *s.requestStart;
    return std::nullopt;
}

// A table line: these columns, the start column (written when printed), then these.
constexpr const char* kColumnsBeforeStart = "{:>4} {:>6}  {:<7} {:<22} {:<40} {:>6} {:>9} {:>10} ";
constexpr const char* kColumnsAfterStart = " {:>9}{}  {}\n";

// Writes rows as `streams` prints them: the table (its heading before the first row; the start
// column made here, since a delta time counts from the row printed before) or the --json array
// (one element at a time, as `[...]`.dump(2) would write it, no tree of every row).
class StreamRowPrinter {
  public:
    // `live`: every row reaches stdout at once (rows printed as streams end, from a pipe).
    StreamRowPrinter(const StreamsArgs& args, bool live)
        : m_args(args), m_live(live), m_time(args.view.time) {
        m_startWidth = std::max<std::size_t>(10, m_time.blank().size());
    }
    void setBase(TimestampNs base) { m_time.setBase(base); }

    void print(const StreamRow& row) {
        if (m_args.json) {
            m_out += m_rows == 0 ? "[\n  " : ",\n  ";
            m_out += row.text;
        } else {
            if (m_rows == 0) heading();
            const std::string_view text = row.text;
            m_out += text.substr(0, row.split);
            fmt::format_to(std::back_inserter(m_out), "{:>{}}",
                           row.requestStart ? m_time(*row.requestStart) : std::string("-"),
                           m_startWidth);
            m_out += text.substr(row.split);
        }
        ++m_rows;
        if (m_live || m_out.size() >= (1u << 20)) write();
    }
    // Ends the --json array; writes what is left.
    void finish() {
        if (m_args.json) m_out += m_rows == 0 ? "[]\n" : "\n]\n";
        write();
    }
    std::uint64_t rows() const { return m_rows; }

  private:
    void heading() {
        const std::string startHeading = m_args.view.time == TimeFormat::Relative ? "start s"
                                         : m_args.view.time == TimeFormat::Delta  ? "delta s"
                                                                                  : "start";
        auto out = std::back_inserter(m_out);
        fmt::format_to(out, kColumnsBeforeStart, "conn", "stream", "method", "authority", "path",
                       "status", "req bytes", "resp bytes");
        fmt::format_to(out, "{:>{}}", startHeading, m_startWidth);
        fmt::format_to(out, kColumnsAfterStart, "dur ms",
                       m_args.priority ? fmt::format("  {:<16}", "priority") : "", "end");
    }
    void write() {
        std::fwrite(m_out.data(), 1, m_out.size(), stdout);
        if (m_live) std::fflush(stdout);
        m_out.clear();
    }

    const StreamsArgs& m_args;
    const bool m_live;
    TimeText m_time;
    std::size_t m_startWidth = 10;
    std::string m_out;
    std::uint64_t m_rows = 0;
};

class StreamCollector final : public H2Listener {
  public:
    StreamCollector(const StreamsArgs& args, const FilterFront& front)
        : rows(streamRowOrder(args.sort), args.sortMemory),
          m_args(args),
          m_front(front),
          m_redactor(args.redact) {}
    // Where relative times count from (the capture's first packet), read when a stream ends.
    void setBase(std::function<TimestampNs()> base) { m_base = std::move(base); }
    // --sort end: rows go to `printer` as the streams end instead of waiting in the store.
    void printAsTheyEnd(StreamRowPrinter* printer) { m_printer = printer; }

    void onStreamDone(const ConnectionInfo& c, const StreamRecord& s) override {
        if (!m_args.selection.matches(c.id, s.id)) return;
        if (!m_front.judge(c.id, s)) return;
        StreamRow row;
        row.conn = c.id;
        row.stream = s.id;
        row.start = rowStart(s);
        row.requestStart = s.requestStart;
        row.duration = rowDuration(s);
        row.bytes = s.requestBodyBytes + s.responseBodyBytes;
        row.status = streamStatus(s);
        if (m_args.json) {
            writeJson(c, s, row.text);
        } else {
            writeTable(c, s, row);
        }
        if (m_printer != nullptr) {
            if (m_printer->rows() == 0) m_printer->setBase(m_base ? m_base() : 0);
            m_printer->print(row);
            return;
        }
        row.text.shrink_to_fit();
        rows.add(std::move(row));
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
    StreamRowStore rows;
    std::vector<Conn> connections;

  private:
    void writeJson(const ConnectionInfo& c, const StreamRecord& s, std::string& out) const {
        Json j = streamRowJson(c, s, m_base ? m_base() : 0, m_redactor);
        if (m_args.priority && s.priority.inTree) {
            j["priority"] = {{"parent", s.priority.parent},
                             {"weight", s.priority.weight},
                             {"exclusive", s.priority.exclusive},
                             {"urgency", s.priority.urgency},
                             {"incremental", s.priority.incremental}};
        }
        appendJson(out, j, 2, 1);
    }
    void writeTable(const ConnectionInfo& c, const StreamRecord& s, StreamRow& row) const {
        auto v = [](const std::optional<HeaderBlock>& b, std::string_view n) {
            return b ? b->value(n) : std::string_view();
        };
        std::string_view path = v(s.request, ":path");
        std::string shortPath;
        if (path.size() > 40) {
            shortPath = std::string(path.substr(0, 37)) + "...";
            path = shortPath;
        }
        row.text = fmt::format(kColumnsBeforeStart, c.id, s.id, v(s.request, ":method"),
                               v(s.request, ":authority"), path, v(s.response, ":status"),
                               s.requestBodyBytes, s.responseBodyBytes);
        row.split = static_cast<std::uint32_t>(row.text.size());
        fmt::format_to(
            std::back_inserter(row.text), kColumnsAfterStart,
            row.duration ? fmt::format("{:.3f}", static_cast<double>(*row.duration) / 1e6) : "-",
            m_args.priority ? fmt::format("  {:<16}", priorityCell(s)) : "", streamEndColumn(s));
    }

    const StreamsArgs& m_args;
    const FilterFront& m_front;
    const Redactor m_redactor;
    std::function<TimestampNs()> m_base;
    StreamRowPrinter* m_printer = nullptr;
};

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
                    "first), bytes (most first), status, end (as the streams finished: each row is "
                    "printed when its stream ends, nothing waits)")
        ->check(CLI::IsMember({"conn", "start", "duration", "bytes", "status", "end"}))
        ->capture_default_str();
    sub->add_option("--redact", args->redact,
                    "header names whose values are replaced by [REDACTED] in --json")
        ->delimiter(',');
    sub->add_flag("--priority", args->priority,
                  "a priority column before end: RFC 7540 w=weight p=parent (x: exclusive), RFC "
                  "9218 u=urgency (i: incremental), as in force when the stream ended");
    sub->add_option("--sort-memory", args->sortMemory,
                    "memory for rows waiting to be sorted (e.g. 64MiB; at least 64KiB); past it "
                    "they are sorted in runs in a temporary file and merged, like sort -S "
                    "(--sort end keeps none)")
        ->transform(CLI::AsSizeValue(false))
        ->default_str("16MiB");
    sub->callback([&common, args] {
        args->view.prepare();
        FilterFront front(args->view.filter);
        StreamCollector collector(*args, front);
        // In completion order nothing needs to wait: rows are printed as streams end, so a
        // capture read from a pipe (`h2lens live -w - | h2lens streams --sort end -`) shows
        // them as they happen.
        StreamRowPrinter printer(*args, common.run.path == "-");
        if (args->sort == "end") collector.printAsTheyEnd(&printer);
        DecodeSession session(common.session(), front.attach(collector));
        collector.setBase([&session] { return session.stats().firstTs; });
        const RunResult run = runCapture(common.run, session);
        requireConnection(session, args->selection.conn);
        common.exitCode = exitCodeFor(common.run, run, session.tally());
        const bool keyLogGiven = !common.keylogPath.empty() || session.keys().acceptedLines() > 0;
        if (printer.rows() == 0) printer.setBase(session.stats().firstTs);
        const bool drained =
            collector.rows.drain([&printer](const StreamRow& row) { printer.print(row); });
        printer.finish();
        if (common.run.stats && collector.rows.runs() > 0) {
            fmt::print(stderr, "sorted {} in {} on disk (past --sort-memory)\n",
                       plural(collector.rows.size(), "row", "rows"),
                       plural(collector.rows.runs(), "run", "runs"));
        }
        if (collector.rows.spillFailed()) {
            fmt::print(stderr,
                       "h2lens: no temporary file could be written in $TMPDIR (or /tmp): the "
                       "rows stayed in memory past --sort-memory\n");
        }
        if (!drained) {
            fmt::print(stderr,
                       "h2lens: some rows could not be read back from the temporary file they "
                       "were sorted in; the output lacks them\n");
            common.exitCode = std::max(common.exitCode, 1);
        }
        if (args->json) return;
        if (printer.rows() == 0) {
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
