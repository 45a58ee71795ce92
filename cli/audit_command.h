#pragma once
#include <CLI/CLI.hpp>

namespace h2lens::cli {

struct CommonOptions;
// `h2lens audit FILE...`: HTTP/2 attacks and misbehaving peers, per connection and peer.
void addAuditCommand(CLI::App& app, CommonOptions& common);

// Exit code of `audit --fail-on LEVEL` when a finding at that level or above was made.
inline constexpr int kExitFindings = 3;

}  // namespace h2lens::cli
