#pragma once
// Options every subcommand that reads a capture shares.
#include <CLI/CLI.hpp>

#include <string>

#include <memory>

#include "capture_run.h"
#include "common/limits.h"
#include "pipeline/http2_session.h"
#include "tls/key_log.h"
#include "tls_open_pool.h"

namespace h2lens::cli {

struct CommonOptions {
    Limits limits;
    RunOptions run;
    std::string keylogPath;
    KeyLog keyLog;  // --keylog lines plus secrets found in pcapng Decryption Secrets Blocks
    int tlsThreads = -1;  // --tls-threads; -1: TlsOpenPool::workersFor(0) on 2+ cores
    std::unique_ptr<TlsOpenPool> tlsPool;
};

// Gives `factory` the --tls-threads pool (made on first use), or none for --tls-threads 0 or
// on a single core. The pool outlives the factory (both live for the command).
void attachTlsThreads(CommonOptions& common, Http2SessionFactory& factory);

// Loads --keylog (if given) into common.keyLog; throws std::runtime_error when unreadable.
void loadKeyLog(CommonOptions& common);

// Adds FILE, --stats, --quiet and the memory caps to a subcommand.
void addCaptureOptions(CLI::App& sub, CommonOptions& common);

}  // namespace h2lens::cli
