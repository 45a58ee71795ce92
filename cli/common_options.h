#pragma once
// Options every subcommand that reads a capture shares.
#include <CLI/CLI.hpp>

#include <string>

#include "capture_run.h"
#include "common/limits.h"
#include "session/decode_session.h"

namespace h2lens::cli {

struct CommonOptions {
    Limits limits;
    RunOptions run;
    std::string keylogPath;  // --keylog; secrets in pcapng Decryption Secrets Blocks are used too
    int tlsThreads = -1;     // --tls-threads; -1: one fewer than the cores on 2+ cores
    int exitCode = 0;        // what main() returns once the command is done (exitCodeFor)

    // What the decode session of this command is made with.
    SessionOptions session() const;
};

// Adds FILE, --stats, --quiet and the memory caps to a subcommand.
void addCaptureOptions(CLI::App& sub, CommonOptions& common);
// The same without FILE, for commands that take their captures themselves (`audit FILE...`,
// `export` of several files).
void addCaptureFlags(CLI::App& sub, CommonOptions& common);

}  // namespace h2lens::cli
