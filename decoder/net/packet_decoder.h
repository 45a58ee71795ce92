#pragma once
// Link layer -> IPv4/IPv6 (with fragment reassembly) -> TCP header, one captured packet at a
// time. Sans-IO and allocation-free for unfragmented packets: the segment's payload is a view
// into the packet (or into the decoder's reassembly buffer), valid until the next decode().
//
// Refuses, with an Issue and Outcome::Skipped: unknown link types (one Issue per link type),
// packets cut by the snap length before the end of their IP datagram (the TCP reassembler sees
// the missing bytes as a gap), and impossible headers (IHL < 5, total length below the header,
// TCP data offset < 5 or past the segment, IP length beyond the bytes of an unsnapped frame).
// Checksums are not validated: loopback and offloading captures leave them unfilled.
// Issue messages carry no "packet N:" prefix; the number is in Issue::packetNumber.
#include <cstdint>
#include <vector>

#include "capture/packet.h"
#include "common/issue.h"
#include "common/limits.h"
#include "net/ip_reassembler.h"
#include "net/tcp_segment.h"

namespace h2lens {

struct Ipv4Header;

struct PacketDecoderStats {
    std::uint64_t packets = 0;
    std::uint64_t ipv4 = 0;
    std::uint64_t ipv6 = 0;
    std::uint64_t tcp = 0;        // segments produced
    std::uint64_t nonIp = 0;      // link layer carried something other than IP
    std::uint64_t nonTcp = 0;     // IP carrying another protocol (or ESP / no next header)
    std::uint64_t truncated = 0;  // cut by the snap length
    std::uint64_t badHeaders = 0;
    std::uint64_t unknownLinkType = 0;  // packets skipped for their link type
    IpReassemblyStats fragments;
};

class PacketDecoder {
  public:
    explicit PacketDecoder(const Limits& limits,
                           TimestampNs fragmentTimeout = IpReassembler::kDefaultTimeout);

    enum class Outcome : std::uint8_t { Segment, NotTcp, FragmentHeld, Skipped };

    // Decodes one captured packet into `out` (payload view valid until the next call).
    // FragmentHeld: a fragment of a TCP datagram was buffered; the datagram's segment comes
    // out of the decode() call that completes it, carrying that packet's number and time.
    Outcome decode(const Packet& packet, TcpSegment& out);

    // End of capture: reports datagrams that never completed.
    void finish();

    std::vector<Issue> takeIssues();
    const PacketDecoderStats& stats() const { return m_stats; }

  private:
    Outcome decodeIpv4(const Packet& packet, ByteSpan ip, TcpSegment& out);
    Outcome decodeIpv6(const Packet& packet, ByteSpan ip, TcpSegment& out);
    Outcome decodeTcp(const Packet& packet, const IpAddress& src, const IpAddress& dst,
                      ByteSpan segment, TcpSegment& out);
    Outcome fragment(const Packet& packet, const FragmentKey& key, std::uint32_t offset, bool more,
                     ByteSpan data);
    Outcome cutShort(const Packet& packet, const char* what);
    Outcome badHeader(const Packet& packet, std::string message);
    Outcome unknownLinkType(const Packet& packet);

    IpReassembler m_reassembler;
    Bytes m_reassembled;  // last completed datagram; the segment payload may point into it
    std::vector<std::uint32_t> m_reportedLinkTypes;
    std::vector<Issue> m_issues;
    PacketDecoderStats m_stats;
};

}  // namespace h2lens
