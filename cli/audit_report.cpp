#include "audit_report.h"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "audit/audit_watch.h"
#include "export/finding_json.h"
#include "export/time_format.h"
#include "view_options.h"

namespace h2lens::cli {

namespace {

double secondsFrom(TimestampNs t, TimestampNs base) {
    return static_cast<double>(t - base) / 1e9;
}

std::string utcTime(TimestampNs t) {
    TimeText text(TimeFormat::UtcDate);
    return text(t);
}

std::string peakText(const Finding& f) {
    const FindingKindInfo& k = kindInfo(f.kind);
    if (f.kind == FindingKind::HpackBomb && f.peak >= 1024 * 1024)
        return fmt::format("peak {:.1f} MiB of decoded headers/s",
                           static_cast<double>(f.peak) / (1024 * 1024));
    return fmt::format("peak {} {}", f.peak, k.peakUnit);
}

}  // namespace

AuditThresholds ThresholdOptions::apply() const {
    AuditThresholds t;
    for (const std::string& a : assignments) t.set(a);
    return t;
}

void addThresholdOption(CLI::App& sub, ThresholdOptions& options) {
    std::string help =
        "set a threshold, NAME=VALUE (repeatable; 'off' turns a finding off). Names and "
        "defaults:";
    for (const auto& e : AuditThresholds::names())
        help += fmt::format("\n  {}={}: {}", e.name, e.defaultValue, e.help);
    sub.add_option("--threshold", options.assignments, help)->type_name("NAME=VALUE");
}

void printFindings(std::FILE* out, const std::string& name, const std::vector<Finding>& findings,
                   std::uint64_t http2Connections, TimestampNs base) {
    const std::string conns = plural(http2Connections, "HTTP/2 connection", "HTTP/2 connections");
    if (findings.empty()) {
        fmt::print(out, "{}: no findings in {}\n", name, conns);
        return;
    }
    const std::uint64_t attacks = countAtLeast(findings, Severity::Attack);
    const std::uint64_t warnings = findings.size() - attacks;
    std::string bySeverity;
    if (attacks) bySeverity = plural(attacks, "attack", "attacks");
    if (warnings)
        bySeverity += (bySeverity.empty() ? "" : ", ") + plural(warnings, "warning", "warnings");
    fmt::print(out, "{}: {} ({}) in {}\n", name, plural(findings.size(), "finding", "findings"),
               bySeverity, conns);
    std::map<std::uint64_t, std::vector<const Finding*>> byConn;
    for (const Finding& f : findings) byConn[f.conn].push_back(&f);
    for (const auto& [conn, list] : byConn) {
        const Finding& first = *list.front();
        fmt::print(out, "\n  conn {}  {} -> {}\n", conn, first.client.toString(),
                   first.server.toString());
        for (const Finding* f : list) {
            const FindingKindInfo& k = kindInfo(f->kind);
            fmt::print(out, "    {:<7}  {} ({})\n", severityName(f->severity()), k.title,
                       k.reference);
            fmt::print(out, "             from the {} {}\n", peerName(f->peer),
                       f->peerEndpoint().toString());
            fmt::print(out, "             {} {}; {} (threshold {})\n", f->count,
                       f->count == 1 ? k.countOne : k.countUnit, peakText(*f), f->thresholdText);
            fmt::print(out, "             {:.6f} s to {:.6f} s ({:.3f} s): {} to {} UTC\n",
                       secondsFrom(f->first, base), secondsFrom(f->last, base),
                       static_cast<double>(f->last - f->first) / 1e9, utcTime(f->first),
                       utcTime(f->last));
            fmt::print(out, "             {}\n", f->detail);
        }
    }
}

void printFindingsJson(std::FILE* out, const std::string& name,
                       const std::vector<Finding>& findings, TimestampNs base) {
    for (const Finding& f : findings) {
        nlohmann::ordered_json j;
        j["file"] = name;
        j["conn"] = f.conn;
        j["client"] = f.client.toString();
        j["server"] = f.server.toString();
        nlohmann::ordered_json fields = findingJson(f, base);  // items() of a temporary dangles
        for (auto& [key, value] : fields.items()) j[key] = std::move(value);
        fmt::print(out, "{}\n", j.dump());
    }
}

void printFindingLines(const std::vector<Finding>& findings, std::size_t max) {
    for (std::size_t i = 0; i < std::min(max, findings.size()); ++i) {
        const Finding& f = findings[i];
        const FindingKindInfo& k = kindInfo(f.kind);
        fmt::print("  {:<7}  {} ({}): conn {} {} {}, {} (threshold {})\n",
                   severityName(f.severity()), k.title, k.reference, f.conn, peerName(f.peer),
                   f.peerEndpoint().toString(), peakText(f), f.thresholdText);
    }
    if (findings.size() > max)
        fmt::print("  ... {} more: h2lens audit FILE lists them all\n", findings.size() - max);
}

}  // namespace h2lens::cli
