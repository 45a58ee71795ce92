#include "export_command.h"

#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>

#include "common_options.h"
#include "export/filtered_sink.h"
#include "export/har_writer.h"
#include "export/json_writer.h"
#include "parallel/ordered_work.h"
#include "view_options.h"

namespace h2lens::cli {

namespace {

struct ExportArgs {
    std::string output = "-";
    bool ndjson = false;
    bool har = false;
    unsigned threads = 0;
    ExportOptions options;
    ViewOptions view;
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

}  // namespace

void addExportCommand(CLI::App& app, CommonOptions& common) {
    auto* sub =
        app.add_subcommand("export", "the whole capture as a JSON transcript, NDJSON or HAR");
    addCaptureOptions(*sub, common);
    auto args = std::make_shared<ExportArgs>();
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
    sub->add_option("--threads", args->threads,
                    "with --ndjson, threads that hash and serialise finished streams (0: one per "
                    "core, at most 8; 1: everything on the decoding thread; at most 64); the "
                    "output is the same")
        ->capture_default_str();
    sub->add_option(
           "--redact", args->options.redact,
           "header names whose values are replaced by [REDACTED] (e.g. authorization,cookie)")
        ->delimiter(',');
    addDisplayFilterOption(*sub, args->view);
    sub->callback([&common, args] {
        args->view.prepare();
        if (args->options.maxRetainedBody < args->options.maxBody) {
            args->options.maxRetainedBody = args->options.maxBody;
        }
        Output out(args->output);
        std::unique_ptr<OrderedWork> scheduler;
        if (args->ndjson && args->threads != 1) {
            // 8 MiB of bodies in flight; one stream at a time may be decoding its body besides.
            constexpr std::size_t maxInFlight = 8u << 20;
            std::ostream& os = out.stream();
            scheduler = std::make_unique<OrderedWork>(
                OrderedWork::workersFor(args->threads), maxInFlight,
                [&os](const std::string& text, bool idle) {
                    os.write(text.data(), static_cast<std::streamsize>(text.size()));
                    // A reader at the other end of a pipe gets each line once nothing else is
                    // ready.
                    if (idle) os.flush();
                });
        }
        std::unique_ptr<TranscriptSink> sink;
        JsonWriter* json = nullptr;
        HarWriter* har = nullptr;
        if (args->har) {
            auto w = std::make_unique<HarWriter>(args->options, out.stream());
            har = w.get();
            sink = std::move(w);
        } else {
            auto w = std::make_unique<JsonWriter>(
                args->options,
                args->ndjson ? JsonWriter::Format::Ndjson : JsonWriter::Format::Document,
                out.stream());
            json = w.get();
            if (scheduler) json->setScheduler(scheduler.get());
            sink = std::move(w);
        }
        // -Y: the streams that match and their connections (--frames still lists every frame).
        FilterFront front(args->view.filter);
        FilteredTranscriptSink filtered(*sink, [&front](const StreamTranscript& t) {
            return front.judge(t.conn.id, t.record);
        });
        TranscriptSink* into = args->view.filter.empty() ? sink.get() : &filtered;
        TranscriptCollector collector(args->options, into);
        DecodeSession session(common.session(), front.attach(collector));
        if (json) json->setAnalyzer(&session.analyzer());
        if (har) har->setAnalyzer(&session.analyzer());
        const RunResult result = runCapture(common.run, session);
        common.exitCode = exitCodeFor(common.run, result, session.tally());
        if (json) json->finish(common.run.path, result.issues);
        if (har) har->finish();
        if (!out.stream()) throw std::runtime_error("writing " + args->output + " failed");
    });
}

}  // namespace h2lens::cli
