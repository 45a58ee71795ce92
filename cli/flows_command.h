#pragma once
#include <CLI/CLI.hpp>

namespace h2lens::cli {

struct CommonOptions;
// `h2lens flows FILE`: the TCP connections of a capture.
void addFlowsCommand(CLI::App& app, CommonOptions& common);

}  // namespace h2lens::cli
