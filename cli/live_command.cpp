#include "live_command.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "audit/audit_watch.h"
#include "audit_report.h"
#include "capture/pcapng_writer.h"
#include "capture_run.h"
#include "export/stream_row_json.h"
#include "export/transcript_json.h"
#include "frame_text.h"
#include "h2/names.h"
#include "pcap/capture_loop.h"
#include "pcap/live_capture.h"
#include "pcap/live_packet_queue.h"
#include "session/decode_session.h"
#include "session/listener_tee.h"
#include "view_options.h"

namespace h2lens::cli {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxIssueLines = 20;

enum class View : std::uint8_t { Frames, Streams };
enum class Format : std::uint8_t { Text, JsonArray, JsonLines };

struct Options {
    LiveOptions capture;
    double durationSeconds = 0;
    std::uint64_t count = 0;
    std::string view = "streams";
    bool json = false;
    bool ndjson = false;
    std::string writePath;
    double bufferMb = 64;
    double queueMb = 128;
    bool immediate = false;
    bool noImmediate = false;  // the old default's opposite, still accepted
    bool quiet = false;
    std::string keylogPath;
    Limits limits;
    ViewOptions display;  // -Y for the streams view
    bool stats = false;   // a progress line on stderr every second
    bool audit = false;   // --audit: findings printed when the capture stops
    // --write-only: capture into -w and decode nothing, for a reader that decodes the pipe
    // itself (the GUI): on 2 cores, two decodes of the same traffic do not keep up with it.
    bool writeOnly = false;
    bool directIo = false;  // -w FILE written with O_DIRECT (PcapngWriter::openDirect)
    ThresholdOptions thresholds;
};

// ---- printers (frame lines come from frame_text.h, shared with `h2lens frames`) ----

double seconds(TimestampNs t, TimestampNs base) {
    return static_cast<double>(t - base) / 1e9;
}

// Prints as events arrive and keeps nothing, so memory does not grow with the capture.
class LivePrinter final : public H2Listener {
  public:
    LivePrinter(View view, Format format, bool enabled, const StreamFilter& filter,
                const FilterFront& front)
        : m_view(view), m_format(format), m_enabled(enabled), m_filter(filter), m_front(front) {}
    void setAnalyzer(const Analyzer* a) { m_analyzer = a; }

    void begin() {
        if (!m_enabled || m_format != Format::Text || m_view != View::Streams) return;
        fmt::print("{:>4} {:>6}  {:<7} {:<22} {:<40} {:>6} {:>9} {:>10} {:>10} {:>9}  {}\n", "conn",
                   "stream", "method", "authority", "path", "status", "req bytes", "resp bytes",
                   "start s", "dur ms", "end");
    }
    void end() {
        if (m_enabled && m_format == Format::JsonArray)
            fmt::print("{}", m_records == 0 ? "[]\n" : "\n]\n");
    }

    void onFrame(const FrameEvent& ev) override {
        ++m_frames;
        if (!m_enabled || m_view != View::Frames) return;
        if (m_format != Format::Text) {
            m_jsonContext.base = base();
            return record(frameJson(ev, m_jsonContext));
        }
        fmt::print("{}", frameText(ev, base()));
    }

    void onAnomaly(const ConnectionInfo& c, const Anomaly& a) override {
        if (!m_enabled || m_format != Format::Text) return;
        fmt::print("{}", anomalyText(c, a, base()));
    }

    void onStreamDone(const ConnectionInfo& c, const StreamRecord& s) override {
        ++m_streams;
        if (!m_enabled || m_view != View::Streams) return;
        if (!m_front.judge(c.id, s)) return;
        if (m_format != Format::Text) return record(streamRowJson(c, s, base(), Redactor{}));
        auto v = [](const std::optional<HeaderBlock>& b, std::string_view n) {
            return b ? std::string(b->value(n)) : std::string();
        };
        std::string path = v(s.request, ":path");
        if (path.size() > 40) path = path.substr(0, 37) + "...";
        fmt::print(
            "{:>4} {:>6}  {:<7} {:<22} {:<40} {:>6} {:>9} {:>10} {:>10} {:>9}  {}\n", c.id, s.id,
            v(s.request, ":method"), v(s.request, ":authority"), path, v(s.response, ":status"),
            s.requestBodyBytes, s.responseBodyBytes,
            s.requestStart ? fmt::format("{:.3f}", seconds(*s.requestStart, base())) : "-",
            s.closed && s.requestStart
                ? fmt::format("{:.3f}", static_cast<double>(*s.closed - *s.requestStart) / 1e6)
                : "-",
            streamEndColumn(s));
    }

    void onConnectionDone(const ConnectionInfo& c, const ConnectionSummary& sum) override {
        ++m_connections;
        if (sum.detection == Http2Detection::PriorKnowledge ||
            sum.detection == Http2Detection::Upgrade ||
            sum.detection == Http2Detection::MidStream ||
            (sum.detection == Http2Detection::Tls && sum.tlsDecrypted)) {
            ++m_http2Connections;
            return;
        }
        if (!m_enabled || m_format != Format::Text || m_view != View::Streams) return;
        if (!m_filter.empty()) return;  // the filter selects streams; these carry none
        fmt::print("conn {} {} -> {}: {}{}\n", c.id, c.client.toString(), c.server.toString(),
                   detectionName(sum.detection),
                   sum.detectionDetail.empty() ? "" : " (" + sum.detectionDetail + ")");
    }

    std::uint64_t streams() const { return m_streams; }
    std::uint64_t frames() const { return m_frames; }
    std::uint64_t connections() const { return m_connections; }
    std::uint64_t http2Connections() const { return m_http2Connections; }

  private:
    TimestampNs base() const { return m_analyzer != nullptr ? m_analyzer->stats().firstTs : 0; }
    void record(const Json& j) {
        if (m_format == Format::JsonLines) {
            fmt::print("{}\n",
                       j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
        } else {
            fmt::print("{}{}", m_records == 0 ? "[\n" : ",\n",
                       j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
        }
        ++m_records;
    }

    View m_view;
    Format m_format;
    bool m_enabled;
    const StreamFilter& m_filter;
    const FilterFront& m_front;
    const Analyzer* m_analyzer = nullptr;
    ExportOptions m_exportOptions;
    JsonContext m_jsonContext{&m_exportOptions, Redactor{}, 0};
    std::uint64_t m_records = 0;
    std::uint64_t m_streams = 0;
    std::uint64_t m_frames = 0;
    std::uint64_t m_connections = 0;
    std::uint64_t m_http2Connections = 0;
};

// ---- signals ----

std::atomic<LiveCapture*> g_capture{nullptr};
volatile std::sig_atomic_t g_signal = 0;

extern "C" void onStopSignal(int sig) {
    g_signal = sig;
    if (LiveCapture* c = g_capture.load()) c->stop();  // an eventfd write: signal-safe
}

// SIGINT/SIGTERM stop the capture while it runs; a second Ctrl-C kills as usual (SA_RESETHAND),
// for when draining a long queue is not wanted.
class StopSignals {
  public:
    explicit StopSignals(LiveCapture& capture) {
        g_signal = 0;
        g_capture.store(&capture);
        struct sigaction sa {};
        sa.sa_handler = onStopSignal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESETHAND | SA_RESTART;
        sigaction(SIGINT, &sa, &m_oldInt);
        sigaction(SIGTERM, &sa, &m_oldTerm);
    }
    ~StopSignals() {
        sigaction(SIGINT, &m_oldInt, nullptr);
        sigaction(SIGTERM, &m_oldTerm, nullptr);
        g_capture.store(nullptr);
    }
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;

  private:
    struct sigaction m_oldInt {};
    struct sigaction m_oldTerm {};
};

std::string reasonText(const CaptureOutcome& o, const Options& options) {
    switch (o.reason) {
        case CaptureStopReason::Stopped:
            if (g_signal == 0) return "a write error";
            return g_signal == SIGTERM ? "SIGTERM" : "Ctrl-C (SIGINT)";
        case CaptureStopReason::Duration:
            return fmt::format("--duration {}", options.durationSeconds);
        case CaptureStopReason::Count:
            return fmt::format("--count {}", options.count);
        case CaptureStopReason::Failed:
            return "a capture error";
    }
    return {};
}

std::int64_t wallClockNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

class IssueLines {
  public:
    IssueLines(std::string name, bool quiet) : m_name(std::move(name)), m_quiet(quiet) {}
    void print(const Issue& issue) {
        if (m_quiet || ++m_count > kMaxIssueLines) return;
        if (issue.packetNumber != 0) {
            fmt::print(stderr, "h2lens: {}: packet {}: {}\n", m_name, issue.packetNumber,
                       issue.message);
        } else {
            fmt::print(stderr, "h2lens: {}: {}\n", m_name, issue.message);
        }
    }
    void summary() const {
        if (!m_quiet && m_count > kMaxIssueLines) {
            fmt::print(stderr, "h2lens: {}: {} more problems not shown ({} in all)\n", m_name,
                       m_count - kMaxIssueLines, m_count);
        }
    }

  private:
    std::string m_name;
    bool m_quiet;
    std::uint64_t m_count = 0;
};

// `--keylog FILE` in live mode: the client writes the file while we capture (TLS 1.2 keys
// appear only after the ServerHello), so the session reads it again, appended lines only,
// before each batch is decoded; sessions keep what they cannot decrypt yet. A file that does
// not exist yet is fine: curl creates it on its first connection. This says what happened.
class LiveKeyLog {
  public:
    explicit LiveKeyLog(DecodeSession& session) : m_session(session) {
        const KeyLogFile* file = session.keyLogFile();
        if (!file) return;
        switch (session.pollKeyLog()) {
            case KeyLogFile::Status::Error:
                throw std::runtime_error(file->error());
            case KeyLogFile::Status::Missing:
                fmt::print(stderr,
                           "h2lens: key log {} does not exist yet; it is read as soon as "
                           "it appears\n",
                           file->path());
                break;
            default:
                break;
        }
    }

    // Before each batch: one stat() when nothing changed.
    void refresh() { report(m_session.pollKeyLog()); }
    // The capture is over: a last line without a newline counts too.
    void finish() { report(m_session.pollKeyLog(true)); }
    void printSummary() const {
        const KeyLogFile* file = m_session.keyLogFile();
        if (!file) return;
        const KeyLog& keys = m_session.keys();
        fmt::print(
            stderr, "h2lens: key log {}: {} secrets for {} TLS connections{}{}\n", file->path(),
            keys.acceptedLines(), keys.randomCount(),
            keys.malformedLines() ? fmt::format(", {} malformed lines", keys.malformedLines()) : "",
            keys.evictedRandoms() ? fmt::format(", {} oldest forgotten", keys.evictedRandoms())
                                  : "");
    }

  private:
    void report(KeyLogFile::Status status) {
        // Said once per change of state, not once per batch.
        if (status == KeyLogFile::Status::Error && !m_errorShown) {
            fmt::print(stderr, "h2lens: {}; still trying\n", m_session.keyLogFile()->error());
            m_errorShown = true;
        } else if (status == KeyLogFile::Status::Read) {
            m_errorShown = false;
        }
    }

    DecodeSession& m_session;
    bool m_errorShown = false;
};

// `--stats`: once a second, what the last second carried and what was lost so far, so a user
// sees a capture fall behind while it happens instead of in the totals at the end.
class LiveProgress {
  public:
    LiveProgress(bool enabled, Clock::time_point start, std::string_view queueName)
        : m_enabled(enabled), m_start(start), m_last(start), m_queueName(queueName) {}
    void maybePrint(const AnalyzerStats& st, const LivePacketQueue& queue,
                    const CaptureOutcome& outcome) {
        if (!m_enabled) return;
        const auto now = Clock::now();
        const double dt = std::chrono::duration<double>(now - m_last).count();
        if (dt < 1.0) return;
        const double packets = static_cast<double>(st.packets - m_packets) / dt;
        const double mb = static_cast<double>(st.capturedBytes - m_bytes) / 1e6 / dt;
        const PacketQueueStats q = queue.stats();
        const std::string kernel =
            outcome.liveStatsAvailable
                ? fmt::format("{} by kernel, {} by interface, ", outcome.liveDroppedByKernel.load(),
                              outcome.liveDroppedByInterface.load())
                : std::string();
        fmt::print(stderr,
                   "h2lens: {:6.1f} s: {:.0f} packets/s, {:.1f} MB/s, {} {:.1f} MB; "
                   "dropped so far: {}{} by h2lens\n",
                   std::chrono::duration<double>(now - m_start).count(), packets, mb, m_queueName,
                   static_cast<double>(queue.queuedBytes()) / 1e6, kernel, q.droppedPackets);
        std::fflush(stderr);
        m_last = now;
        m_packets = st.packets;
        m_bytes = st.capturedBytes;
    }

  private:
    bool m_enabled;
    Clock::time_point m_start, m_last;
    std::string_view m_queueName;
    std::uint64_t m_packets = 0;
    std::uint64_t m_bytes = 0;
};

// The last word on losses: nothing, or how many packets were lost where and what helps.
// Who takes the packets off the queue: the decode, or with --write-only the pcapng writer; the
// progress, statistics and loss lines name it.
struct QueueConsumer {
    std::string_view queue;  // the queue's name
    std::string_view role;   // who falls behind when it overflows
    std::string_view done;   // what became of every packet that passed the filter
};
constexpr QueueConsumer kDecoder{"decode queue", "decoder", "decoded"};
constexpr QueueConsumer kWriter{"write queue", "writer", "written"};

std::uint64_t lostPackets(const CaptureOutcome& outcome, const PacketQueueStats& queue) {
    const LiveStats& st = outcome.stats;
    return (st.available ? st.droppedByKernel + st.droppedByInterface : 0) + queue.droppedPackets;
}

std::string lossLine(const CaptureOutcome& outcome, const PacketQueueStats& queue,
                     const QueueConsumer& consumer) {
    const std::uint64_t kernel = outcome.stats.available ? outcome.stats.droppedByKernel : 0;
    const std::uint64_t nic = outcome.stats.available ? outcome.stats.droppedByInterface : 0;
    const std::uint64_t ours = queue.droppedPackets;
    const std::uint64_t all = lostPackets(outcome, queue);
    if (all == 0) {
        if (!outcome.stats.available)
            return "h2lens: lost nothing in h2lens (libpcap gave no kernel counters)\n";
        return fmt::format("h2lens: lost nothing: every packet the filter passed was {}\n",
                           consumer.done);
    }
    std::string where;
    auto add = [&](std::uint64_t n, std::string_view text) {
        if (n == 0) return;
        where += fmt::format("{}{} {}", where.empty() ? "" : ", ", n, text);
    };
    add(kernel, "in the kernel buffer (raise --buffer-size)");
    add(nic, "by the interface");
    const std::string ourQueue = fmt::format("in h2lens's {} (raise --queue-size)", consumer.queue);
    add(ours, ourQueue);
    return fmt::format("h2lens: lost {}: {}\n", plural(all, "packet", "packets"), where);
}

void runLive(Options& options) {
    const AuditThresholds thresholds = options.thresholds.apply();  // a bad one: exit 2 at once
    const bool toStdout = options.writePath == "-";
    const View view = options.view == "frames" ? View::Frames : View::Streams;
    const Format format = options.ndjson ? Format::JsonLines
                          : options.json ? Format::JsonArray
                                         : Format::Text;
    options.capture.immediate = options.immediate && !options.noImmediate;
    options.capture.bufferBytes = static_cast<int>(options.bufferMb * 1024 * 1024);

    LiveCapture capture(options.capture);  // throws with the user-facing sentence
    const std::string& iface = options.capture.interface;
    std::optional<PcapngWriter> writer;
    std::uint32_t writerInterface = 0;
    if (!options.writePath.empty()) {
        writer.emplace(options.directIo
                           ? PcapngWriter::openDirect(options.writePath, "h2lens 0.1.0 (live)")
                           : PcapngWriter::open(options.writePath, "h2lens 0.1.0 (live)"));
        if (options.directIo && !writer->writesDirect())
            fmt::print(stderr,
                       "h2lens: {}: the file system refuses O_DIRECT; --direct-io writes it "
                       "through the page cache\n",
                       options.writePath);
        writerInterface =
            writer->addInterface(PcapngInterface{capture.linkType(),
                                                 static_cast<std::uint32_t>(capture.snapLength()),
                                                 iface,
                                                 {},
                                                 options.capture.filter});
        writer->flush();
    }

    FilterFront front(options.display.filter);
    LivePrinter printer(view, format, !toStdout && !options.writeOnly, options.display.filter,
                        front);
    SessionOptions sessionOptions;
    sessionOptions.limits = options.limits;
    sessionOptions.keyLogPath = options.keylogPath;
    sessionOptions.followKeyLog = true;
    std::optional<AuditWatch> audit;
    std::optional<ListenerTee> both;
    if (options.audit) {
        audit.emplace(thresholds, options.limits);
        both.emplace(*audit, front.attach(printer));
    }
    DecodeSession session(sessionOptions,
                          both ? static_cast<H2Listener&>(*both) : front.attach(printer));
    // With -w, the key log lines go into the file too, each Decryption Secrets Block before the
    // packets that need it, so the capture opens decrypted later without the key log.
    std::string newKeys;
    if (writer && !options.keylogPath.empty()) session.journalKeys(&newKeys);
    auto writeNewKeys = [&] {
        if (writer && !newKeys.empty()) writer->writeTlsKeyLog(newKeys);
        newKeys.clear();
    };
    LiveKeyLog keyLog(session);
    writeNewKeys();
    Analyzer& analyzer = session.analyzer();
    printer.setAnalyzer(&analyzer);
    IssueLines issues(iface, options.quiet);
    for (const Issue& i : capture.takeIssues()) issues.print(i);

    fmt::print(
        stderr, "h2lens: capturing on {} (LINKTYPE {}, snaplen {}{}), Ctrl-C stops\n", iface,
        capture.linkType(), capture.snapLength(),
        options.capture.filter.empty() ? "" : fmt::format(", filter '{}'", options.capture.filter));
    std::fflush(stderr);

    const std::int64_t wallStart = wallClockNs();
    const auto start = Clock::now();
    LivePacketQueue queue(static_cast<std::size_t>(options.queueMb * 1024 * 1024));
    CaptureOutcome outcome;
    AnalyzerStats written;  // --write-only: what went into the file, as the stats count it
    const QueueConsumer& consumer = options.writeOnly ? kWriter : kDecoder;
    printer.begin();
    std::fflush(stdout);
    {
        StopSignals signals(capture);
        CaptureLoopOptions loopOptions;
        loopOptions.durationSeconds = options.durationSeconds;
        loopOptions.count = options.count;
        loopOptions.statsEverySecond = options.stats;
        std::thread captureThread([&] { runCaptureLoop(capture, queue, loopOptions, outcome); });
        PacketBatch batch;
        std::uint64_t number = 0;
        LiveProgress progress(options.stats, start, consumer.queue);
        for (;;) {
            const auto popped = queue.pop(batch, std::chrono::milliseconds(200));
            progress.maybePrint(options.writeOnly ? written : analyzer.stats(), queue, outcome);
            if (popped == LivePacketQueue::Pop::Closed) break;
            if (popped == LivePacketQueue::Pop::Timeout) continue;
            keyLog.refresh();  // keys for this batch were written before its packets were sent
            writeNewKeys();
            for (std::size_t i = 0; i < batch.size(); ++i) {
                Packet p = batch.at(i);
                p.number = ++number;  // numbered as decoded, so numbers match the -w file
                if (writer) writer->writePacket(writerInterface, p);
                if (options.writeOnly) {
                    ++written.packets;
                    written.capturedBytes += p.data.size();
                } else {
                    session.ingest(p);
                }
            }
            for (const Issue& i : analyzer.takeIssues()) issues.print(i);
            if (!toStdout)
                std::fflush(stdout);  // a batch is at most batchAge old: output stays live
            if (writer && queue.queuedBytes() == 0) writer->flush();
            if (writer && writer->failed()) {
                capture.stop();
            }
        }
        captureThread.join();
    }
    keyLog.finish();
    writeNewKeys();
    session.finish();  // streams still open end as incomplete and are printed now
    for (const Issue& i : analyzer.takeIssues()) issues.print(i);
    for (const Issue& i : outcome.issues) issues.print(i);
    printer.end();
    if (audit) {
        // After the text view on standard output; where that holds JSON or pcapng, on stderr.
        std::FILE* out = format == Format::Text && !toStdout ? stdout : stderr;
        if (out == stdout) fmt::print("\n");
        printFindings(out, fmt::format("live capture on {}", iface), audit->findings(),
                      printer.http2Connections(), analyzer.stats().minTs);
    }
    std::fflush(stdout);
    issues.summary();

    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    const PacketQueueStats queueStats = queue.stats();
    const AnalyzerStats& st = analyzer.stats();
    if (writer) {
        PcapngInterfaceStats isb;
        isb.ts = wallClockNs();
        isb.start = wallStart;
        isb.end = isb.ts;
        if (outcome.stats.available) {
            isb.received = outcome.stats.received;
            isb.droppedByOs = outcome.stats.droppedByKernel;
            isb.droppedByInterface = outcome.stats.droppedByInterface;
        }
        isb.delivered = writer->packetsWritten();
        writer->writeStats(writerInterface, isb);
        writer->flush();
    }

    fmt::print(stderr, "h2lens: capture on {} stopped by {} after {:.2f} s\n", iface,
               reasonText(outcome, options), elapsed);
    if (outcome.stats.available) {
        fmt::print(stderr,
                   "h2lens: {} packets received by filter, {} dropped by kernel, {} dropped by "
                   "interface, {} dropped by h2lens ({} behind)\n",
                   outcome.stats.received, outcome.stats.droppedByKernel,
                   outcome.stats.droppedByInterface, queueStats.droppedPackets, consumer.role);
    } else {
        fmt::print(stderr,
                   "h2lens: {} packets captured (libpcap gave no statistics), {} dropped by h2lens "
                   "({} behind)\n",
                   outcome.captured, queueStats.droppedPackets, consumer.role);
    }
    // "N packets (X MB): P packets/s, R MB/s", for what was decoded or, with --write-only, written.
    const auto amount = [&](std::uint64_t packets, std::uint64_t bytes) {
        const double mb = static_cast<double>(bytes) / 1e6;
        return fmt::format("{} ({:.1f} MB): {:.0f} packets/s, {:.1f} MB/s",
                           plural(packets, "packet", "packets"), mb,
                           elapsed > 0 ? static_cast<double>(packets) / elapsed : 0.0,
                           elapsed > 0 ? mb / elapsed : 0.0);
    };
    const std::string peaks = fmt::format("peak queue {:.1f} MB, peak memory {:.1f} MB",
                                          static_cast<double>(queueStats.peakBytes) / 1e6,
                                          static_cast<double>(peakRssBytes()) / 1e6);
    if (options.writeOnly) {
        fmt::print(stderr, "h2lens: decoded nothing (--write-only), wrote {}; {}\n",
                   amount(written.packets, written.capturedBytes), peaks);
    } else {
        fmt::print(stderr, "h2lens: decoded {}; {}, {} HTTP/2, {}; {}\n",
                   amount(st.packets, st.capturedBytes),
                   plural(analyzer.flows().stats().flows, "TCP connection", "TCP connections"),
                   printer.http2Connections(), plural(printer.streams(), "stream", "streams"),
                   peaks);
    }
    keyLog.printSummary();
    // Always when something was lost; with --stats also when nothing was.
    if (options.stats || lostPackets(outcome, queueStats) > 0)
        fmt::print(stderr, "{}", lossLine(outcome, queueStats, consumer));
    if (writer) {
        if (writer->failed()) {
            throw CaptureError(fmt::format("{}: write failed: {}",
                                           toStdout ? "standard output" : options.writePath,
                                           writer->error()));
        }
        fmt::print(stderr, "h2lens: wrote {} packets to {}\n", writer->packetsWritten(),
                   toStdout ? "standard output" : options.writePath);
    }
    if (outcome.reason == CaptureStopReason::Failed) {
        throw CaptureError(fmt::format("capture on '{}' ended by an error (see above)", iface));
    }
}

}  // namespace

void addLiveCommand(CLI::App& app) {
    auto* sub = app.add_subcommand(
        "live", "capture from a network interface and decode HTTP/2 as it happens");
    auto o = std::make_shared<Options>();
    sub->add_option("-i,--interface", o->capture.interface,
                    "interface to capture on (see `h2lens interfaces`)")
        ->required();
    sub->add_option("-f,--filter", o->capture.filter,
                    "BPF capture filter, tcpdump syntax, e.g. 'tcp port 443'");
    sub->add_option("--snaplen", o->capture.snapLength, "bytes kept per packet")
        ->capture_default_str()
        ->check(CLI::Range(64, 262144));
    sub->add_option("--duration", o->durationSeconds, "stop after this many seconds")
        ->check(CLI::PositiveNumber);
    sub->add_option("-c,--count", o->count, "stop after this many packets")
        ->check(CLI::PositiveNumber);
    sub->add_option("--view", o->view,
                    "what to print as it happens: frames, or streams when they finish")
        ->capture_default_str()
        ->check(CLI::IsMember({"frames", "streams"}));
    auto* json = sub->add_flag("--json", o->json, "a JSON array (closed when the capture stops)");
    auto* ndjson = sub->add_flag("--ndjson", o->ndjson, "one JSON object per line as it happens");
    json->excludes(ndjson);
    sub->add_option("-w,--write", o->writePath,
                    "also save the capture as pcapng ('-': standard output, and nothing "
                    "else is printed there); with --keylog, the secrets used go into it too "
                    "(Decryption Secrets Blocks), so it opens decrypted without the key log");
    sub->add_option("--buffer-size", o->bufferMb, "kernel capture buffer in MiB")
        ->capture_default_str()
        ->check(CLI::Range(1.0, 2047.0));
    sub->add_option(
           "--queue-size", o->queueMb,
           "MiB of packets that may wait for the decoder before h2lens drops (and counts) them")
        ->capture_default_str()
        ->check(CLI::Range(1.0, 65536.0));
    // Not immediate by default: libpcap then uses TPACKET_V3, whose ring of 256 KiB blocks holds
    // packets of any size back to back in --buffer-size bytes. Immediate mode (TPACKET_V2) has
    // one slot per packet sized for the largest one (64 KiB on loopback or with offloads), so
    // the ring took twice --buffer-size of memory and still dropped packets at 2 GB/s where V3
    // lost none (bench/live_load.sh, bench/README.md).
    sub->add_flag("--immediate", o->immediate,
                  "hand h2lens each packet as it arrives (TPACKET_V2: lower latency when traffic "
                  "is sparse, but libpcap's ring then takes about twice --buffer-size and holds "
                  "fewer packets); by default the kernel fills 256 KiB blocks, handed over when "
                  "full or after 100 ms");
    sub->add_flag("--no-immediate", o->noImmediate, "the default (kept for scripts)")
        ->group("");
    sub->add_flag("--promisc", o->capture.promiscuous, "put the interface in promiscuous mode");
    sub->add_flag("-q,--quiet", o->quiet, "do not print problems found in the traffic");
    sub->add_flag("--stats", o->stats,
                  "every second print packets/s, MB/s, the decode queue and the drops so far "
                  "(stderr); at the end, what was lost and where");
    sub->add_option("--keylog", o->keylogPath,
                    "NSS key log (SSLKEYLOGFILE) to decrypt TLS; the client may still be writing "
                    "it (it is followed as it grows) and it need not exist yet");
    sub->add_option("--max-flows", o->limits.maxFlows, "most TCP connections tracked at once")
        ->capture_default_str();
    sub->add_option("-Y,--display-filter", o->display.filterText,
                    "with --view streams, only the streams that match (docs/filter.md; "
                    "anomaly: terms see the anomalies raised before the stream ended)");
    sub->add_flag("--audit", o->audit,
                  "audit the HTTP/2 for attacks as `h2lens audit` does and print the findings "
                  "when the capture stops (on stderr when standard output carries JSON or -w -)");
    sub->add_flag(
        "--write-only", o->writeOnly,
        "with -w, only capture and write the pcapng (and the --keylog secrets): decode "
        "nothing, for a program that decodes the file or pipe itself, as h2lens-gui does; "
        "the capture then needs about half the CPU");
    sub->add_flag("--direct-io", o->directIo,
                  "with -w FILE, write around the page cache (O_DIRECT), for machines whose new "
                  "page-cache pages come slower than the traffic (a VM's first touch of memory): "
                  "each flush ends on a 4 KiB boundary with a filler block of a local-use "
                  "pcapng block type, which readers skip (h2lens-gui uses this)");
    addThresholdOption(*sub, o->thresholds);
    sub->callback([o] {
        if (o->directIo && (o->writePath.empty() || o->writePath == "-"))
            throw CLI::ValidationError("--direct-io", "needs -w FILE (a file, not -)");
        if (o->writeOnly && o->writePath.empty())
            throw CLI::ValidationError("--write-only", "needs -w FILE (or -w -)");
        if (o->writeOnly && (o->json || o->ndjson || o->audit || !o->display.filterText.empty()))
            throw CLI::ValidationError("--write-only",
                                       "decodes nothing: --json, --ndjson, --audit and -Y need "
                                       "the decode");
        o->display.prepare();
        if (!o->display.filter.empty() && o->view != "streams") {
            throw CLI::ValidationError("-Y",
                                       "filters the streams view; frames are printed as they come");
        }
        if (o->writePath == "-" && (o->ndjson || o->json)) {
            throw CLI::ValidationError("--json/--ndjson", "cannot share standard output with -w -");
        }
        runLive(*o);
    });
}

}  // namespace h2lens::cli
