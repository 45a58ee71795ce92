#include "export_command.h"

#include "common/plural.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "audit/audit_watch.h"
#include "audit_report.h"
#include "capture_list.h"
#include "common_options.h"
#include "export/filtered_sink.h"
#include "export/har_writer.h"
#include "export/json_writer.h"
#include "ordered_capture_output.h"
#include "parallel/ordered_work.h"
#include "session/listener_tee.h"
#include "view_options.h"

namespace h2lens::cli {

namespace {

struct ExportArgs {
    std::vector<std::string> inputs;
    std::string output = "-";
    bool ndjson = false;
    bool har = false;
    unsigned threads = 0;
    bool threadsGiven = false;
    unsigned jobs = 0;
    bool interleave = false;
    ExportOptions options;
    ViewOptions view;
    ThresholdOptions thresholdOptions;
    AuditThresholds thresholds;
};

// `-` is standard output; a file is written in place (the caller sees a partial file on error).
class Output {
  public:
    explicit Output(const std::string& path) {
        if (path == "-") return;
        m_file = std::make_unique<std::ofstream>(path, std::ios::binary | std::ios::trunc);
        if (!*m_file) throw std::runtime_error("cannot write " + path);
    }
    std::ostream& stream() { return m_file ? *m_file : std::cout; }

  private:
    std::unique_ptr<std::ofstream> m_file;
};

// One capture exported into `os`; returns its exit code (exitCodeFor). Throws for a capture that
// cannot be read at all.
int exportCapture(const ExportArgs& args, const ExportOptions& options, unsigned threads,
                  const CommonOptions& common, const RunOptions& run, std::ostream& os) {
    std::unique_ptr<OrderedWork> scheduler;
    if (args.ndjson && threads != 1) {
        // 8 MiB of bodies in flight; one stream at a time may be decoding its body besides.
        constexpr std::size_t maxInFlight = 8u << 20;
        scheduler = std::make_unique<OrderedWork>(
            OrderedWork::workersFor(threads), maxInFlight,
            [&os](const std::string& text, bool idle) {
                os.write(text.data(), static_cast<std::streamsize>(text.size()));
                // A reader at the other end of a pipe
                // gets each line once nothing else is
                // ready.
                if (idle) os.flush();
            });
    }
    std::unique_ptr<TranscriptSink> sink;
    JsonWriter* json = nullptr;
    HarWriter* har = nullptr;
    if (args.har) {
        auto w = std::make_unique<HarWriter>(options, os);
        har = w.get();
        sink = std::move(w);
    } else {
        auto w = std::make_unique<JsonWriter>(
            options, args.ndjson ? JsonWriter::Format::Ndjson : JsonWriter::Format::Document, os);
        json = w.get();
        if (scheduler) json->setScheduler(scheduler.get());
        sink = std::move(w);
    }
    // -Y: the streams that match and their connections (--frames still lists every frame).
    FilterFront front(args.view.filter);
    FilteredTranscriptSink filtered(
        *sink, [&front](const StreamTranscript& t) { return front.judge(t.conn.id, t.record); });
    TranscriptSink* into = args.view.filter.empty() ? sink.get() : &filtered;
    // The audit beside the export: each connection's findings go into its record.
    AuditWatch audit(args.thresholds, common.limits);
    TranscriptCollector collector(options, into, &audit);
    ListenerTee both(audit, front.attach(collector));
    DecodeSession session(common.session(), both);
    if (json) json->setAnalyzer(&session.analyzer());
    if (har) har->setAnalyzer(&session.analyzer());
    const RunResult result = runCapture(run, session);
    const int code = exitCodeFor(run, result, session.tally());
    if (run.stats && collector.releasedBodies() > 0) {
        fmt::print(stderr,
                   "stats: {}: {} bodies of streams left open were let go (--max-retained-total)\n",
                   captureName(run.path), collector.releasedBodies());
    }
    if (json) json->finish(run.path, result.issues);
    if (har) har->finish();
    return code;
}

// "\r  3/10 captures  1234 MB" on a terminal while several captures are read.
class MultiProgress {
  public:
    MultiProgress(std::size_t captures, bool enabled) : m_total(captures), m_enabled(enabled) {}
    void bytes(std::uint64_t delta) {
        m_bytes += delta;
        draw(false);
    }
    void captureDone() {
        ++m_done;
        draw(true);
    }
    void clear() {
        std::lock_guard lock(m_mutex);
        if (m_drawn) fmt::print(stderr, "\r{:40}\r", "");
        m_drawn = false;
    }

  private:
    void draw(bool force) {
        if (!m_enabled) return;
        std::lock_guard lock(m_mutex);
        const auto now = std::chrono::steady_clock::now();
        if (!force && now - m_last < std::chrono::milliseconds(250)) return;
        m_last = now;
        m_drawn = true;
        fmt::print(stderr, "\r{:3}/{} captures  {} MB", m_done.load(), m_total,
                   m_bytes.load() >> 20);
    }
    std::size_t m_total;
    bool m_enabled;
    std::atomic<std::size_t> m_done{0};
    std::atomic<std::uint64_t> m_bytes{0};
    std::mutex m_mutex;
    std::chrono::steady_clock::time_point m_last{};
    bool m_drawn = false;
};

// Several captures (or directories) into one NDJSON stream: `jobs` workers take the captures
// in order, each writes into its own part of an OrderedCaptureOutput, so the records come out
// capture by capture in list order whatever the number of workers (or, with --interleave, mixed
// as they are made). A capture that cannot be read is reported and skipped.
int exportCaptures(const ExportArgs& args, CommonOptions& common, const CaptureList& list) {
    const std::size_t n = list.files.size();
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    // In list order a capture's records wait (in a temporary file) for the captures before it,
    // and one capture's decode and its hashing take about a core each: half the cores as jobs,
    // each with its share of the cores as hashing threads. On two cores that is one capture at
    // a time using both (0.74 s for two copies of bench/data/big.pcap, where two jobs of one
    // thread took 0.93 s). Interleaved, nothing waits: a capture per core.
    unsigned jobs = args.jobs ? args.jobs : (args.interleave ? cores : std::max(1u, cores / 2));
    jobs = static_cast<unsigned>(std::min<std::size_t>(jobs, n));
    const unsigned threads = args.threadsGiven ? args.threads
                             : jobs == 1       ? args.threads
                             : args.interleave ? 1
                                               : std::max(1u, cores / jobs);
    Output out(args.output);
    OrderedCaptureOutput ordered(out.stream(), n,
                                 args.interleave ? OrderedCaptureOutput::Order::Interleaved
                                                 : OrderedCaptureOutput::Order::ListOrder);
    MultiProgress progress(n, common.run.progress && isatty(STDERR_FILENO));
    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> skipped{0};
    std::vector<int> codes(n, 0);
    std::mutex errMutex;
    auto worker = [&] {
        for (std::size_t i; (i = next.fetch_add(1)) < n;) {
            const std::string& path = list.files[i].path;
            RunOptions run = common.run;
            run.path = path;
            std::uint64_t seen = 0;
            run.onProgress = [&progress, &seen](std::uint64_t read, std::uint64_t) {
                if (read > seen) progress.bytes(read - seen);
                seen = read;
            };
            ExportOptions options = args.options;
            options.tagCapture = true;
            options.captureTag = path;
            bool ok = true;
            try {
                codes[i] = exportCapture(args, options, threads, common, run, ordered.stream(i));
            } catch (const std::exception& e) {
                ok = false;
                codes[i] = 1;
                ++skipped;
                std::lock_guard lock(errMutex);
                progress.clear();
                fmt::print(stderr, "h2lens: {}; skipped\n", e.what());
            }
            ordered.finish(i, ok);
            progress.captureDone();
        }
    };
    std::vector<std::thread> pool;
    for (unsigned j = 1; j < jobs; ++j) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
    progress.clear();
    ordered.check();
    if (!out.stream()) throw std::runtime_error("writing " + args.output + " failed");
    if (skipped == n) {
        throw std::runtime_error(n == 1
                                     ? "the capture could not be exported"
                                     : fmt::format("none of the {} captures could be exported", n));
    }
    if (common.run.stats && args.interleave) {
        fmt::print(stderr, "stats: {} captures, {}, records interleaved\n", n,
                   plural(jobs, "job", "jobs"));
    } else if (common.run.stats) {
        fmt::print(stderr,
                   "stats: {} captures, {}; {:.1f} MB of records waited in temporary files\n", n,
                   plural(jobs, "job", "jobs"), static_cast<double>(ordered.spilledBytes()) / 1e6);
    }
    if (skipped > 0) {
        fmt::print(stderr, "h2lens: {} of {} captures skipped\n", skipped.load(), n);
    }
    int code = 0;
    for (int c : codes) code = std::max(code, c);
    return code;
}

}  // namespace

void addExportCommand(CLI::App& app, CommonOptions& common) {
    auto* sub =
        app.add_subcommand("export", "the whole capture as a JSON transcript, NDJSON or HAR");
    auto args = std::make_shared<ExportArgs>();
    sub->add_option("FILE", args->inputs,
                    "pcap or pcapng capture ('-' reads standard input); with --ndjson several "
                    "captures and directories (searched recursively for captures)")
        ->required();
    addCaptureFlags(*sub, common);
    sub->add_option("-o,--output", args->output, "output file ('-' is standard output)")
        ->capture_default_str();
    auto* nd = sub->add_flag("--ndjson", args->ndjson,
                             "one record per line, streams as they finish (constant memory)");
    sub->add_flag("--har", args->har,
                  "HAR 1.2 (httpVersion h2) for browser devtools and HAR viewers")
        ->excludes(nd);
    sub->add_flag("--frames", args->options.frames,
                  "add every connection's frame list (as `frames --json`)");
    sub->add_option(
           "--max-body", args->options.maxBody,
           "body bytes written per body (raw and decoded); longer bodies are marked truncated")
        ->capture_default_str();
    sub->add_option("--max-retained-body", args->options.maxRetainedBody,
                    "body bytes kept per stream direction for decoding (content-encoding, gRPC)")
        ->capture_default_str();
    sub->add_option("--max-retained-total", args->options.maxRetainedTotal,
                    "body bytes kept for all open streams together; beyond it the bodies of the "
                    "streams idle longest are let go (size and sha256 stay exact, no data)")
        ->capture_default_str();
    auto* threads =
        sub->add_option("--threads", args->threads,
                        "with --ndjson, threads that hash and serialise finished streams (0: one "
                        "per core, at most 8; 1: everything on the decoding thread; at most 64; "
                        "with several captures decoded at once, the cores shared out among them, "
                        "1 with --interleave); the output is the same")
            ->capture_default_str();
    sub->add_option("--jobs", args->jobs,
                    "with several captures, how many are decoded at once (0: half the cores, "
                    "one per core with --interleave); the output is the same (with --interleave, "
                    "the same records)")
        ->capture_default_str()
        ->check(CLI::Range(0u, 256u));
    auto* interleave = sub->add_flag(
        "--interleave", args->interleave,
        "with several captures, records of different captures mix as they are made (each whole, "
        "each with its capture) instead of capture by capture in list order: no capture waits for "
        "the one before it, nothing goes through temporary files");
    sub->add_flag("--capture-field", args->options.tagCapture,
                  "with --ndjson, add \"capture\": FILE to every record (always on with "
                  "several captures)");
    sub->add_flag("--flat", args->options.flatFields,
                  "with --ndjson, add flat copies of nested values (method, authority, status, "
                  "ttfb, end_kind, ...) and one \"anomaly\" record per anomaly and \"finding\" per "
                  "audit finding, for databases "
                  "such as ClickHouse (docs/clickhouse.sql)");
    sub->add_option(
           "--redact", args->options.redact,
           "header names whose values are replaced by [REDACTED] (e.g. authorization,cookie)")
        ->delimiter(',');
    addDisplayFilterOption(*sub, args->view);
    addThresholdOption(*sub, args->thresholdOptions);
    sub->callback([&common, args, threads, interleave] {
        args->view.prepare();
        args->thresholds = args->thresholdOptions.apply();  // throws: exit 2
        args->threadsGiven = threads->count() > 0;
        if (args->options.maxRetainedBody < args->options.maxBody) {
            args->options.maxRetainedBody = args->options.maxBody;
        }
        if (!args->ndjson && (args->options.tagCapture || args->options.flatFields)) {
            throw std::runtime_error("--capture-field and --flat need --ndjson");
        }
        if (!args->ndjson && interleave->count() > 0) {
            throw std::runtime_error("--interleave needs --ndjson (and several captures)");
        }
        const CaptureList list = listCaptures(args->inputs);
        for (const std::string& dir : list.emptyDirectories) {
            fmt::print(stderr, "h2lens: {}: no capture found in this directory\n", dir);
        }
        if (list.files.size() == 1 && !list.anyDirectory) {
            // One capture: the output is what it always was (no "capture" field unless asked).
            common.run.path = list.files[0].path;
            if (args->options.tagCapture) args->options.captureTag = common.run.path;
            Output out(args->output);
            common.exitCode = exportCapture(*args, args->options, args->threads, common, common.run,
                                            out.stream());
            if (!out.stream()) throw std::runtime_error("writing " + args->output + " failed");
            return;
        }
        if (list.files.empty()) throw std::runtime_error("no capture to export");
        if (!args->ndjson) {
            throw std::runtime_error(
                "several captures are exported with --ndjson (one record per line, each with "
                "its capture)");
        }
        for (const auto& f : list.files) {
            if (f.path == "-")
                throw std::runtime_error("standard input ('-') must be the only capture");
        }
        common.exitCode = exportCaptures(*args, common, list);
    });
}

}  // namespace h2lens::cli
