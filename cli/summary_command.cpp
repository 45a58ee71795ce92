#include "summary_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <vector>

#include "audit/audit_watch.h"
#include "audit_report.h"
#include "common_options.h"
#include "h2/connection_engine.h"
#include "h2/names.h"
#include "session/listener_tee.h"
#include "view_options.h"

namespace h2lens::cli {

namespace {

struct StreamRow {
    std::uint64_t conn;
    std::uint32_t id;
    std::string method, path, status;
    double durationMs = -1;
    StreamEnd end;
    std::uint64_t responseBytes;
};

struct ConnRow {
    ConnectionInfo info;
    Http2Detection detection;
    std::string detail;
    bool decrypted;
    std::uint64_t streams, anomalies;
    std::vector<FlowStall> stalls;
};

// With a display filter, only the streams that match count, and so do the anomalies and
// stalls of those streams and the connections that carry them (anomalies and stalls of the
// connection itself, stream 0, go with a connection that has a matching stream).
class SummaryCollector final : public H2Listener {
  public:
    SummaryCollector(const StreamFilter& filter, const FilterFront& front)
        : m_filter(filter), m_front(front) {}
    void onStreamDone(const ConnectionInfo& c, const StreamRecord& s) override {
        ++allStreams;
        if (!m_filter.empty()) {
            if (!m_front.judge(c.id, s)) return;
            matched.insert({c.id, s.id});
            matchedConns.insert(c.id);
        }
        StreamRow r{c.id, s.id, "", "", "", -1, s.end, s.responseBodyBytes};
        if (s.request) {
            r.method = s.request->value(":method");
            r.path = s.request->value(":path");
        }
        if (s.response) r.status = s.response->value(":status");
        if (s.requestStart && s.closed)
            r.durationMs = static_cast<double>(*s.closed - *s.requestStart) / 1e6;
        streams.push_back(std::move(r));
    }
    void onAnomaly(const ConnectionInfo& c, const Anomaly& a) override {
        // Streams are judged when they end, often after their anomalies: kept per stream until
        // then.
        auto& g = m_filter.empty() ? anomalies[a.name] : m_perStream[{c.id, a.streamId, a.name}];
        if (g.count++ == 0) {
            g.rfc = a.rfc;
            g.example = fmt::format("conn {} stream {} {}: {}", c.id, a.streamId,
                                    directionName(a.dir), a.detail);
        }
    }
    void onConnectionDone(const ConnectionInfo& c, const ConnectionSummary& s) override {
        connections.push_back(
            {c, s.detection, s.detectionDetail, s.tlsDecrypted, s.streams, s.anomalies, s.stalls});
    }
    bool selected(std::uint64_t conn, std::uint32_t stream) const {
        if (m_filter.empty()) return true;
        return stream == 0 ? matchedConns.count(conn) > 0 : matched.count({conn, stream}) > 0;
    }
    // After the decode: the anomalies of the selected streams, grouped by name.
    void settle() {
        for (auto& [key, g] : m_perStream) {
            const auto& [conn, stream, name] = key;
            if (!selected(conn, stream)) continue;
            auto& into = anomalies[name];
            if (into.count == 0) {
                into.rfc = g.rfc;
                into.example = g.example;
            }
            into.count += g.count;
        }
        m_perStream.clear();
    }
    struct AnomalyGroup {
        std::uint64_t count = 0;
        std::string rfc, example;
    };
    std::vector<StreamRow> streams;
    std::vector<ConnRow> connections;
    std::map<std::string, AnomalyGroup> anomalies;
    std::uint64_t allStreams = 0;
    std::set<std::pair<std::uint64_t, std::uint32_t>> matched;
    std::set<std::uint64_t> matchedConns;

  private:
    const StreamFilter& m_filter;
    const FilterFront& m_front;
    std::map<std::tuple<std::uint64_t, std::uint32_t, std::string>, AnomalyGroup> m_perStream;
};

std::string protocol(const ConnRow& c) {
    switch (c.detection) {
        case Http2Detection::PriorKnowledge:
            return "h2c (prior knowledge)";
        case Http2Detection::Upgrade:
            return "h2c (Upgrade)";
        case Http2Detection::MidStream:
            return "h2 (capture began mid-connection)";
        case Http2Detection::Tls:
            return c.decrypted ? "h2 over TLS (decrypted)" : "TLS, not decrypted";
        default:
            return std::string(detectionName(c.detection));
    }
}

}  // namespace

void addSummaryCommand(CLI::App& app, CommonOptions& common) {
    auto* sub = app.add_subcommand(
        "summary",
        "what a capture holds: connections, streams, anomalies, slowest streams, "
        "flow-control stalls (also what `h2lens FILE` prints)");
    addCaptureOptions(*sub, common);
    auto color = std::make_shared<std::string>("auto");
    sub->add_option("--color", *color, "colour: auto (only on a terminal), always, never")
        ->check(CLI::IsMember({"auto", "always", "never"}))
        ->capture_default_str();
    auto view = std::make_shared<ViewOptions>();
    addDisplayFilterOption(*sub, *view);
    sub->callback([&common, color, view] {
        view->prepare();
        FilterFront front(view->filter);
        SummaryCollector collector(view->filter, front);
        // The audit at its default thresholds: a section only when it finds something.
        AuditWatch audit(AuditThresholds{}, common.limits);
        ListenerTee both(audit, front.attach(collector));
        DecodeSession session(common.session(), both);
        const RunResult run = runCapture(common.run, session);
        common.exitCode = exitCodeFor(common.run, run, session.tally());
        collector.settle();
        const Analyzer& analyzer = session.analyzer();
        const bool keyLogGiven = !common.keylogPath.empty() || session.keys().acceptedLines() > 0;
        const bool filtered = !view->filter.empty();
        const bool useColor = *color == "always" || (*color == "auto" && isatty(STDOUT_FILENO));
        auto heading = [useColor](std::string_view text) {
            if (useColor)
                fmt::print("\n\033[1m{}\033[0m\n", text);
            else
                fmt::print("\n{}\n", text);
        };
        const auto& st = analyzer.stats();
        std::size_t h2 = 0;
        for (const auto& c : collector.connections) {
            if (c.detection == Http2Detection::PriorKnowledge ||
                c.detection == Http2Detection::Upgrade ||
                c.detection == Http2Detection::MidStream ||
                (c.detection == Http2Detection::Tls && c.decrypted)) {
                ++h2;
            }
        }
        std::uint64_t anomalyCount = 0;
        for (const auto& [name, g] : collector.anomalies) anomalyCount += g.count;
        const std::string streamsText =
            filtered ? fmt::format("{} of {} match", collector.streams.size(),
                                   plural(collector.allStreams, "stream", "streams"))
                     : plural(collector.streams.size(), "stream", "streams");
        fmt::print("{}: {} over {:.3f} s, {} ({} HTTP/2), {}, {}, {}\n",
                   captureName(common.run.path), plural(st.packets, "packet", "packets"),
                   static_cast<double>(st.maxTs - st.minTs) / 1e9,
                   plural(analyzer.flows().records().size(), "TCP connection", "TCP connections"),
                   h2, streamsText, plural(anomalyCount, "anomaly", "anomalies"),
                   plural(run.issues, "capture problem", "capture problems"));
        if (st.maxBackwardsNs >= 1'000'000) {  // not the microseconds CPUs reorder loopback by
            // Several interfaces, or a clock step: the span is from the earliest to the latest
            // time.
            fmt::print(
                "times go backwards at {} (by up to {:.3f} s); the duration is from the "
                "earliest to the latest\n",
                plural(st.backwardsPackets, "packet", "packets"),
                static_cast<double>(st.maxBackwardsNs) / 1e9);
        }
        if (filtered) fmt::print("display filter: {}\n", view->filterText);

        std::vector<const ConnRow*> shownConns;
        for (const auto& c : collector.connections) {
            if (!filtered || collector.matchedConns.count(c.info.id)) shownConns.push_back(&c);
        }
        if (!shownConns.empty()) heading("Connections");
        for (const ConnRow* cp : shownConns) {
            const ConnRow& c = *cp;
            fmt::print("  {:>3}  {} -> {}  {}  {}{}\n", c.info.id, c.info.client.toString(),
                       c.info.server.toString(), protocol(c),
                       plural(c.streams, "stream", "streams"),
                       c.anomalies ? ", " + plural(c.anomalies, "anomaly", "anomalies") : "");
            if (!c.detail.empty()) fmt::print("       {}\n", withKeyLogHint(c.detail, keyLogGiven));
        }

        std::map<std::string, std::size_t> byStatus;
        std::map<std::string, std::size_t> byEnd;
        for (const auto& s : collector.streams) {
            ++byStatus[s.status.empty() ? "none" : s.status];
            ++byEnd[std::string(streamEndName(s.end))];
        }
        if (!collector.streams.empty()) heading("Streams");
        std::string line = "  status:";
        for (const auto& [k, n] : byStatus) line += fmt::format(" {} x{}", k, n);
        if (!collector.streams.empty()) fmt::print("{}\n", line);
        line = "  ended:";
        for (const auto& [k, n] : byEnd) line += fmt::format(" {} x{}", k, n);
        if (!collector.streams.empty()) fmt::print("{}\n", line);

        if (!collector.anomalies.empty()) {
            heading("Anomalies");
            for (const auto& [name, g] : collector.anomalies) {
                fmt::print("  {:>6}  {}{}\n          e.g. {}\n", g.count, name,
                           g.rfc.empty() ? "" : " (" + g.rfc + ")", g.example);
            }
        }

        std::vector<Finding> findings;
        for (const Finding& f : audit.findings()) {
            if (!filtered || collector.matchedConns.count(f.conn)) findings.push_back(f);
        }
        if (!findings.empty()) {
            heading(fmt::format("Audit: {} (h2lens audit FILE reports each in full)",
                                plural(findings.size(), "finding", "findings")));
            printFindingLines(findings, 10);
        }

        std::vector<const StreamRow*> slow;
        for (const auto& s : collector.streams) {
            if (s.durationMs >= 0) slow.push_back(&s);
        }
        std::sort(slow.begin(), slow.end(),
                  [](auto* a, auto* b) { return a->durationMs > b->durationMs; });
        if (!slow.empty()) {
            heading("Slowest streams");
            for (std::size_t i = 0; i < std::min<std::size_t>(10, slow.size()); ++i) {
                const auto& s = *slow[i];
                fmt::print("  {:>10.3f} ms  conn {} stream {}  {} {} -> {} ({} bytes)\n",
                           s.durationMs, s.conn, s.id, s.method, s.path,
                           s.status.empty() ? "-" : s.status, s.responseBytes);
            }
        }

        struct StallRow {
            std::uint64_t conn;
            FlowStall stall;
            double ms;
        };
        std::vector<StallRow> stalls;
        for (const auto& c : collector.connections) {
            for (const auto& s : c.stalls) {
                if (!collector.selected(c.info.id, s.streamId)) continue;
                stalls.push_back(
                    {c.info.id, s, s.end ? static_cast<double>(*s.end - s.start) / 1e6 : 0});
            }
        }
        if (!stalls.empty()) {
            std::sort(stalls.begin(), stalls.end(),
                      [](const auto& a, const auto& b) { return a.ms > b.ms; });
            double total = 0;
            for (const auto& s : stalls) total += s.ms;
            heading(fmt::format("Flow-control stalls ({}, {:.3f} ms in all; longest first)",
                                stalls.size(), total));
            for (std::size_t i = 0; i < std::min<std::size_t>(10, stalls.size()); ++i) {
                const auto& s = stalls[i];
                fmt::print("  {:>10.3f} ms  conn {} {}  {} had data to send, window exhausted\n",
                           s.ms, s.conn,
                           s.stall.streamId ? fmt::format("stream {}", s.stall.streamId)
                                            : "connection window",
                           s.stall.sender == Direction::ClientToServer ? "client" : "server");
            }
        }
    });
}

}  // namespace h2lens::cli
