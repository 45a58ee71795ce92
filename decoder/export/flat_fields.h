#pragma once
// Flat copies of nested transcript values (ExportOptions::flatFields) for databases that read
// NDJSON into columns but do not map nested objects (ClickHouse 18.16's JSONEachRow): scalars
// appended at the end of a line, so the nested form is unchanged and a reader that does not want
// them ignores them (docs/transcript.md "Flat fields", docs/clickhouse.sql).
#include <vector>

#include "export/transcript_json.h"

namespace h2lens {

// stream line: method, authority, scheme, path, status, content_type (strings, "" when absent),
// start_epoch, start, ttfb, duration (seconds; null when not seen), end_kind, reset_by,
// reset_error ("" unless reset), request_body_size, response_body_size.
class JsonOut;
void writeFlatStreamFields(JsonOut& line, const StreamTranscript& s, const JsonContext& ctx);

// connection line: http2_method, stall_count, stall_seconds (stalls that ended),
// client_stall_count, server_stall_count (by sender), anomaly_count (kept ones).
void appendFlatConnectionFields(Json& line, const ConnectionTranscript& c, const JsonContext& ctx);

// One {"record":"anomaly", [capture], conn, client, server, t, from, stream, frame_offset, name,
// rfc, detail} object per kept anomaly of the connection.
std::vector<Json> anomalyLines(const ConnectionTranscript& c, const JsonContext& ctx);
// One {"record":"finding", [capture], conn, client, server, <finding_json.h fields>} object per
// audit finding on the connection.
std::vector<Json> findingLines(const ConnectionTranscript& c, const JsonContext& ctx);

}  // namespace h2lens
