#include "capture_run.h"

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>

#include "common/plural.h"
#include "parallel/tls_open_pool.h"

namespace h2lens::cli {

namespace {

class IssuePrinter {
  public:
    IssuePrinter(const RunOptions& o) : m_options(o) {}
    void print(const Issue& issue) {
        ++m_count;
        if (m_options.quiet || m_count > m_options.maxIssueLines) return;
        if (issue.packetNumber) {
            fmt::print(stderr, "h2lens: {}: packet {}: {}\n", captureName(m_options.path),
                       issue.packetNumber, issue.message);
        } else {
            fmt::print(stderr, "h2lens: {}: {}\n", captureName(m_options.path), issue.message);
        }
    }
    void summary() const {
        if (!m_options.quiet && m_count > m_options.maxIssueLines) {
            fmt::print(stderr, "h2lens: {}: {} more problems not shown ({} in all)\n",
                       captureName(m_options.path), m_count - m_options.maxIssueLines, m_count);
        }
    }
    std::uint64_t count() const { return m_count; }

  private:
    const RunOptions& m_options;
    std::uint64_t m_count = 0;
};

}  // namespace

std::string captureName(const std::string& path) {
    return path == "-" ? "standard input" : path;
}

int exitCodeFor(const RunOptions& options, const RunResult& run, const SessionTally& tally) {
    if (run.readFailed) return 1;
    if (options.strict && (run.issues > 0 || tally.anomalies > 0)) return 1;
    return 0;
}

std::uint64_t peakRssBytes() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;
}

RunResult runCapture(const RunOptions& options, DecodeSession& session) {
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    const bool tty = options.progress && isatty(STDERR_FILENO);
    auto lastDraw = start;
    bool drawn = false;
    IssuePrinter printer(options);
    SessionRunHooks hooks;
    hooks.issue = [&printer](const Issue& issue) { printer.print(issue); };
    hooks.progress = [&](std::uint64_t read, std::uint64_t total) {
        if (options.onProgress) {
            options.onProgress(read, total);
            return;
        }
        if (!tty || total <= (64u << 20)) return;
        const auto now = Clock::now();
        if (now - lastDraw <= std::chrono::milliseconds(250)) return;
        lastDraw = now;
        drawn = true;
        fmt::print(stderr, "\r{:3}%  {} MB", read * 100 / total, read >> 20);
    };
    const SessionRunResult run = session.run(options.path, hooks);
    if (drawn) fmt::print(stderr, "\r                    \r");
    printer.summary();

    RunResult result;
    result.seconds = run.seconds;
    result.fileBytes = run.fileBytes;
    result.issues = printer.count();
    result.packets = session.stats().packets;
    result.readFailed = run.readFailed;
    if (result.readFailed && result.packets == 0) {
        // Nothing was decoded: as unreadable as a file that is not a capture.
        throw std::runtime_error(captureName(options.path) +
                                 ": no packet could be read (see the problem above)");
    }
    if (options.stats) {
        const auto& st = session.stats();
        const double mb = static_cast<double>(result.fileBytes) / 1e6;
        fmt::print(stderr,
                   "stats: {}, {:.1f} MB in {:.3f} s: {:.1f} MB/s, {:.0f} packets/s, "
                   "{}, peak memory {:.1f} MB\n",
                   plural(st.packets, "packet", "packets"), mb, result.seconds, mb / result.seconds,
                   static_cast<double>(st.packets) / result.seconds,
                   plural(session.analyzer().flows().records().size(), "TCP connection",
                          "TCP connections"),
                   static_cast<double>(peakRssBytes()) / 1e6);
        if (const TlsOpenPool* pool = session.tlsPool(); pool && pool->submitted() > 0) {
            fmt::print(stderr,
                       "stats: {} TLS records decrypted ahead: {} by {} worker thread(s), {} by "
                       "the decoding thread\n",
                       pool->submitted(), pool->submitted() - pool->openedByCaller(),
                       pool->runningWorkers(), pool->openedByCaller());
        }
    }
    return result;
}

}  // namespace h2lens::cli
