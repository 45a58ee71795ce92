#pragma once
#include <CLI/CLI.hpp>

namespace h2lens::cli {

struct CommonOptions;
// `h2lens export FILE -o OUT.json [--ndjson | --har] [--frames] [--max-body N] [--redact a,b]`.
void addExportCommand(CLI::App& app, CommonOptions& common);

}  // namespace h2lens::cli
