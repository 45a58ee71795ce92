#pragma once
#include <CLI/CLI.hpp>

namespace h2lens::cli {

struct CommonOptions;
// `h2lens frames FILE` and `h2lens streams FILE`.
void addFramesCommand(CLI::App& app, CommonOptions& common);
void addStreamsCommand(CLI::App& app, CommonOptions& common);

}  // namespace h2lens::cli
