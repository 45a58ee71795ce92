#pragma once
#include <CLI/CLI.hpp>

namespace h2lens::cli {

struct CommonOptions;
// `h2lens follow FILE --conn N [--stream M] [--color=auto|always|never]`.
void addFollowCommand(CLI::App& app, CommonOptions& common);

}  // namespace h2lens::cli
