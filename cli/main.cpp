// h2lens: a passive HTTP/2 analyzer. main() only parses the command line and turns failures of
// the environment into one line on stderr and an exit code; the work is in the decoder library.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <exception>

#include "audit_command.h"
#include "common_options.h"
#include "export_command.h"
#include "flows_command.h"
#include "follow_command.h"
#include "h2_commands.h"
#include "interfaces_command.h"
#include "live_command.h"
#include "priority_command.h"
#include "summary_command.h"

#include <malloc.h>

#include <cstring>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    using namespace h2lens::cli;
#if defined(M_TRIM_THRESHOLD)
    // Exports allocate and free body-sized buffers for every stream. With glibc's defaults those
    // go back to the kernel at once and are faulted in again for the next stream: a fifth of an
    // export's time was spent in page faults. Peak memory is unchanged (it is set by what is live).
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    // One arena for every thread: the export's workers free on the decoding thread what they
    // allocated on theirs, and an arena per thread kept each one's high-water mark resident (an
    // export of a capture with gaps peaked at 71 MB instead of 58 MB, at the same CPU time).
    mallopt(M_ARENA_MAX, 1);
#endif
    // `h2lens FILE [options]` is `h2lens summary FILE [options]`, and so is `h2lens -` (standard
    // input) or `h2lens -q FILE`: anything but a command name or a top-level option.
    std::vector<char*> args(argv, argv + argc);
    static char summary[] = "summary";
    static const char* kCommands[] = {"flows",      "frames", "streams", "export",   "follow",
                                      "interfaces", "live",   "summary", "priority", "audit"};
    static const char* kTopLevel[] = {"-h", "--help", "--version"};
    auto isOneOf = [](const char* arg, const auto& list) {
        return std::any_of(std::begin(list), std::end(list),
                           [&](const char* c) { return std::strcmp(c, arg) == 0; });
    };
    if (argc >= 2 && !isOneOf(argv[1], kCommands) && !isOneOf(argv[1], kTopLevel)) {
        args.insert(args.begin() + 1, summary);
    }
    CLI::App app{"h2lens: passive HTTP/2 analyzer for pcap/pcapng captures", "h2lens"};
    app.set_version_flag("--version", "h2lens 0.1.0");
    app.require_subcommand(1);
    CommonOptions common;
    addSummaryCommand(app, common);
    addFlowsCommand(app, common);
    addFramesCommand(app, common);
    addStreamsCommand(app, common);
    addExportCommand(app, common);
    addFollowCommand(app, common);
    addPriorityCommand(app, common);
    addAuditCommand(app, common);
    addInterfacesCommand(app);
    addLiveCommand(app);
    try {
        app.parse(static_cast<int>(args.size()), args.data());
    } catch (const CLI::ParseError& e) {
        // --help and --version end here with 0; a bad command line is exit code 2, as documented
        // (CLI11's own codes, 105-109, mean nothing to a script).
        const int code = app.exit(e);
        return code == 0 ? 0 : 2;
    } catch (const std::exception& e) {
        fmt::print(stderr, "h2lens: {}\n", e.what());
        return 2;
    }
    return common.exitCode;
}
