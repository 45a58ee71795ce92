#pragma once
// What the HTTP/2 engine learns, as plain values: settings, header blocks, streams with their
// states, timings and flow-control windows, and anomalies. These are the "events" and the
// transcript model every output (CLI, JSON, GUI) is built from.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/direction.h"
#include "h2/frame.h"
#include "hpack/hpack_types.h"

namespace h2lens {

// One endpoint's SETTINGS as in force (RFC 9113 §6.5.2 defaults).
struct PeerSettings {
    std::uint32_t headerTableSize = 4096;
    std::uint32_t enablePush = 1;
    std::optional<std::uint32_t> maxConcurrentStreams;  // unlimited until set
    std::uint32_t initialWindowSize = 65535;
    std::uint32_t maxFrameSize = kDefaultMaxFrameSize;
    std::optional<std::uint32_t> maxHeaderListSize;
    void apply(const Setting& s);
};

struct SettingsRecord {
    Direction from;
    TimestampNs ts = 0;
    std::vector<Setting> settings;
    bool fromUpgrade = false;          // carried in HTTP2-Settings of an h2c Upgrade request
    std::optional<TimestampNs> ackTs;  // when the peer acknowledged it
};

struct PingRecord {
    Direction from;
    TimestampNs ts = 0;
    std::array<std::uint8_t, 8> data{};
    std::optional<TimestampNs> ackTs;  // RTT = ackTs - ts
};

struct GoawayRecord {
    Direction from;
    TimestampNs ts = 0;
    std::uint32_t lastStreamId = 0;
    std::uint32_t errorCode = 0;
    std::string debugData;
};

// DATA that arrived on a stream after it was reset, from the side that did not send the
// RST_STREAM: sent before that side saw the reset (RFC 9113 §5.4.2, §6.4). The receiver drops
// it (it is not part of the stream's body) but counts it against the connection's flow-control
// window (§6.9). One record per stream and sender.
struct LateDataRecord {
    std::uint32_t streamId = 0;
    Direction from;
    TimestampNs firstTs = 0;
    TimestampNs lastTs = 0;
    std::uint64_t frames = 0;
    std::uint64_t bytes = 0;  // DATA payload, padding excluded, as the body counts
};

struct HeaderBlock {
    TimestampNs ts = 0;  // of the frame that completed the block
    std::uint64_t frameOffset = 0;
    std::vector<HeaderField> fields;
    std::optional<HpackError> error;
    bool endStream = false;
    bool fromHttp1 = false;  // the HTTP/1.1 request of an h2c Upgrade (stream 1)
    std::string_view value(std::string_view name) const;  // first field with that name, or ""
};
// Memory the block's fields hold (their strings and the vector's elements), roughly.
std::size_t heldBytes(const HeaderBlock& block);

// RFC 9113 §5.1 states, as the client sees the stream; the server's view swaps local/remote.
enum class StreamState : std::uint8_t {
    Idle,
    ReservedLocal,
    ReservedRemote,
    Open,
    HalfClosedLocal,
    HalfClosedRemote,
    Closed,
};
std::string_view streamStateName(StreamState s);
StreamState mirroredState(StreamState clientView);  // the server's view

enum class StreamEnd : std::uint8_t {
    Incomplete,  // still open when the capture (or connection) ended
    Complete,    // END_STREAM both ways
    ResetByClient,
    ResetByServer,
    RefusedByGoaway,  // above a GOAWAY's last stream id, never processed
};
std::string_view streamEndName(StreamEnd e);

struct WindowPoint {
    TimestampNs ts;
    std::int64_t value;  // signed: SETTINGS changes can push a window below zero (§6.9.2)
};

// A period in which a sender had body left to send but no window to send it in.
struct FlowStall {
    Direction sender;
    std::uint32_t streamId = 0;  // 0: the connection window was the one exhausted
    TimestampNs start = 0;
    std::optional<TimestampNs> end;
};

struct Anomaly {
    TimestampNs ts = 0;
    Direction dir = Direction::ClientToServer;  // the sender of the offending frame
    std::uint32_t streamId = 0;
    std::uint64_t frameOffset = 0;  // offset of the frame in that direction's byte stream
    std::string name;               // short identifier, e.g. "DATA_ON_CLOSED_STREAM"
    std::string rfc;                // e.g. "RFC 9113 §5.1"
    std::string detail;
};

// A stream's priority as in force when it was reported (the full tree and its history are in
// ConnectionSummary::priorities): RFC 7540 place and weight (1-256), RFC 9218 urgency and
// incremental; the flags say which scheme's signals named it (else these are the defaults).
struct StreamPriority {
    std::uint32_t parent = 0;
    std::uint16_t weight = 16;
    bool exclusive = false;
    std::uint8_t urgency = 3;
    bool incremental = false;
    bool rfc7540 = false;
    bool rfc9218 = false;
    bool inTree = false;  // the connection had priority signals and its tree holds the stream
};

struct StreamRecord {
    std::uint32_t id = 0;
    bool pushed = false;
    std::uint32_t promisedOn = 0;  // PUSH_PROMISE's stream for pushed streams
    StreamState state = StreamState::Idle;
    StreamEnd end = StreamEnd::Incomplete;
    std::uint32_t resetCode = 0;

    std::optional<HeaderBlock> request;      // or the PUSH_PROMISE's promised request
    std::vector<HeaderBlock> informational;  // 1xx responses
    std::optional<HeaderBlock> response;
    std::optional<HeaderBlock> requestTrailers;
    std::optional<HeaderBlock> responseTrailers;

    std::uint64_t requestBodyBytes = 0;  // DATA payload, padding excluded
    std::uint64_t responseBodyBytes = 0;
    std::uint64_t requestDataFrames = 0;
    std::uint64_t responseDataFrames = 0;
    std::uint64_t paddingBytes = 0;

    // Timings (capture clock, ns)
    std::optional<TimestampNs> requestStart;
    std::optional<TimestampNs> requestEnd;
    std::optional<TimestampNs> responseStart;  // first response HEADERS (1xx included)
    std::optional<TimestampNs> firstResponseData;
    std::optional<TimestampNs> responseEnd;
    std::optional<TimestampNs> closed;

    // Send windows of this stream: [0] what the client may still send, [1] the server.
    std::vector<WindowPoint> window[2];

    StreamPriority priority;

    // What this record's header blocks hold, counted by the engine against
    // Limits::maxOpenStreamHeaderBytes while the stream is open.
    std::size_t heldHeaderBytes = 0;
};

}  // namespace h2lens
