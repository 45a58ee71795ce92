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
#include "report/summary_collector.h"
#include "session/listener_tee.h"
#include "view_options.h"

namespace h2lens::cli {

namespace {

std::string protocol(const SummaryConnection& c) {
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
        const std::size_t h2 = collector.http2Connections();
        const std::uint64_t anomalyCount = collector.anomalyCount();
        const auto& streams = collector.streams();
        const std::string streamsText =
            filtered ? fmt::format("{} of {} match", streams.size(),
                                   plural(collector.allStreams(), "stream", "streams"))
                     : plural(streams.size(), "stream", "streams");
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

        const auto shownConns = collector.shownConnections();
        if (!shownConns.empty()) heading("Connections");
        for (const SummaryConnection* cp : shownConns) {
            const SummaryConnection& c = *cp;
            fmt::print("  {:>3}  {} -> {}  {}  {}{}\n", c.info.id, c.info.client.toString(),
                       c.info.server.toString(), protocol(c),
                       plural(c.streams, "stream", "streams"),
                       c.anomalies ? ", " + plural(c.anomalies, "anomaly", "anomalies") : "");
            if (!c.detail.empty()) fmt::print("       {}\n", withKeyLogHint(c.detail, keyLogGiven));
        }

        if (!streams.empty()) {
            heading("Streams");
            std::string line = "  status:";
            for (const auto& [k, n] : collector.streamsByStatus())
                line += fmt::format(" {} x{}", k, n);
            fmt::print("{}\n", line);
            line = "  ended:";
            for (const auto& [k, n] : collector.streamsByEnd())
                line += fmt::format(" {} x{}", k, n);
            fmt::print("{}\n", line);
        }

        if (!collector.anomalies().empty()) {
            heading("Anomalies");
            for (const auto& [name, g] : collector.anomalies()) {
                fmt::print("  {:>6}  {}{}\n          e.g. {}\n", g.count, name,
                           g.rfc.empty() ? "" : " (" + g.rfc + ")", g.example);
            }
        }

        std::vector<Finding> findings;
        for (const Finding& f : audit.findings()) {
            if (collector.connectionSelected(f.conn)) findings.push_back(f);
        }
        if (!findings.empty()) {
            heading(fmt::format("Audit: {} (h2lens audit FILE reports each in full)",
                                plural(findings.size(), "finding", "findings")));
            printFindingLines(findings, 10);
        }

        const auto slow = collector.slowestStreams();
        if (!slow.empty()) {
            heading("Slowest streams");
            for (std::size_t i = 0; i < std::min<std::size_t>(10, slow.size()); ++i) {
                const auto& s = *slow[i];
                fmt::print("  {:>10.3f} ms  conn {} stream {}  {} {} -> {} ({} bytes)\n",
                           s.durationMs, s.conn, s.id, s.method, s.path,
                           s.status.empty() ? "-" : s.status, s.responseBytes);
            }
        }

        const auto stalls = collector.stallsLongestFirst();
        if (!stalls.empty()) {
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
