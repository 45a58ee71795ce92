#include "net/tcp_header.h"

namespace h2lens {

ParseResult parseTcpHeader(ByteSpan segment, TcpHeader& out) {
    if (segment.size() < 20) return ParseResult::bad("TCP header does not fit in the IP payload");
    out.srcPort = loadBe16(&segment[0]);
    out.dstPort = loadBe16(&segment[2]);
    out.seq = loadBe32(&segment[4]);
    out.ack = loadBe32(&segment[8]);
    out.headerLength = static_cast<std::uint8_t>((segment[12] >> 4) * 4);
    out.flags = segment[13];
    out.window = loadBe16(&segment[14]);
    if (out.headerLength < 20) return ParseResult::bad("TCP data offset below 5 words");
    if (out.headerLength > segment.size()) {
        return ParseResult::bad("TCP data offset runs past the IP payload");
    }
    return ParseResult::ok();
}

}  // namespace h2lens
