#include "common_options.h"

namespace h2lens::cli {

void addCaptureOptions(CLI::App& sub, CommonOptions& c) {
    sub.add_option("FILE", c.run.path, "pcap or pcapng capture ('-' reads standard input)")
        ->required();
    addCaptureFlags(sub, c);
}

void addCaptureFlags(CLI::App& sub, CommonOptions& c) {
    sub.add_flag("--stats", c.run.stats,
                 "print packets, MB/s, packets/s and peak memory on stderr when done");
    sub.add_flag("-q,--quiet", c.run.quiet, "do not print problems found in the capture");
    sub.add_flag("--strict", c.run.strict,
                 "exit with 1 when the capture had problems or HTTP/2 anomalies (without it: "
                 "only when the file is damaged)");
    sub.add_option("--keylog", c.keylogPath,
                   "NSS key log (SSLKEYLOGFILE) to decrypt TLS; keys embedded in a pcapng "
                   "(Decryption Secrets Blocks) are used as well");
    sub.add_option("--tls-threads", c.tlsThreads,
                   "threads that decrypt TLS records while this one decodes (default: one "
                   "fewer than the cores, at most 4; 0 decrypts on the decoding thread). The "
                   "output is the same either way")
        ->default_str("auto")
        ->check(CLI::Range(0, 64));
    sub.add_option("--max-flows", c.limits.maxFlows,
                   "most TCP connections tracked at once; the least recently active are "
                   "evicted (and counted) beyond it")
        ->capture_default_str();
    sub.add_option("--max-ooo-bytes", c.limits.maxOutOfOrderBytesPerFlow,
                   "out-of-order bytes buffered per connection direction before the hole in "
                   "front is given up as a gap")
        ->capture_default_str();
    sub.add_option("--max-open-streams", c.limits.maxOpenStreams,
                   "streams open at once per connection; beyond it the stream open longest is "
                   "reported as it stands, with an OPEN_STREAMS_CUT anomaly (so are streams "
                   "whose headers held more than 16 MiB together)")
        ->capture_default_str()
        ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30));
}

SessionOptions CommonOptions::session() const {
    SessionOptions o;
    o.limits = limits;
    o.keyLogPath = keylogPath;
    o.tlsThreads = tlsThreads;
    return o;
}

}  // namespace h2lens::cli
