#pragma once
// What the GUI keeps of a decoded capture, as plain values copied out of the decoder's listener
// calls (frame views die with the call). The decode worker fills DecodeBatch values; the GUI
// thread appends them to a CaptureStore (capture_store.h). No Qt here, so tests can build these
// by hand.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/finding.h"

#include "h2/connection_engine.h"
#include "h2/h2_records.h"
#include "tcp/flow_table.h"

namespace h2lens::gui {

// One HTTP/2 frame: every header field plus the type-specific scalar; variable-length details
// (SETTINGS list, PING data, GOAWAY debug data, priority) go to ConnectionData::frameExtras.
struct FrameMark {
    TimestampNs ts = 0;
    std::uint64_t offset = 0;  // frame header offset in its direction's byte stream
    std::uint32_t streamId = 0;
    std::uint32_t length = 0;
    std::uint32_t dataLength = 0;  // DATA: payload without padding
    // WINDOW_UPDATE increment, RST_STREAM/GOAWAY error code, PUSH_PROMISE promised stream.
    std::uint32_t value = 0;
    std::uint32_t extra = kNoExtra;  // index into ConnectionData::frameExtras
    std::uint16_t headerFields = 0;  // fields of the completed header block, if any
    std::uint8_t type = 0;
    std::uint8_t flags = 0;
    Direction dir = Direction::ClientToServer;
    bool malformed = false;
    bool completesHeaderBlock = false;
    static constexpr std::uint32_t kNoExtra = 0xffffffffu;
};

struct TcpMark {
    TcpEvent::Kind kind = TcpEvent::Kind::Retransmission;
    Direction dir = Direction::ClientToServer;
    TimestampNs ts = 0;
    std::uint64_t packet = 0;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
};

// A stream as reported when it finished, plus the bodies the GUI shows (capped copies).
struct StreamData {
    std::uint64_t connId = 0;
    StreamRecord rec;
    // [0] request, [1] response: the DATA payload as sent (still encoded), as far as it was kept.
    // The bytes belong to `bodyOwner`: the decode's TranscriptStore, so a body File > Export
    // writes is kept once, not a second time for the window; without a store, the recorder's own
    // copy (DecodeOptions::maxBodyBytesPerStream).
    std::string_view body[2];
    bool bodyTruncated[2] = {false, false};
    std::shared_ptr<const void> bodyOwner;
};

struct ConnectionData {
    ConnectionInfo info;
    TimestampNs firstTs = 0;
    TimestampNs lastTs = 0;
    bool done = false;
    ConnectionSummary summary;  // complete once done
    FlowRecord flow;            // final once done
    std::vector<FrameMark> frames;
    std::vector<std::string> frameExtras;
    std::vector<TcpMark> tcp;
    std::vector<Anomaly> anomalies;
    std::vector<std::size_t> streams;  // indexes into CaptureStore::streams(), in finish order
    std::vector<Finding> findings;     // the audit's (decoder/audit), once the connection ended
    std::uint64_t bytes() const;       // TCP payload both ways (as captured once done)
    std::string protocol() const;      // detection, e.g. "h2c (prior knowledge)"
};

// Everything one flush of the worker carries; appended in order by the GUI thread.
struct DecodeBatch {
    struct NewConnection {
        ConnectionInfo info;
        TimestampNs firstTs = 0;
    };
    struct Frames {
        std::uint64_t connId = 0;
        std::vector<FrameMark> frames;
        std::vector<std::string> extras;  // appended to frameExtras (indexes already assigned)
        std::vector<TcpMark> tcp;
        std::vector<Anomaly> anomalies;
        TimestampNs lastTs = 0;
    };
    struct Done {
        std::uint64_t connId = 0;
        ConnectionSummary summary;
        FlowRecord flow;
    };
    std::vector<NewConnection> connections;
    std::vector<Frames> frames;
    std::vector<StreamData> streams;
    std::vector<Done> done;
    std::vector<Finding> findings;  // of connections that ended (before or in this batch)
    std::uint64_t bytesRead = 0;
    std::uint64_t fileSize = 0;
    std::uint64_t packets = 0;
    bool empty() const {
        return connections.empty() && frames.empty() && streams.empty() && done.empty() &&
               findings.empty();
    }
};

// Printable helpers shared by the models and widgets.
std::string frameDetailText(const ConnectionData& c, const FrameMark& f);
std::string formatBytes(std::uint64_t n);
std::string formatDuration(TimestampNs ns);

}  // namespace h2lens::gui
