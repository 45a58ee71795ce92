#pragma once
// Options every subcommand that reads a capture shares.
#include <CLI/CLI.hpp>

#include <string>

#include "capture_run.h"
#include "common/limits.h"
#include "tls/key_log.h"

namespace h2lens::cli {

struct CommonOptions {
    Limits limits;
    RunOptions run;
    std::string keylogPath;
    KeyLog keyLog;  // --keylog lines plus secrets found in pcapng Decryption Secrets Blocks
};

// Loads --keylog (if given) into common.keyLog; throws std::runtime_error when unreadable.
void loadKeyLog(CommonOptions& common);

// Adds FILE, --stats, --quiet and the memory caps to a subcommand.
void addCaptureOptions(CLI::App& sub, CommonOptions& common);

}  // namespace h2lens::cli
