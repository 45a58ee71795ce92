#pragma once
// The capture side of a live capture: reads a LiveCapture into a LivePacketQueue in batches
// until it is stopped, a duration passes or a packet count is reached, and never waits for
// whoever pops the batches (a decoder, or a writer for `live --write-only`). It runs on the
// calling thread; the caller starts that thread (h2lens live does), so this file starts none.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/issue.h"
#include "pcap/live_capture.h"
#include "pcap/live_packet_queue.h"

namespace h2lens {

struct CaptureLoopOptions {
    double durationSeconds = 0;     // 0: no limit
    std::uint64_t count = 0;        // packets; 0: no limit
    bool statsEverySecond = false;  // CaptureOutcome::live* refreshed once a second
    // A batch goes to the queue when it is this full or this old, whichever comes first: big
    // enough that the queue's lock is cheap at line rate, young enough that output stays live.
    std::size_t batchPackets = 1024;
    std::size_t batchBytes = 1 << 20;
    std::chrono::milliseconds batchAge{20};
};

// Why the loop ended: LiveCapture::stop() (a signal, a write error), --duration, --count, or
// the capture failing.
enum class CaptureStopReason : std::uint8_t { Stopped, Duration, Count, Failed };

struct CaptureOutcome {
    CaptureStopReason reason = CaptureStopReason::Stopped;
    std::uint64_t captured = 0;
    LiveStats stats;  // libpcap's counters when the loop ended
    std::vector<Issue> issues;
    // libpcap's counters so far, read by the capture thread once a second (pcap_stats belongs
    // to the thread that reads the handle) for the other thread's progress line.
    std::atomic<bool> liveStatsAvailable{false};
    std::atomic<std::uint64_t> liveDroppedByKernel{0};
    std::atomic<std::uint64_t> liveDroppedByInterface{0};
};

// Runs until the capture ends, then closes the queue (its consumer drains what is left).
void runCaptureLoop(LiveCapture& capture, LivePacketQueue& queue, const CaptureLoopOptions& options,
                    CaptureOutcome& outcome);

}  // namespace h2lens
