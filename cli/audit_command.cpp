#include "audit_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit_watch.h"
#include "audit_report.h"
#include "common_options.h"
#include "h2/connection_engine.h"
#include "session/listener_tee.h"

namespace h2lens::cli {

namespace {

// Counts the connections that carried HTTP/2, for "no findings in N HTTP/2 connections".
struct Http2Count final : H2Listener {
    std::uint64_t connections = 0;
    void onConnectionDone(const ConnectionInfo&, const ConnectionSummary& s) override {
        if (s.frames[0] + s.frames[1] > 0) ++connections;
    }
};

struct AuditOptions {
    std::vector<std::string> files;
    ThresholdOptions thresholds;
    std::string failOn;  // "", "warning", "attack"
    bool json = false;
};

}  // namespace

void addAuditCommand(CLI::App& app, CommonOptions& common) {
    auto* sub = app.add_subcommand(
        "audit",
        "HTTP/2 attacks and misbehaving peers, per connection and peer: rapid reset, "
        "CONTINUATION flood, HPACK bomb, SETTINGS/PING/empty-frame/reset floods, slow read, "
        "priority churn, stream limit broken; count, peak rate, span, threshold, reference");
    auto o = std::make_shared<AuditOptions>();
    sub->add_option("FILE", o->files, "pcap or pcapng captures ('-' reads standard input)")
        ->required();
    addCaptureFlags(*sub, common);
    addThresholdOption(*sub, o->thresholds);
    sub->add_option("--fail-on", o->failOn,
                    "exit with 3 when a finding of this severity or worse was made: warning "
                    "(any finding) or attack")
        ->check(CLI::IsMember({"warning", "attack"}));
    sub->add_flag("--json", o->json,
                  "one JSON object per finding per line (docs/audit.md); nothing for a capture "
                  "without findings");
    sub->callback([&common, o] {
        const AuditThresholds thresholds = o->thresholds.apply();  // throws: exit 2
        int code = 0;
        bool unreadable = false, failed = false;
        bool firstText = true;
        for (const std::string& file : o->files) {
            common.run.path = file;
            Http2Count count;
            AuditWatch watch(thresholds, common.limits);
            ListenerTee both(watch, count);
            DecodeSession session(common.session(), both);
            RunResult run;
            try {
                run = runCapture(common.run, session);
            } catch (const std::exception& e) {
                fmt::print(stderr, "h2lens: {}\n", e.what());
                unreadable = true;
                continue;
            }
            code = std::max(code, exitCodeFor(common.run, run, session.tally()));
            const std::vector<Finding> findings = watch.takeFindings();
            const TimestampNs base = session.stats().minTs;
            if (o->json) {
                printFindingsJson(stdout, captureName(file), findings, base);
            } else {
                if (!firstText) fmt::print("\n");
                firstText = false;
                printFindings(stdout, captureName(file), findings, count.connections, base);
            }
            if (!o->failOn.empty()) {
                const Severity level = o->failOn == "attack" ? Severity::Attack : Severity::Warning;
                if (countAtLeast(findings, level) > 0) failed = true;
            }
        }
        std::fflush(stdout);
        common.exitCode = unreadable ? 2 : failed ? kExitFindings : code;
    });
}

}  // namespace h2lens::cli
