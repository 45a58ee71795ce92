#pragma once
#include <CLI/CLI.hpp>

namespace h2lens::cli {

// `h2lens interfaces`: the interfaces `h2lens live -i` can capture on.
void addInterfacesCommand(CLI::App& app);

}  // namespace h2lens::cli
