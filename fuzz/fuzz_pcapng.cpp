// libFuzzer entry: arbitrary bytes through PcapngReader from memory, draining every packet,
// issue and secret. Any crash, hang or sanitizer report is a bug in the reader.
#include <cstddef>
#include <cstdint>

#include "capture/pcapng_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // A small block cap keeps each run cheap while still exercising the length checks.
    h2lens::PcapngReader reader(h2lens::ByteSpan(data, size),
                                h2lens::PcapngOptions{.maxBlockBytes = 1 << 20});
    h2lens::Packet packet;
    std::size_t sum = 0;
    while (reader.next(packet) == h2lens::ReadStatus::Packet) {
        for (std::uint8_t b : packet.data) sum += b;  // touch every byte handed out
        sum += packet.linkType + packet.originalLength + static_cast<std::size_t>(packet.ts);
    }
    for (const auto& issue : reader.takeIssues()) sum += issue.message.size();
    for (const auto& line : reader.decryptionSecrets()) sum += line.size();
    return sum == 0xdeadbeef ? 0 : 0;
}
