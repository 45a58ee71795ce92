#pragma once
// Opens a capture file by its content, not its name: pcapng goes to our PcapngReader (it sees
// Decryption Secrets Blocks and per-interface link types), classic pcap 2.4 to our
// ClassicPcapReader (a regular file is mapped, packets are views into it), other classic pcap
// variants to libpcap.
#include <cstdint>
#include <memory>
#include <string>

#include "capture/packet_source.h"

namespace h2lens {

enum class CaptureFormat : std::uint8_t { Unknown, Pcap, Pcapng };

// The format announced by the first four bytes of a file (pcap micro/nano in either byte
// order, including libpcap's "modified" variant; pcapng Section Header Block).
CaptureFormat detectCaptureFormat(ByteSpan firstBytes);

// `path` "-" means standard input. Throws CaptureError with one sentence naming the path when
// the input is missing, unreadable, a directory, empty, or not a capture; problems inside a
// capture are Issues reported by the source instead.
std::unique_ptr<PacketSource> openCapture(const std::string& path);

}  // namespace h2lens
