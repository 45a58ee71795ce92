#pragma once
#include <CLI/CLI.hpp>

namespace h2lens::cli {

struct CommonOptions;
// `h2lens summary FILE`, also what `h2lens FILE` runs: what a user reads first.
void addSummaryCommand(CLI::App& app, CommonOptions& common);

}  // namespace h2lens::cli
