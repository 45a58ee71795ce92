#pragma once
// How audit findings are printed, shared by `audit`, `live --audit` and `summary`: the full
// report per connection and peer, one JSON object per finding, and a summary's short lines.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "audit/audit_thresholds.h"
#include "audit/finding.h"

namespace h2lens::cli {

// --threshold NAME=VALUE (repeatable); apply() throws std::invalid_argument on a bad one.
struct ThresholdOptions {
    std::vector<std::string> assignments;
    AuditThresholds apply() const;
};
void addThresholdOption(CLI::App& sub, ThresholdOptions& options);

// The report of one capture: a heading line, then per connection its findings, each with
// severity, kind, reference, peer, count, peak against threshold, span and detail. `base` is
// the capture's first packet time (span times are relative to it and also shown in UTC).
void printFindings(std::FILE* out, const std::string& name, const std::vector<Finding>& findings,
                   std::uint64_t http2Connections, TimestampNs base);
// One JSON object per line per finding (docs/audit.md).
void printFindingsJson(std::FILE* out, const std::string& name,
                       const std::vector<Finding>& findings, TimestampNs base);
// One line per finding for `summary` (at most `max`, then how many more).
void printFindingLines(const std::vector<Finding>& findings, std::size_t max);

}  // namespace h2lens::cli
