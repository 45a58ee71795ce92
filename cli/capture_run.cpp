#include "capture_run.h"

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "pcap/capture_file.h"
#include "pipeline/secrets_feed.h"

namespace h2lens::cli {

namespace {

class IssuePrinter {
  public:
    IssuePrinter(const RunOptions& o) : m_options(o) {}
    void print(const Issue& issue) {
        ++m_count;
        if (m_options.quiet || m_count > m_options.maxIssueLines) return;
        if (issue.packetNumber) {
            fmt::print(stderr, "h2lens: {}: packet {}: {}\n", m_options.path, issue.packetNumber,
                       issue.message);
        } else {
            fmt::print(stderr, "h2lens: {}: {}\n", m_options.path, issue.message);
        }
    }
    void summary() const {
        if (!m_options.quiet && m_count > m_options.maxIssueLines) {
            fmt::print(stderr, "h2lens: {}: {} more problems not shown ({} in all)\n",
                       m_options.path, m_count - m_options.maxIssueLines, m_count);
        }
    }
    std::uint64_t count() const { return m_count; }

  private:
    const RunOptions& m_options;
    std::uint64_t m_count = 0;
};

}  // namespace

std::uint64_t peakRssBytes() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;
}

RunResult runCapture(const RunOptions& options, Analyzer& analyzer) {
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    auto source = openCapture(options.path);
    const std::uint64_t total = source->fileSize();
    const bool drawProgress = options.progress && isatty(STDERR_FILENO) && total > (64u << 20);
    auto lastDraw = start;
    IssuePrinter printer(options);

    Packet packet;
    std::uint64_t n = 0;
    KeyLog unused;
    SecretsFeed secrets(options.keyLog ? *options.keyLog : unused, analyzer);
    while (source->next(packet) == ReadStatus::Packet) {
        secrets.update(*source);
        analyzer.ingest(packet);
        if (drawProgress && (++n & 0xfff) == 0) {
            const auto now = Clock::now();
            if (now - lastDraw > std::chrono::milliseconds(250)) {
                lastDraw = now;
                fmt::print(stderr, "\r{:3}%  {} MB", source->bytesRead() * 100 / total,
                           source->bytesRead() >> 20);
            }
        }
        for (const Issue& issue : source->takeIssues()) printer.print(issue);
        for (const Issue& issue : analyzer.takeIssues()) printer.print(issue);
    }
    for (const Issue& issue : source->takeIssues()) printer.print(issue);
    analyzer.finish();
    for (const Issue& issue : analyzer.takeIssues()) printer.print(issue);
    if (drawProgress) fmt::print(stderr, "\r                    \r");
    printer.summary();

    RunResult result;
    result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    result.fileBytes = source->bytesRead();
    result.issues = printer.count();
    if (options.stats) {
        const auto& st = analyzer.stats();
        const double mb = static_cast<double>(result.fileBytes) / 1e6;
        fmt::print(stderr,
                   "stats: {} packets, {:.1f} MB in {:.3f} s: {:.1f} MB/s, {:.0f} packets/s, "
                   "{} TCP connections, peak memory {:.1f} MB\n",
                   st.packets, mb, result.seconds, mb / result.seconds,
                   static_cast<double>(st.packets) / result.seconds,
                   analyzer.flows().records().size(), static_cast<double>(peakRssBytes()) / 1e6);
        if (const TlsOpenPool* pool = options.tlsPool; pool && pool->submitted() > 0) {
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
