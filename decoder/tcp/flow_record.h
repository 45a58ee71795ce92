#pragma once
// What h2lens knows about one TCP connection: who is client and server, per-direction counters,
// and how it ended. Records outlive the reassembly state, so `flows` can list every connection
// while memory for finished ones is released.
#include <array>
#include <cstdint>
#include <string_view>

#include "common/direction.h"
#include "net/tcp_segment.h"
#include "tcp/tcp_reassembler.h"

namespace h2lens {

// Why h2lens called one side the client.
enum class RoleEvidence : std::uint8_t {
    Syn,           // it sent the SYN
    SynAck,        // the other side sent the SYN-ACK
    Http2Preface,  // it sent "PRI * HTTP/2.0"
    HttpRequest,   // it sent an HTTP/1.x request line
    HttpResponse,  // the other side sent an HTTP/1.x status line
    HigherPort,    // nothing better: the higher port is the client's ephemeral port
};
std::string_view roleEvidenceName(RoleEvidence r);

enum class FlowEnd : std::uint8_t {
    Open,               // still open when the capture ended
    Fin,                // both sides sent FIN
    ClientFinOnly,      // client closed, server never did (within the capture)
    ServerFinOnly,
    ResetByClient,
    ResetByServer,
    Evicted,            // dropped by the flow-table cap
};
std::string_view flowEndName(FlowEnd e);

struct DirectionStats {
    std::uint64_t packets = 0;
    std::uint64_t payloadBytes = 0;  // as captured, retransmissions included
    ReassemblyStats reassembly;      // delivered bytes, retransmissions, gaps, ...
};

struct FlowRecord {
    std::uint64_t id = 0;  // order of first appearance, from 0 (same as tshark's tcp.stream)
    Endpoint client;
    Endpoint server;
    RoleEvidence roleEvidence = RoleEvidence::HigherPort;
    bool handshakeSeen = false;
    std::uint64_t firstPacket = 0;
    TimestampNs firstTs = 0;
    TimestampNs lastTs = 0;
    std::array<DirectionStats, 2> dir;  // indexed by Direction
    FlowEnd end = FlowEnd::Open;
    bool clientFin = false;
    bool serverFin = false;

    DirectionStats& stats(Direction d) { return dir[static_cast<int>(d)]; }
    const DirectionStats& stats(Direction d) const { return dir[static_cast<int>(d)]; }
};

}  // namespace h2lens
