#pragma once
#include <CLI/CLI.hpp>

#include <optional>
#include <string_view>

#include "common/bytes.h"

namespace h2lens::cli {

struct CommonOptions;
// `h2lens priority FILE [--conn N] [--at T] [--json]`: the priority tree each connection's client
// asked for (RFC 7540 dependencies, RFC 9218 urgency), at the end of the capture or at a time,
// and whether the server's DATA followed it.
void addPriorityCommand(CLI::App& app, CommonOptions& common);

// --at: seconds after the capture's first packet, as `-t r` and `frames --json`'s `t` print them
// ("0.25"), or with a unit ("250ms", "250000us", "1.5s"). nullopt when it is not such a time.
std::optional<TimestampNs> parseRelativeTime(std::string_view text);

}  // namespace h2lens::cli
