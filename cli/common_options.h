#pragma once
// Options every subcommand that reads a capture shares.
#include <CLI/CLI.hpp>

#include <string>

#include "capture_run.h"
#include "common/limits.h"

namespace h2lens::cli {

struct CommonOptions {
    Limits limits;
    RunOptions run;
};

// Adds FILE, --stats, --quiet and the memory caps to a subcommand.
void addCaptureOptions(CLI::App& sub, CommonOptions& common);

}  // namespace h2lens::cli
