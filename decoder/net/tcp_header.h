#pragma once
// The fixed TCP header (RFC 9293); options are skipped via the data offset.
#include <cstdint>

#include "common/bytes.h"
#include "net/parse_result.h"

namespace h2lens {

struct TcpHeader {
    std::uint16_t srcPort = 0;
    std::uint16_t dstPort = 0;
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint8_t headerLength = 0;  // bytes, data offset * 4
    std::uint8_t flags = 0;         // CWR ECE URG ACK PSH RST SYN FIN, see tcpflag::
    std::uint16_t window = 0;
};

// `segment` is exactly the IP payload. Bad when it cannot hold a TCP header or when the data
// offset is below 5 words or runs past the segment; the checksum is not checked (offloading).
ParseResult parseTcpHeader(ByteSpan segment, TcpHeader& out);

}  // namespace h2lens
