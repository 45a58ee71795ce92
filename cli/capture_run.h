#pragma once
// Reads one capture end to end through a DecodeSession: the only place in the CLI that runs a
// capture file. Reports input problems on stderr (capped), progress on a TTY, and --stats.
#include <cstdint>
#include <functional>
#include <string>

#include "session/decode_session.h"

namespace h2lens::cli {

struct RunOptions {
    std::string path;
    bool quiet = false;    // no issue lines
    bool stats = false;    // timing/throughput/peak memory on stderr
    bool progress = true;  // only ever drawn when stderr is a terminal
    std::size_t maxIssueLines = 20;
    bool strict = false;  // --strict: capture problems and anomalies make the exit code 1
    // Told bytes read and the file's size as reading goes, instead of the progress drawn on a
    // terminal (a caller reading several captures at once draws one line for all of them).
    std::function<void(std::uint64_t read, std::uint64_t total)> onProgress;
};

struct RunResult {
    double seconds = 0;
    std::uint64_t fileBytes = 0;
    std::uint64_t issues = 0;
    std::uint64_t packets = 0;
    bool readFailed = false;  // the rest of the file could not be read
};

// Exit codes of the capture commands (README "Exit codes"): 0 read to the end; 1 the file is
// damaged (reading stopped early: truncated, corrupt) or, with --strict, the capture had
// problems or the HTTP/2 anomalies; 2 unreadable (not a capture, no packet readable, I/O
// errors, bad options: main() turns those exceptions into 2).
int exitCodeFor(const RunOptions& options, const RunResult& run, const SessionTally& tally);

// The name a capture is called by in messages: "standard input" for '-'.
std::string captureName(const std::string& path);

// Throws CaptureError (and other std::exception) for environment problems; main() turns them
// into one line and exit code 2.
RunResult runCapture(const RunOptions& options, DecodeSession& session);

// Peak resident set size of this process, in bytes.
std::uint64_t peakRssBytes();

}  // namespace h2lens::cli
