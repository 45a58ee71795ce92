#include "pcap/capture_loop.h"

namespace h2lens {

namespace {

using Clock = std::chrono::steady_clock;

// Hands the batch on and makes the next one ready to fill: a batch that is not a reused one
// gets its whole room at once, so the capture thread does not grow it (copying it each time)
// while packets wait in the kernel's ring; at the start of a run, before the consumer returned
// any batch, every batch is a new one.
void pushBatch(LivePacketQueue& queue, PacketBatch& batch, const CaptureLoopOptions& options) {
    queue.push(batch);
    batch.reserve(options.batchPackets, options.batchBytes + 65536);
}

}  // namespace

void runCaptureLoop(LiveCapture& capture, LivePacketQueue& queue, const CaptureLoopOptions& options,
                    CaptureOutcome& outcome) {
    const auto start = Clock::now();
    // time_point::max() for no duration (g++ 12 wrongly warns that an optional one may be read
    // uninitialised).
    const Clock::time_point deadline =
        options.durationSeconds > 0
            ? start + std::chrono::duration_cast<Clock::duration>(
                          std::chrono::duration<double>(options.durationSeconds))
            : Clock::time_point::max();
    PacketBatch batch;
    batch.reserve(options.batchPackets, options.batchBytes + 65536);
    auto batchStart = start;
    auto nextStats = start + std::chrono::seconds(1);
    Packet packet;
    for (;;) {
        const LiveRead r = capture.poll(packet);
        const auto now = Clock::now();
        if (options.statsEverySecond && now >= nextStats) {
            const LiveStats st = capture.stats();
            outcome.liveStatsAvailable = st.available;
            outcome.liveDroppedByKernel = st.droppedByKernel;
            outcome.liveDroppedByInterface = st.droppedByInterface;
            nextStats = now + std::chrono::seconds(1);
        }
        if (r == LiveRead::Packet) {
            if (batch.empty()) batchStart = now;
            batch.add(packet);
            ++outcome.captured;
            if (options.count != 0 && outcome.captured >= options.count) {
                outcome.reason = CaptureStopReason::Count;
                break;
            }
            if (batch.size() >= options.batchPackets || batch.bytes() >= options.batchBytes ||
                now - batchStart >= options.batchAge) {
                pushBatch(queue, batch, options);
            }
        } else if (r == LiveRead::Timeout) {
            pushBatch(queue, batch, options);
        } else {
            outcome.reason =
                capture.stopRequested() ? CaptureStopReason::Stopped : CaptureStopReason::Failed;
            break;
        }
        if (now >= deadline) {
            outcome.reason = CaptureStopReason::Duration;
            break;
        }
    }
    queue.push(batch);
    outcome.stats = capture.stats();
    outcome.issues = capture.takeIssues();
    queue.close();
}

}  // namespace h2lens
