#include "follow_command.h"

#include <unistd.h>

#include <iostream>
#include <memory>
#include <stdexcept>

#include "common_options.h"
#include "export/filtered_sink.h"
#include "export/follow_printer.h"
#include "view_options.h"

namespace h2lens::cli {

namespace {

struct FollowArgs {
    ExportOptions options;
    FollowOptions follow;
    std::string color = "auto";
    ViewOptions view;
};

}  // namespace

void addFollowCommand(CLI::App& app, CommonOptions& common) {
    auto* sub = app.add_subcommand("follow", "one HTTP/2 exchange as a readable transcript");
    addCaptureOptions(*sub, common);
    auto args = std::make_shared<FollowArgs>();
    args->options.maxBody = 64 * 1024;
    sub->add_option("--conn", args->follow.conn,
                    "the connection (the id `flows` shows); without it, every stream that -Y "
                    "selects");
    sub->add_option("--stream", args->follow.stream,
                    "the stream id (default: every stream of the connection)");
    sub->add_option("--color", args->color, "colour: auto (only on a terminal), always, never")
        ->check(CLI::IsMember({"auto", "always", "never"}))
        ->capture_default_str();
    sub->add_option("--max-body", args->options.maxBody, "body bytes shown per body")
        ->capture_default_str();
    sub->add_option("--redact", args->options.redact, "header names whose values are hidden")
        ->delimiter(',');
    addDisplayFilterOption(*sub, args->view);
    addTimeFormatOption(*sub, args->view);
    sub->callback([&common, args] {
        args->view.prepare();
        if (!args->follow.conn && args->view.filter.empty()) {
            throw std::runtime_error("follow needs --conn N or a display filter (-Y)");
        }
        args->follow.time = args->view.time;
        args->follow.color =
            args->color == "always" || (args->color == "auto" && isatty(STDOUT_FILENO));
        FollowPrinter printer(args->options, args->follow, std::cout);
        FilterFront front(args->view.filter);
        FilteredTranscriptSink filtered(printer, [&front](const StreamTranscript& t) {
            return front.judge(t.conn.id, t.record);
        });
        TranscriptCollector collector(args->options, &filtered);
        DecodeSession session(common.session(), front.attach(collector));
        printer.setAnalyzer(&session.analyzer());
        const RunResult run = runCapture(common.run, session);
        common.exitCode = exitCodeFor(common.run, run, session.tally());
        std::cout.flush();
        requireConnection(session, args->follow.conn);
        if (printer.printed() == 0) {
            const std::string where =
                args->follow.conn ? " on connection " + std::to_string(*args->follow.conn) : "";
            throw std::runtime_error(
                args->follow.stream ? "no stream " + std::to_string(*args->follow.stream) + where
                : args->view.filter.empty()
                    ? "no HTTP/2 stream" + where
                    : "no HTTP/2 stream" + where + " matches the display filter");
        }
    });
}

}  // namespace h2lens::cli
