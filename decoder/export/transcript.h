#pragma once
// The export layer's model: what the engine reports about a stream or a connection plus what
// only the export layer keeps (body bytes, digests, anomalies, frame objects). Values handed to a
// TranscriptSink; the sink decides the format (JSON document, NDJSON, HAR, text).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "audit/finding.h"
#include "common/bytes.h"
#include "export/sha256.h"
#include "h2/connection_engine.h"
#include "tcp/flow_record.h"

namespace h2lens {

struct ExportOptions {
    std::size_t maxBody = 1024 * 1024;               // body bytes written out (raw and decoded)
    std::size_t maxRetainedBody = 16 * 1024 * 1024;  // raw bytes kept per direction for decoding
    // Raw bytes kept for all open streams together: beyond it the bodies of the streams that
    // went longest without DATA are let go (size and sha256 stay exact, no data is written).
    // Streams a capture gap left open until the end would otherwise hold memory that grows
    // with the capture.
    std::size_t maxRetainedTotal = 16 * 1024 * 1024;
    std::size_t maxDecodedBody = 64 * 1024 * 1024;  // decompression output cap (bomb guard)
    std::size_t maxGrpcMessages = 10000;            // per body
    std::size_t maxAnomalies = 10000;               // kept per connection; the rest counted
    bool frames = false;                            // collect every frame's JSON object
    std::vector<std::string> redact;                // header names (any case) whose values hide
    // NDJSON: "capture": captureTag after "record" in every line (several captures in one
    // output, or asked for).
    bool tagCapture = false;
    std::string captureTag;
    // NDJSON: flat copies of nested values at the end of stream and connection lines, and one
    // "anomaly" line per anomaly before its connection's line (flat_fields.h), for databases that
    // do not map nested objects to columns (ClickHouse 18.16's JSONEachRow).
    bool flatFields = false;
};

// One direction's DATA payload (padding excluded), in order.
struct BodyCapture {
    std::uint64_t size = 0;
    std::uint64_t dataFrames = 0;
    Bytes retained;           // the first ExportOptions::maxRetainedBody bytes
    bool retainedAll = true;  // false once a byte was not kept

    void append(ByteSpan data, std::size_t maxRetained);
    // The message announced `contentLength` bytes: room for what will be retained is made once,
    // instead of the buffer doubling (and copying) as DATA frames arrive.
    void expect(std::uint64_t contentLength, std::size_t maxRetained);
    // SHA-256 of all `size` bytes, lowercase hex.
    std::string sha256Hex() const;
    // Lets the retained bytes go (and keeps none from now on); the digest goes on running. Open
    // streams over --max-retained-total, and a TranscriptStore over its budget.
    void release();
    // Lets the retained bytes go without hashing them first: for a copy whose digest nobody
    // will write (a TranscriptStore past its budget whose owner reads the capture again for a
    // whole export). sha256Hex() is then "" unless the digest was already running.
    void discard();
    bool released() const { return m_released; }

  private:
    // While every byte is retained the digest is left for sha256Hex(), which an export computes
    // on a worker thread; from the first byte that is not kept, it is running here.
    Sha256 m_running;
    bool m_runningHash = false;
    bool m_released = false;
    bool m_noDigest = false;
};

struct StreamTranscript {
    ConnectionInfo conn;
    StreamRecord record;
    BodyCapture body[2];  // [0] request, [1] response
    // The sink's budget let the bodies go while the stream was open (TranscriptSink::keepsBody):
    // the sink would not have kept them when it ended either.
    bool bodiesDroppedForSink = false;
};

struct ConnectionTranscript {
    ConnectionInfo info;
    const ConnectionSummary* summary = nullptr;
    const FlowRecord* flow = nullptr;  // ConnectionSummary::flow; null when the summary has none
    std::vector<Anomaly> anomalies;
    std::uint64_t droppedAnomalies = 0;
    std::vector<Finding> findings;  // the audit's (h2lens audit), when one ran beside the export
};

}  // namespace h2lens
