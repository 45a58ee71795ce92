-- h2lens records in ClickHouse (18.16 and later).
--
-- Fed by `h2lens export --ndjson --flat [--capture-field] FILE... | clickhouse-client
--   --input_format_skip_unknown_fields=1 -q 'INSERT INTO h2lens.records FORMAT JSONEachRow'`.
-- `--flat` adds scalar copies of nested values at the end of each line (JSONEachRow in 18.16
-- does not map nested objects to columns), one "anomaly" record per anomaly and one "finding"
-- record per audit finding (h2lens audit, docs/audit.md); everything else
-- in a line is skipped. `records` keeps nothing (Null engine): the materialized views below
-- send each record kind to its table as it arrives. scripts/h2lens-db.sh runs all of this on a
-- loopback server of its own; README "ClickHouse" has the queries and the cluster form.

CREATE DATABASE IF NOT EXISTS h2lens;

-- Every NDJSON record as it arrives; the columns are the union of the flat fields.
CREATE TABLE IF NOT EXISTS h2lens.records
(
    record String,               -- stream | connection | anomaly | finding | frame | capture
    capture String,              -- the capture file (--capture-field, or several captures)
    conn UInt64,                 -- stream, anomaly, finding records: tcp.stream of the connection
    id UInt64,                   -- stream: stream id; connection: its conn id
    client String,
    server String,
    -- stream
    pushed UInt8,
    state String,
    method String,
    authority String,
    scheme String,
    path String,
    status String,
    content_type String,
    start_epoch Nullable(Float64),
    start Nullable(Float64),
    ttfb Nullable(Float64),      -- first response HEADERS (1xx included) - request start, seconds
    duration Nullable(Float64),
    end_kind String,             -- complete | incomplete | reset | refused_by_goaway
    reset_by String,             -- client | server | ''
    reset_error String,          -- RFC 9113 error name, '' unless reset
    request_body_size UInt64,
    response_body_size UInt64,
    -- connection
    http2_method String,         -- h2c | h2c-upgrade | h2-midstream | tls | http/1.1 | not-http | none
    stream_count UInt64,
    anomalies_total UInt64,
    stall_count UInt64,
    stall_seconds Float64,
    client_stall_count UInt64,
    server_stall_count UInt64,
    -- anomaly
    t Float64,
    `from` String,
    stream UInt64,
    frame_offset UInt64,
    name String,
    rfc String,
    detail String,               -- anomaly and finding
    -- finding
    peer String,                 -- client | server: whose frames (or window) made it
    peer_address String,
    kind String,                 -- rapid-reset | continuation-flood | hpack-bomb | ...
    severity String,             -- warning | attack
    reference String,
    count UInt64,
    peak UInt64,
    peak_unit String,
    threshold UInt64,
    threshold_text String,
    first Float64,               -- the span in which the threshold was crossed, seconds
    last Float64,
    first_time Float64,          -- the same, seconds since the epoch
    last_time Float64
) ENGINE = Null;

CREATE TABLE IF NOT EXISTS h2lens.streams
(
    capture String,
    conn UInt64,
    id UInt32,
    client String,
    server String,
    pushed UInt8,
    state String,
    method String,
    authority String,
    scheme String,
    path String,
    status String,
    content_type String,
    start_epoch Nullable(Float64),
    start Nullable(Float64),
    ttfb Nullable(Float64),
    duration Nullable(Float64),
    end_kind String,
    reset_by String,
    reset_error String,
    request_body_size UInt64,
    response_body_size UInt64
) ENGINE = MergeTree ORDER BY (capture, conn, id);

CREATE TABLE IF NOT EXISTS h2lens.connections
(
    capture String,
    conn UInt64,
    client String,
    server String,
    http2_method String,
    stream_count UInt64,
    anomalies_total UInt64,
    stall_count UInt64,
    stall_seconds Float64,
    client_stall_count UInt64,
    server_stall_count UInt64
) ENGINE = MergeTree ORDER BY (capture, conn);

CREATE TABLE IF NOT EXISTS h2lens.anomalies
(
    capture String,
    conn UInt64,
    client String,
    server String,
    t Float64,
    `from` String,
    stream UInt64,
    frame_offset UInt64,
    name String,
    rfc String,
    detail String
) ENGINE = MergeTree ORDER BY (capture, conn, t);

CREATE TABLE IF NOT EXISTS h2lens.findings
(
    capture String,
    conn UInt64,
    client String,
    server String,
    peer String,
    peer_address String,
    kind String,
    severity String,
    reference String,
    count UInt64,
    peak UInt64,
    peak_unit String,
    threshold UInt64,
    threshold_text String,
    first Float64,
    last Float64,
    first_time Float64,
    last_time Float64,
    detail String
) ENGINE = MergeTree ORDER BY (capture, conn, kind);

CREATE MATERIALIZED VIEW IF NOT EXISTS h2lens.streams_in TO h2lens.streams AS
SELECT capture, conn, toUInt32(id) AS id, client, server, pushed, state, method, authority,
       scheme, path, status, content_type, start_epoch, start, ttfb, duration, end_kind,
       reset_by, reset_error, request_body_size, response_body_size
FROM h2lens.records WHERE record = 'stream';

CREATE MATERIALIZED VIEW IF NOT EXISTS h2lens.connections_in TO h2lens.connections AS
SELECT capture, id AS conn, client, server, http2_method, stream_count, anomalies_total,
       stall_count, stall_seconds, client_stall_count, server_stall_count
FROM h2lens.records WHERE record = 'connection';

CREATE MATERIALIZED VIEW IF NOT EXISTS h2lens.anomalies_in TO h2lens.anomalies AS
SELECT capture, conn, client, server, t, `from`, stream, frame_offset, name, rfc, detail
FROM h2lens.records WHERE record = 'anomaly';

CREATE MATERIALIZED VIEW IF NOT EXISTS h2lens.findings_in TO h2lens.findings AS
SELECT capture, conn, client, server, peer, peer_address, kind, severity, reference, count, peak,
       peak_unit, threshold, threshold_text, first, last, first_time, last_time, detail
FROM h2lens.records WHERE record = 'finding';
