#include "common_options.h"

#include <stdexcept>

namespace h2lens::cli {

void addCaptureOptions(CLI::App& sub, CommonOptions& c) {
    sub.add_option("FILE", c.run.path, "pcap or pcapng capture ('-' reads standard input)")
        ->required();
    sub.add_flag("--stats", c.run.stats,
                 "print packets, MB/s, packets/s and peak memory on stderr when done");
    sub.add_flag("-q,--quiet", c.run.quiet, "do not print problems found in the capture");
    sub.add_option("--keylog", c.keylogPath,
                   "NSS key log (SSLKEYLOGFILE) to decrypt TLS; keys embedded in a pcapng "
                   "(Decryption Secrets Blocks) are used as well");
    sub.add_option("--max-flows", c.limits.maxFlows,
                   "most TCP connections tracked at once; the least recently active are "
                   "evicted (and counted) beyond it")
        ->capture_default_str();
    sub.add_option("--max-ooo-bytes", c.limits.maxOutOfOrderBytesPerFlow,
                   "out-of-order bytes buffered per connection direction before the hole in "
                   "front is given up as a gap")
        ->capture_default_str();
}

void loadKeyLog(CommonOptions& c) {
    c.run.keyLog = &c.keyLog;
    if (c.keylogPath.empty()) return;
    std::string error;
    if (!c.keyLog.loadFile(c.keylogPath, error)) throw std::runtime_error(error);
}

}  // namespace h2lens::cli
