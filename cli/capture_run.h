#pragma once
// Reads one capture end to end through an Analyzer: the only loop in the CLI that touches a
// PacketSource. Reports input problems on stderr (capped), progress on a TTY, and --stats.
#include <cstdint>
#include <string>

#include "common/limits.h"
#include "pipeline/analyzer.h"
#include "tls/key_log.h"
#include "tls_open_pool.h"

namespace h2lens::cli {

struct RunOptions {
    std::string path;
    bool quiet = false;    // no issue lines
    bool stats = false;    // timing/throughput/peak memory on stderr
    bool progress = true;  // only ever drawn when stderr is a terminal
    std::size_t maxIssueLines = 20;
    KeyLog* keyLog = nullptr;  // receives the capture's embedded TLS secrets as they are read
    const TlsOpenPool* tlsPool = nullptr;  // --tls-threads, for --stats
};

struct RunResult {
    double seconds = 0;
    std::uint64_t fileBytes = 0;
    std::uint64_t issues = 0;
};

// Throws CaptureError (and other std::exception) for environment problems; main() turns them
// into one line and exit code 2.
RunResult runCapture(const RunOptions& options, Analyzer& analyzer);

// Peak resident set size of this process, in bytes.
std::uint64_t peakRssBytes();

}  // namespace h2lens::cli
