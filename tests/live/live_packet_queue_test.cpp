// LivePacketQueue: order and content across threads, the byte budget that protects the
// capture thread (drops counted, never a wait), and close-then-drain.
#include <thread>

#include "live/live_test_support.h"
#include "pcap/capture_file.h"
#include "pcap/live_packet_queue.h"

using namespace h2lens;
using namespace h2lens::test;

namespace {

std::vector<CopiedPacket> samplePackets() {
    auto source = openCapture((sourceDir() / "samples" / "h2load_small.pcap").string());
    return readPackets(*source).packets;
}

}  // namespace

TEST_CASE("The packet queue carries real packets across threads in order, bytes intact",
          "[live][queue][uses-captures]") {
    const std::vector<CopiedPacket> packets = samplePackets();
    REQUIRE(packets.size() > 50);
    const std::size_t batchSize = GENERATE(1, 7, 64);
    LivePacketQueue queue(64 << 20);
    std::size_t refused = 0;  // Catch2 assertions are not thread-safe: count, check after join
    std::size_t notEmptied = 0;
    std::thread producer([&] {
        PacketBatch batch;
        for (int round = 0; round < 20; ++round) {
            for (const CopiedPacket& p : packets) {
                batch.add(p.view());
                if (batch.size() >= batchSize) {
                    if (!queue.push(batch)) ++refused;
                    if (!batch.empty()) ++notEmptied;
                }
            }
        }
        if (!queue.push(batch)) ++refused;
        queue.close();
    });
    std::size_t seen = 0;
    bool allEqual = true;
    PacketBatch batch;
    for (;;) {
        const auto r = queue.pop(batch, std::chrono::milliseconds(1000));
        if (r == LivePacketQueue::Pop::Closed) break;
        if (r == LivePacketQueue::Pop::Timeout) continue;
        for (std::size_t i = 0; i < batch.size(); ++i, ++seen) {
            const Packet p = batch.at(i);
            const CopiedPacket& want = packets[seen % packets.size()];
            allEqual = allEqual && p.number == want.number && p.ts == want.ts &&
                       p.originalLength == want.originalLength && p.linkType == want.linkType &&
                       std::equal(p.data.begin(), p.data.end(), want.data.begin(), want.data.end());
        }
    }
    producer.join();
    CHECK(refused == 0);
    CHECK(notEmptied == 0);
    CHECK(allEqual);
    CHECK(seen == packets.size() * 20);
    CHECK(queue.stats().droppedPackets == 0);
    CHECK(queue.stats().pushedPackets == seen);
}

TEST_CASE("Over the byte budget the packet queue drops batches and counts them",
          "[live][queue][uses-captures]") {
    const std::vector<CopiedPacket> packets = samplePackets();
    std::size_t total = 0;
    for (const CopiedPacket& p : packets) total += p.data.size();
    // Room for the capture once, not twice.
    LivePacketQueue queue(total + total / 2);
    PacketBatch batch;
    for (const CopiedPacket& p : packets) batch.add(p.view());
    CHECK(queue.push(batch));
    for (const CopiedPacket& p : packets) batch.add(p.view());
    CHECK_FALSE(queue.push(batch));  // does not wait for a consumer
    CHECK(batch.empty());
    CHECK(queue.stats().droppedPackets == packets.size());
    CHECK(queue.stats().droppedBatches == 1);
    CHECK(queue.queuedBytes() == total);
    CHECK(queue.stats().peakBytes == total);

    PacketBatch out;
    REQUIRE(queue.pop(out, std::chrono::milliseconds(0)) == LivePacketQueue::Pop::Batch);
    CHECK(out.size() == packets.size());
    CHECK(queue.queuedBytes() == 0);
    CHECK(queue.pop(out, std::chrono::milliseconds(10)) == LivePacketQueue::Pop::Timeout);
    CHECK(out.empty());

    // A single batch above the whole budget still passes an empty queue.
    LivePacketQueue tiny(10);
    for (const CopiedPacket& p : packets) batch.add(p.view());
    CHECK(tiny.push(batch));
    for (const CopiedPacket& p : packets) batch.add(p.view());
    CHECK_FALSE(tiny.push(batch));
}

TEST_CASE("The packet queue's close drains what is queued, then refuses",
          "[live][queue][uses-captures]") {
    const std::vector<CopiedPacket> packets = samplePackets();
    LivePacketQueue queue(1 << 20);
    PacketBatch batch;
    batch.add(packets[0].view());
    REQUIRE(queue.push(batch));
    batch.add(packets[1].view());
    REQUIRE(queue.push(batch));
    queue.close();
    batch.add(packets[2].view());
    CHECK_FALSE(queue.push(batch));
    PacketBatch out;
    REQUIRE(queue.pop(out, std::chrono::milliseconds(0)) == LivePacketQueue::Pop::Batch);
    CHECK(out.at(0).number == packets[0].number);
    REQUIRE(queue.pop(out, std::chrono::milliseconds(0)) == LivePacketQueue::Pop::Batch);
    CHECK(out.at(0).number == packets[1].number);
    CHECK(queue.pop(out, std::chrono::milliseconds(0)) == LivePacketQueue::Pop::Closed);
    CHECK(queue.stats().droppedPackets == 1);
}
