#pragma once
#include <CLI/CLI.hpp>

namespace h2lens::cli {

// `h2lens live -i IFACE`: capture from an interface and print frames or finished streams as
// they happen. A capture thread only reads packets and hands copies over a bounded queue (it
// never waits on output; what does not fit is dropped and counted); the calling thread runs
// the Analyzer, prints, and writes the optional pcapng copy. SIGINT/SIGTERM, --duration and
// --count end the capture cleanly: open streams are flushed as incomplete and the capture
// statistics printed on stderr.
void addLiveCommand(CLI::App& app);

}  // namespace h2lens::cli
