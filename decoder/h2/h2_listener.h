#pragma once
// What the connection engine tells the outside world, in order of capture time per direction.
// Views (ByteSpans in a Frame) are valid only during the call; records are values to keep.
#include <cstdint>
#include <string>

#include "h2/frame.h"
#include "h2/h2_records.h"
#include "net/tcp_segment.h"

namespace h2lens {

enum class Http2Detection : std::uint8_t {
    None,            // nothing HTTP/2 (yet)
    PriorKnowledge,  // client preface at the start (h2c, "PRI * HTTP/2.0")
    Upgrade,         // HTTP/1.1 Upgrade: h2c answered by 101
    MidStream,       // capture began mid-connection; frames found by frame-sync search
    Tls,             // TLS (h2 over TLS, not decrypted)
    Http1,           // HTTP/1.x and no upgrade (or a declined one)
    NotHttp,         // something else
};
std::string_view detectionName(Http2Detection d);

struct ConnectionInfo {
    std::uint64_t id = 0;  // the flow id
    Endpoint client;
    Endpoint server;
};

struct FrameEvent {
    const ConnectionInfo* conn;
    Direction dir;
    const Frame* frame;
    // On the frame that completes a header block (HEADERS/PUSH_PROMISE or its last CONTINUATION).
    const HeaderBlock* headers = nullptr;
};

struct ConnectionSummary;

class H2Listener {
public:
    virtual ~H2Listener() = default;
    virtual void onFrame(const FrameEvent&) {}
    // A stream is finished (closed, or the connection ended with it open); the record is final.
    virtual void onStreamDone(const ConnectionInfo&, const StreamRecord&) {}
    virtual void onAnomaly(const ConnectionInfo&, const Anomaly&) {}
    // Last call for a connection (HTTP/2 or not): how it was classified and what it carried.
    virtual void onConnectionDone(const ConnectionInfo&, const ConnectionSummary&) {}
};

}  // namespace h2lens
