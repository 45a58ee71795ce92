#pragma once
// What every capture-reader fuzz target does with its reader: take every packet, touching each
// byte handed out (so a view past the input is an ASan report), and every issue.
#include <cstddef>
#include <cstdint>

#include "capture/packet_source.h"

namespace h2lens::fuzz {

inline std::size_t drainSource(PacketSource& reader) {
    Packet packet;
    std::size_t sum = 0;
    while (reader.next(packet) == ReadStatus::Packet) {
        for (std::uint8_t b : packet.data) sum += b;
        sum += packet.linkType + packet.originalLength + static_cast<std::size_t>(packet.ts);
    }
    for (const auto& issue : reader.takeIssues()) sum += issue.message.size();
    for (const auto& line : reader.decryptionSecrets()) sum += line.size();
    return sum;
}

}  // namespace h2lens::fuzz
