#include "follow_command.h"

#include <unistd.h>

#include <iostream>
#include <memory>
#include <stdexcept>

#include "common_options.h"
#include "export/follow_printer.h"
#include "pipeline/http2_session.h"

namespace h2lens::cli {

namespace {

struct FollowArgs {
    ExportOptions options;
    FollowOptions follow;
    std::string color = "auto";
};

}  // namespace

void addFollowCommand(CLI::App& app, CommonOptions& common) {
    auto* sub = app.add_subcommand("follow", "one HTTP/2 exchange as a readable transcript");
    addCaptureOptions(*sub, common);
    auto args = std::make_shared<FollowArgs>();
    args->options.maxBody = 64 * 1024;
    sub->add_option("--conn", args->follow.conn, "the connection (the id `flows` shows)")
        ->required();
    sub->add_option("--stream", args->follow.stream,
                    "the stream id (default: every stream of the connection)");
    sub->add_option("--color", args->color, "colour: auto (only on a terminal), always, never")
        ->check(CLI::IsMember({"auto", "always", "never"}))
        ->capture_default_str();
    sub->add_option("--max-body", args->options.maxBody, "body bytes shown per body")
        ->capture_default_str();
    sub->add_option("--redact", args->options.redact, "header names whose values are hidden")
        ->delimiter(',');
    sub->callback([&common, args] {
        args->follow.color =
            args->color == "always" || (args->color == "auto" && isatty(STDOUT_FILENO));
        FollowPrinter printer(args->options, args->follow, std::cout);
        TranscriptCollector collector(args->options, &printer);
        loadKeyLog(common);
        Http2SessionFactory factory(common.limits, &collector, &common.keyLog);
        attachTlsThreads(common, factory);
        Analyzer analyzer(common.limits, &factory);
        printer.setAnalyzer(&analyzer);
        runCapture(common.run, analyzer);
        std::cout.flush();
        if (printer.printed() == 0) {
            throw std::runtime_error(
                args->follow.stream
                    ? "no stream " + std::to_string(*args->follow.stream) + " on connection " +
                          std::to_string(*args->follow.conn)
                    : "no HTTP/2 stream on connection " + std::to_string(*args->follow.conn));
        }
    });
}

}  // namespace h2lens::cli
