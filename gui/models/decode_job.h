#pragma once
// One capture decoded end to end on the calling thread (the GUI runs it on a worker), with the
// results handed out in DecodeBatch values at most every `flushInterval` so rows appear while
// the decode runs. The same Analyzer + Http2SessionFactory loop as the CLI, plus:
//  - TcpEventRecorder: a FlowConsumerFactory decorator that records every TcpEvent
//    (retransmission, out-of-order, gap, ...) the HTTP/2 session does not forward to its listener;
//  - a listener that copies frames (FrameMark), anomalies, finished streams and request/response
//    bodies (capped: DecodeOptions) out of the views that die with each call.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "capture/packet_source.h"
#include "common/issue.h"
#include "common/limits.h"
#include "export/transcript_store.h"
#include "models/capture_data.h"
#include "pipeline/analyzer.h"

namespace h2lens::gui {

struct DecodeOptions {
    Limits limits;
    std::string keylogPath;  // NSS key log for TLS; secrets in a pcapng are used as well
    // The key log is still being written while the capture is decoded (a live capture): it is
    // followed with KeyLogFile instead of read once. A missing file is then not an error (the
    // client creates it on its first handshake). The lines appended since the last look are
    // read before decoding a packet captured after that look (so every key the client wrote
    // before sending it is there), at least every keylogPollInterval, and once more at the
    // end; TLS sessions keep records whose keys have not arrived yet (KeyLog::setGrowing).
    bool followKeylog = false;
    // A file load opens TLS records on other cores (TlsOpenPool, as the CLI's --tls-threads);
    // the decode is the same either way. Not with followKeylog: late keys keep records waiting.
    bool openTlsAhead = true;
    std::chrono::milliseconds keylogPollInterval{200};
    // Bodies the window shows when no transcripts are kept (maxTranscriptBodyBytes 0); with
    // them, the window shows the store's bytes (StreamData::bodyOwner) and these do not apply.
    std::size_t maxBodyBytesPerStream = 1024 * 1024;        // per direction
    std::uint64_t maxBodyBytesTotal = 64ull * 1024 * 1024;  // whole capture
    // The transcripts File > Export writes (DecodeResult::transcripts), bodies included up to
    // this many bytes in all; past it the export reads the capture again. 0: none kept.
    std::uint64_t maxTranscriptBodyBytes = 128ull * 1024 * 1024;
    std::chrono::milliseconds flushInterval{100};
    std::size_t flushStreams = 20000;  // also flush once this many streams are waiting
    // Look at the flush clock after every packet instead of every 256: a live capture may
    // deliver a few packets per second, and they should show within flushInterval.
    bool checkClockEveryPacket = false;
    // Decode on a thread of lower priority (nice 10) than the rest of the machine: a live
    // capture's decode reads the file the capture child writes, so it can fall behind and catch
    // up, while a capture starved of CPU loses packets for good (2 cores at 1 GB/s: 17,000-18,400
    // of 20,000 streams at the same priority, 19,100-19,200 yielding).
    bool yieldToCapture = false;
};

// What became of DecodeOptions::keylogPath (empty path: nothing used).
struct KeyLogReport {
    bool followed = false;
    bool seen = false;          // the file existed at some point (always true for a file load)
    std::string error;          // the last read error of a followed file ("" when fine)
    std::uint64_t secrets = 0;  // accepted lines
    std::uint64_t randoms = 0;  // TLS connections (client randoms) they are for
    std::uint64_t malformed = 0;
};

struct DecodeResult {
    bool cancelled = false;
    std::string error;  // environment problem (file missing, not a capture); empty when fine
    AnalyzerStats stats;
    double seconds = 0;
    std::vector<Issue> issues;  // capped at Analyzer::kMaxKeptIssues
    std::uint64_t issueCount = 0;
    KeyLogReport keylog;
    // Every stream and connection as the exporters see them (null: cancelled, failed, or not
    // asked for). Shared: the export reads it on the GUI thread after the decode ended.
    std::shared_ptr<const TranscriptStore> transcripts;
};

using BatchSink = std::function<void(DecodeBatch&&)>;

// Runs the decode; `cancel` (may be null) is polled between packets. `sink` receives every batch
// on the calling thread, the last one before this returns. Never throws.
DecodeResult decodeCapture(const std::string& path, const DecodeOptions& options,
                           const std::atomic<bool>* cancel, const BatchSink& sink);

// For sources that wait for their input (a live capture, see live_decode.h): the source calls
// it while it waits, so the batch so far is flushed even when no packet arrives. It returns
// false once the decode is cancelled; the source should then end its input.
using IdleHook = std::function<bool()>;
// Makes the packet source (on the decoding thread); may throw std::exception for an
// environment problem, which becomes DecodeResult::error.
using SourceOpener = std::function<std::unique_ptr<PacketSource>(const IdleHook& idle)>;

// decodeCapture() on any packet source.
DecodeResult decodeSource(const SourceOpener& open, const DecodeOptions& options,
                          const std::atomic<bool>* cancel, const BatchSink& sink);

}  // namespace h2lens::gui
