#include "export/transcript_json.h"

#include "export/json_out.h"
#include "export/json_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <ctime>

#include "export/body_text.h"
#include "export/content_decoding.h"
#include "export/finding_json.h"
#include "export/grpc_messages.h"
#include "export/protobuf_raw.h"
#include "h2/names.h"

namespace h2lens {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    return out;
}

std::string_view sideName(Direction d) {
    return d == Direction::ClientToServer ? "client" : "server";
}

Json optT(const std::optional<TimestampNs>& ts, const JsonContext& ctx) {
    return ts ? Json(ctx.t(*ts)) : Json(nullptr);
}

template <class Out>
void putT(Out& o, const std::optional<TimestampNs>& ts, const JsonContext& ctx) {
    if (ts)
        o.value(ctx.t(*ts));
    else
        o.null();
}

// Bytes as text when they are UTF-8, else base64; at most `max` source bytes.
template <class Out>
void putBytes(Out& o, ByteSpan bytes, std::uint64_t totalSize, std::size_t max) {
    const bool text = isUtf8Text(bytes.first(std::min(bytes.size(), max)));
    std::size_t shown = std::min(bytes.size(), max);
    if (text) shown = utf8Prefix(bytes, shown);
    o.key("encoding").value(text ? "utf-8" : "base64");
    o.key("data").bytes(bytes.first(shown), text);
    o.key("shown_bytes").value(shown);
    o.key("truncated").value(shown < totalSize);
}

Json settingsListJson(const std::vector<Setting>& settings) {
    Json list = Json::array();
    for (const Setting& s : settings) list.push_back(Json::array({settingName(s.id), s.value}));
    return list;
}

Json peerSettingsJson(const PeerSettings& p) {
    Json j;
    j["HEADER_TABLE_SIZE"] = p.headerTableSize;
    j["ENABLE_PUSH"] = p.enablePush;
    j["MAX_CONCURRENT_STREAMS"] =
        p.maxConcurrentStreams ? Json(*p.maxConcurrentStreams) : Json(nullptr);
    j["INITIAL_WINDOW_SIZE"] = p.initialWindowSize;
    j["MAX_FRAME_SIZE"] = p.maxFrameSize;
    j["MAX_HEADER_LIST_SIZE"] = p.maxHeaderListSize ? Json(*p.maxHeaderListSize) : Json(nullptr);
    return j;
}

Json windowSeriesJson(const std::vector<WindowPoint>& series, const JsonContext& ctx) {
    Json list = Json::array();
    for (const WindowPoint& p : series) list.push_back(Json::array({ctx.t(p.ts), p.value}));
    return list;
}

std::string_view hpackReprName(HpackRepresentation r) {
    return toString(r);
}

}  // namespace

Json tlsJson(const TlsFacts& tls) {
    auto orNull = [](const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); };
    Json j;
    j["version"] = tls.versionName;
    j["sni"] = orNull(tls.sni);
    j["alpn_offered"] = tls.alpnOffered;
    j["alpn"] = orNull(tls.alpnChosen);
    j["cipher_suite"] = orNull(tls.cipherSuiteName);
    j["hello_retry_request"] = tls.helloRetryRequest;
    j["resumed"] = tls.resumed;
    j["decrypted"] = tls.decrypted;
    j["not_decrypted_reason"] = orNull(tls.notDecryptedReason);
    return j;
}

Json directionStatsJson(const DirectionStats& d) {
    const ReassemblyStats& r = d.reassembly;
    return Json{{"packets", d.packets},
                {"payload_bytes", d.payloadBytes},
                {"delivered_bytes", r.deliveredBytes},
                {"retransmitted_segments", r.retransmittedSegments},
                {"retransmitted_bytes", r.retransmittedBytes},
                {"out_of_order_segments", r.outOfOrderSegments},
                {"overlap_mismatches", r.overlapMismatches},
                {"gaps", r.gaps},
                {"gap_bytes", r.gapBytes}};
}

Redactor::Redactor(const std::vector<std::string>& names) {
    for (const auto& n : names) {
        if (!n.empty()) m_names.push_back(lower(n));
    }
}

bool Redactor::hides(std::string_view name) const {
    if (m_names.empty()) return false;
    const std::string l = lower(name);
    return std::find(m_names.begin(), m_names.end(), l) != m_names.end();
}

std::string Redactor::name(const HeaderField& f) const {
    return f.nameKnown ? f.name : "?" + f.unknownRef;
}

std::string Redactor::value(const HeaderField& f) const {
    if (f.nameKnown && hides(f.name)) return std::string(kRedacted);
    return f.valueKnown ? f.value : "?" + f.unknownRef;
}

std::string isoTime(TimestampNs ts) {
    const std::time_t secs =
        static_cast<std::time_t>(ts >= 0 ? ts / 1000000000 : (ts - 999999999) / 1000000000);
    const long nanos = static_cast<long>(ts - static_cast<TimestampNs>(secs) * 1000000000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, nanos);
}

namespace {

// [[name, value], ...] in wire order.
template <class Out>
void putHeaderList(Out& o, const HeaderBlock& b, const Redactor& r) {
    o.beginArray();
    for (const HeaderField& f : b.fields) {
        o.beginArray();
        o.value(r.name(f));
        o.value(r.value(f));
        o.endArray();
    }
    o.endArray();
}

// The members of a header block's object: "t", "headers", "hpack", "end_stream", ...
template <class Out>
void putHeaderBlockMembers(Out& o, const HeaderBlock& b, const JsonContext& ctx) {
    o.key("t").value(ctx.t(b.ts));
    putHeaderList(o.key("headers"), b, ctx.redactor);
    o.key("hpack").beginArray();
    for (const HeaderField& f : b.fields) {
        o.beginObject();
        o.key("representation").value(hpackReprName(f.representation));
        o.key("index").value(f.index);
        o.key("name_huffman").value(f.nameHuffman);
        o.key("value_huffman").value(f.valueHuffman);
        if (!f.nameKnown || !f.valueKnown) o.key("unknown_ref").value(f.unknownRef);
        // JSON strings cannot carry arbitrary bytes: binary values (grpc "-bin" metadata) are
        // also given exactly, in base64.
        if (f.valueKnown && !isUtf8Text(asBytes(f.value)) && !ctx.redactor.hides(f.name)) {
            o.key("value_base64").bytes(asBytes(f.value), false);
        }
        o.endObject();
    }
    o.endArray();
    o.key("end_stream").value(b.endStream);
    if (b.fromHttp1) o.key("from_http1").value(true);
    if (b.error) o.key("hpack_error").value(b.error->message);
}

template <class Out>
void putHeaderBlock(Out& o, const HeaderBlock& b, const JsonContext& ctx) {
    o.beginObject();
    putHeaderBlockMembers(o, b, ctx);
    o.endObject();
}

// `body` object; `contentEncoding` comes from the headers. `http1BodyBytes`: an h2c Upgrade
// request's own body, which travelled as HTTP/1.1 outside any DATA frame (0: none).
template <class Out>
void putBody(Out& o, const BodyCapture& body, std::string_view contentEncoding,
             const JsonContext& ctx, std::uint64_t http1BodyBytes = 0) {
    const ExportOptions& opt = *ctx.options;
    o.beginObject();
    o.key("size").value(body.size);
    o.key("sha256").value(body.sha256Hex());
    o.key("data_frames").value(body.dataFrames);
    putBytes(o, body.retained, body.size, opt.maxBody);
    // Let go while the stream stayed open (ExportOptions::maxRetainedTotal): only then present.
    if (body.released()) o.key("released").value(true);
    const auto codings = parseCodings(contentEncoding);
    if (!codings.empty() && body.size > 0) {
        const DecodedContent d = decodeContent(body.retained, codings, opt.maxDecodedBody);
        o.key("decoded").beginObject();
        o.key("codings").beginArray();
        for (const std::string& c : d.codings) o.value(c);
        o.endArray();
        o.key("size").value(d.bytes.size());
        o.key("sha256").value(Sha256::of(d.bytes));
        putBytes(o, d.bytes, d.bytes.size(), opt.maxBody);
        o.key("output_capped").value(d.truncated);
        if (body.released())
            o.key("error").value(
                "body let go while open streams held more than the retention total");
        else if (!body.retainedAll)
            o.key("error").value("body larger than the retention cap; decoded the retained part");
        else if (d.error)
            o.key("error").value(*d.error);
        o.endObject();
    }
    if (http1BodyBytes > 0) o.key("http1_body_bytes").value(http1BodyBytes);
    o.endObject();
}

template <class Out>
void putProtobufFields(Out& o, const std::vector<ProtoField>& fields) {
    o.beginArray();
    for (const ProtoField& f : fields) {
        o.beginObject();
        o.key("field").value(f.number);
        o.key("wire_type").value(protoWireTypeName(f.wireType));
        switch (f.wireType) {
            case ProtoWireType::Varint: {
                o.key("value").value(f.varint);
                // zigzag (sint32/sint64) reading, for the reader's convenience
                const auto zz = static_cast<std::int64_t>((f.varint >> 1) ^ (~(f.varint & 1) + 1));
                o.key("sint").value(zz);
                break;
            }
            case ProtoWireType::Fixed64:
            case ProtoWireType::Fixed32:
                o.key("value").value(f.varint);
                break;
            case ProtoWireType::LengthDelimited:
                o.key("length").value(f.bytes.size());
                if (f.shape == ProtoField::Shape::Message)
                    putProtobufFields(o.key("message"), f.children);
                else if (f.shape == ProtoField::Shape::String)
                    o.key("string").value(asStringView(f.bytes));
                else
                    o.key("bytes").bytes(f.bytes, false);
                break;
            case ProtoWireType::StartGroup:
                putProtobufFields(o.key("group"), f.children);
                break;
            case ProtoWireType::EndGroup:
                break;
        }
        o.endObject();
    }
    o.endArray();
}

template <class Out>
void putProtobuf(Out& o, ByteSpan bytes) {
    const ProtoMessage m = decodeProtobufRaw(bytes);
    o.beginObject();
    putProtobufFields(o.key("fields"), m.fields);
    if (!m.ok) o.key("error").value(m.error);
    o.endObject();
}

// `grpc` object of one direction: messages with raw protobuf decodes.
template <class Out>
void putGrpc(Out& o, const BodyCapture& body, std::string_view grpcEncoding,
             const JsonContext& ctx) {
    const ExportOptions& opt = *ctx.options;
    const GrpcBody g =
        splitGrpcBody(body.retained, grpcEncoding, opt.maxGrpcMessages, opt.maxDecodedBody);
    o.beginObject();
    if (grpcEncoding.empty())
        o.key("encoding").null();
    else
        o.key("encoding").value(grpcEncoding);
    o.key("messages").beginArray();
    for (const GrpcMessage& m : g.messages) {
        o.beginObject();
        o.key("offset").value(m.offset);
        o.key("compressed").value(m.compressed);
        o.key("length").value(m.length);
        o.key("complete").value(m.payloadComplete);
        o.key("payload_size").value(m.payload.size());
        putBytes(o, m.payload, m.payload.size(), opt.maxBody);
        if (m.error) o.key("error").value(*m.error);
        putProtobuf(o.key("protobuf"), m.payload);
        o.endObject();
    }
    o.endArray();
    o.key("trailing_bytes").value(g.trailingBytes);
    if (g.droppedMessages) o.key("messages_dropped").value(g.droppedMessages);
    if (!body.retainedAll) o.key("retained_only").value(true);
    o.endObject();
}

template <class Out>
void putWindowSeries(Out& o, const std::vector<WindowPoint>& series, const JsonContext& ctx) {
    o.beginArray();
    for (const WindowPoint& p : series) {
        o.beginArray();
        o.value(ctx.t(p.ts));
        o.value(p.value);
        o.endArray();
    }
    o.endArray();
}

// A header value, or "" without the block or the header.
std::string_view headerValue(const std::optional<HeaderBlock>& b, std::string_view name) {
    return b ? b->value(name) : std::string_view();
}

template <class Out>
void putOptionalString(Out& o, std::string_view s) {
    if (s.empty())
        o.null();
    else
        o.value(s);
}

}  // namespace

std::string_view endKindName(StreamEnd end) {
    switch (end) {
        case StreamEnd::Complete:
            return "complete";
        case StreamEnd::Incomplete:
            return "incomplete";
        case StreamEnd::ResetByClient:
        case StreamEnd::ResetByServer:
            return "reset";
        case StreamEnd::RefusedByGoaway:
            return "refused_by_goaway";
    }
    return "incomplete";
}

namespace {

template <class Out>
void putStreamMembers(Out& o, const StreamTranscript& t, const JsonContext& ctx) {
    const StreamRecord& s = t.record;
    o.key("id").value(s.id);
    o.key("pushed").value(s.pushed);
    if (s.pushed) o.key("promised_on").value(s.promisedOn);
    o.key("state").value(streamStateName(s.state));

    o.key("end").beginObject();
    o.key("kind").value(endKindName(s.end));
    if (s.end == StreamEnd::ResetByClient || s.end == StreamEnd::ResetByServer) {
        o.key("reset_by").value(s.end == StreamEnd::ResetByClient ? "client" : "server");
        o.key("error").value(errorCodeName(s.resetCode));
    }
    o.key("request_end_stream").value(s.requestEnd.has_value());
    o.key("response_end_stream").value(s.responseEnd.has_value());
    o.endObject();

    o.key("timings").beginObject();
    putT(o.key("start"), s.requestStart, ctx);
    putT(o.key("request_end"), s.requestEnd, ctx);
    putT(o.key("response_start"), s.responseStart, ctx);
    putT(o.key("first_response_data"), s.firstResponseData, ctx);
    putT(o.key("response_end"), s.responseEnd, ctx);
    putT(o.key("end"), s.closed, ctx);
    o.endObject();

    auto trailers = [&](const std::optional<HeaderBlock>& b) {
        if (b)
            putHeaderBlock(o.key("trailers"), *b, ctx);
        else
            o.key("trailers").null();
    };
    o.key("request").beginObject();
    if (s.request) putHeaderBlockMembers(o, *s.request, ctx);
    trailers(s.requestTrailers);
    const bool http1Body = s.request && s.request->fromHttp1 && s.requestBodyBytes > t.body[0].size;
    putBody(o.key("body"), t.body[0], headerValue(s.request, "content-encoding"), ctx,
            http1Body ? s.requestBodyBytes - t.body[0].size : 0);
    o.endObject();

    o.key("response").beginObject();
    if (s.response) putHeaderBlockMembers(o, *s.response, ctx);
    o.key("informational").beginArray();
    for (const HeaderBlock& b : s.informational) putHeaderBlock(o, b, ctx);
    o.endArray();
    trailers(s.responseTrailers);
    putBody(o.key("body"), t.body[1], headerValue(s.response, "content-encoding"), ctx);
    o.endObject();

    o.key("windows").beginObject();
    putWindowSeries(o.key("client"), s.window[0], ctx);
    putWindowSeries(o.key("server"), s.window[1], ctx);
    o.endObject();
    if (s.priority.inTree) {
        // Only on connections with priority signals (docs/priority.md); weight as RFC 1-256.
        const StreamPriority& p = s.priority;
        o.key("priority").beginObject();
        o.key("parent").value(p.parent);
        o.key("weight").value(p.weight);
        o.key("exclusive").value(p.exclusive);
        o.key("urgency").value(p.urgency);
        o.key("incremental").value(p.incremental);
        o.key("rfc7540").value(p.rfc7540);
        o.key("rfc9218").value(p.rfc9218);
        o.endObject();
    }

    if (isGrpcContentType(headerValue(s.request, "content-type")) ||
        isGrpcContentType(headerValue(s.response, "content-type"))) {
        o.key("grpc").beginObject();
        putGrpc(o.key("request"), t.body[0], headerValue(s.request, "grpc-encoding"), ctx);
        putGrpc(o.key("response"), t.body[1], headerValue(s.response, "grpc-encoding"), ctx);
        // Trailers-only responses carry grpc-status in the response HEADERS themselves.
        const auto& statusBlock = s.responseTrailers ? s.responseTrailers : s.response;
        putOptionalString(o.key("status"), headerValue(statusBlock, "grpc-status"));
        putOptionalString(o.key("message"), headerValue(statusBlock, "grpc-message"));
        o.endObject();
    }
}

}  // namespace

void writeStreamMembers(JsonOut& out, const StreamTranscript& s, const JsonContext& ctx) {
    putStreamMembers(out, s, ctx);
}

Json headerListJson(const HeaderBlock& b, const Redactor& r) {
    JsonDom d;
    putHeaderList(d, b, r);
    return d.take();
}

Json streamJson(const StreamTranscript& t, const JsonContext& ctx) {
    JsonDom d;
    d.beginObject();
    putStreamMembers(d, t, ctx);
    d.endObject();
    return d.take();
}

Json protobufJson(ByteSpan bytes) {
    JsonDom d;
    putProtobuf(d, bytes);
    return d.take();
}

namespace {

template <class Out>
void putRecordHead(Out& o, std::string_view kind, const JsonContext& ctx) {
    o.key("record").value(kind);
    if (ctx.options->tagCapture) o.key("capture").value(ctx.options->captureTag);
}

}  // namespace

Json recordHead(std::string_view kind, const JsonContext& ctx) {
    JsonDom d;
    d.beginObject();
    putRecordHead(d, kind, ctx);
    d.endObject();
    return d.take();
}

void writeRecordHead(JsonOut& out, std::string_view kind, const JsonContext& ctx) {
    putRecordHead(out, kind, ctx);
}

Json connectionJson(const ConnectionTranscript& c, const JsonContext& ctx) {
    const ConnectionSummary& sum = *c.summary;
    Json j;
    j["id"] = c.info.id;
    j["client"] = c.info.client.toString();
    j["server"] = c.info.server.toString();
    Json det;
    det["method"] = detectionName(sum.detection);
    det["detail"] = sum.detectionDetail;
    if (sum.tls) det["tls"] = tlsJson(*sum.tls);
    j["http2"] = std::move(det);

    if (c.flow) {
        const FlowRecord& f = *c.flow;
        Json tcp;
        tcp["start"] = ctx.t(f.firstTs);
        tcp["end"] = ctx.t(f.lastTs);
        tcp["role_evidence"] = roleEvidenceName(f.roleEvidence);
        tcp["handshake_seen"] = f.handshakeSeen;
        tcp["close"] = flowEndName(f.end);
        tcp["client_to_server"] = directionStatsJson(f.stats(Direction::ClientToServer));
        tcp["server_to_client"] = directionStatsJson(f.stats(Direction::ServerToClient));
        j["tcp"] = std::move(tcp);
    } else {
        j["tcp"] = nullptr;
    }

    Json settings = Json::array();
    for (const SettingsRecord& s : sum.settingsHistory) {
        Json r;
        r["from"] = sideName(s.from);
        r["t"] = ctx.t(s.ts);
        r["from_upgrade"] = s.fromUpgrade;
        r["settings"] = settingsListJson(s.settings);
        r["ack_t"] = optT(s.ackTs, ctx);
        settings.push_back(std::move(r));
    }
    j["settings"] = std::move(settings);
    j["settings_in_force"] = {{"client", peerSettingsJson(sum.settings[0])},
                              {"server", peerSettingsJson(sum.settings[1])}};

    Json pings = Json::array();
    for (const PingRecord& p : sum.pings) {
        Json r;
        r["from"] = sideName(p.from);
        r["t"] = ctx.t(p.ts);
        r["data"] = hexString(p.data);
        r["ack_t"] = optT(p.ackTs, ctx);
        r["rtt_ms"] = p.ackTs ? Json(static_cast<double>(*p.ackTs - p.ts) / 1e6) : Json(nullptr);
        pings.push_back(std::move(r));
    }
    j["pings"] = std::move(pings);

    Json goaways = Json::array();
    for (const GoawayRecord& g : sum.goaways) {
        goaways.push_back(Json{{"from", sideName(g.from)},
                               {"t", ctx.t(g.ts)},
                               {"last_stream_id", g.lastStreamId},
                               {"error", errorCodeName(g.errorCode)},
                               {"debug_data", g.debugData}});
    }
    j["goaways"] = std::move(goaways);
    // What a transcript user wants as a stream's body is what its receiver accepted: DATA that
    // arrived after the stream was reset is dropped by the receiver (RFC 9113 §5.4.2), so it is
    // not in the stream's body size; it is listed here (tshark counts it in the stream: body
    // size + these bytes = tshark's total). Only present when there was some.
    if (!sum.dataAfterReset.empty()) {
        Json late = Json::array();
        for (const LateDataRecord& l : sum.dataAfterReset) {
            late.push_back(Json{{"stream", l.streamId},
                                {"from", sideName(l.from)},
                                {"t_first", ctx.t(l.firstTs)},
                                {"t_last", ctx.t(l.lastTs)},
                                {"data_frames", l.frames},
                                {"bytes", l.bytes}});
        }
        j["data_after_reset"] = std::move(late);
    }

    Json stalls = Json::array();
    for (const FlowStall& s : sum.stalls) {
        stalls.push_back(Json{{"sender", sideName(s.sender)},
                              {"stream", s.streamId},
                              {"start", ctx.t(s.start)},
                              {"end", optT(s.end, ctx)}});
    }
    j["flow_stalls"] = std::move(stalls);
    j["connection_windows"] = {{"client", windowSeriesJson(sum.connectionWindow[0], ctx)},
                               {"server", windowSeriesJson(sum.connectionWindow[1], ctx)}};
    j["frame_counts"] = {{"client", sum.frames[0]}, {"server", sum.frames[1]}};
    j["stream_count"] = sum.streams;
    if (sum.priorities.signalled()) {
        const PriorityFollowResult& f = sum.priorityFollow;
        j["priority"] = {{"scheme", prioritySchemeName(f.scheme)},
                         {"changes", sum.priorities.history().size() + sum.priorities.historyCut()},
                         {"server_no_rfc7540_priorities", sum.priorities.serverNoRfc7540()},
                         {"server_followed",
                          {{"measured", f.measured()},
                           {"followed", f.followed()},
                           {"data_bytes", f.dataBytes},
                           {"contended_bytes", f.contendedBytes},
                           {"out_of_order_bytes", f.outOfOrderBytes}}}};
    }

    Json anomalies = Json::array();
    for (const Anomaly& a : c.anomalies) {
        anomalies.push_back(Json{{"t", ctx.t(a.ts)},
                                 {"from", sideName(a.dir)},
                                 {"stream", a.streamId},
                                 {"frame_offset", a.frameOffset},
                                 {"name", a.name},
                                 {"rfc", a.rfc},
                                 {"detail", a.detail}});
    }
    j["anomalies"] = std::move(anomalies);
    j["anomalies_total"] = sum.anomalies;
    // Only where the audit found something, so an ordinary capture's export is unchanged.
    if (!c.findings.empty()) {
        Json findings = Json::array();
        for (const Finding& f : c.findings) findings.push_back(findingJson(f, ctx.base));
        j["findings"] = std::move(findings);
    }
    return j;
}

Json frameJson(const FrameEvent& ev, const JsonContext& ctx) {
    const Frame& f = *ev.frame;
    Json j = {{"conn", ev.conn->id},
              {"t", ctx.t(f.ts)},
              {"time", static_cast<double>(f.ts) / 1e9},
              {"dir", directionName(ev.dir)},
              {"stream", f.streamId},
              {"type", frameTypeName(f.type)},
              {"flags", f.flags},
              {"length", f.length}};
    if (f.flags) j["flag_names"] = frameFlagNames(f.type, f.flags);
    if (f.padded) j["pad_length"] = f.padLength;
    if (f.priority) {
        j["priority"] = {{"exclusive", f.priority->exclusive},
                         {"dependency", f.priority->dependency},
                         {"weight", f.priority->weight + 1}};
    }
    switch (f.frameType()) {
        case FrameType::Data:
            j["data_length"] = f.data.size();
            break;
        case FrameType::Settings:
            j["settings"] = settingsListJson(f.settings);
            break;
        case FrameType::WindowUpdate:
            j["window_increment"] = f.windowIncrement;
            break;
        case FrameType::RstStream:
            j["error"] = errorCodeName(f.errorCode);
            break;
        case FrameType::Goaway:
            j["last_stream_id"] = f.lastStreamId;
            j["error"] = errorCodeName(f.errorCode);
            if (!f.debugData.empty()) {
                if (isUtf8Text(f.debugData))
                    j["debug_data"] = std::string(asStringView(f.debugData));
                else
                    j["debug_data_base64"] = base64Encode(f.debugData);
            }
            break;
        case FrameType::Ping:
            j["opaque_data"] = hexString(f.pingData);
            break;
        case FrameType::PushPromise:
            j["promised_stream"] = f.promisedStreamId;
            break;
        case FrameType::PriorityUpdate:  // RFC 9218 §7.1
            j["prioritized_stream"] = f.prioritizedStreamId;
            if (isUtf8Text(f.priorityFieldValue))
                j["priority_field_value"] = std::string(asStringView(f.priorityFieldValue));
            else
                j["priority_field_value_base64"] = base64Encode(f.priorityFieldValue);
            break;
        default:
            break;
    }
    if (f.error) j["malformed"] = std::string(f.error->text);
    if (ev.headers) {
        j["headers"] = headerListJson(*ev.headers, ctx.redactor);
        Json repr = Json::array();
        // Values that are not text (gRPC "-bin" metadata) cannot be JSON strings without loss:
        // their exact bytes are given as [index, base64] pairs.
        Json binary = Json::array();
        for (std::size_t i = 0; i < ev.headers->fields.size(); ++i) {
            const HeaderField& h = ev.headers->fields[i];
            repr.push_back(toString(h.representation));
            if (h.valueKnown && !ctx.redactor.hides(h.name) && !isUtf8Text(asBytes(h.value))) {
                binary.push_back(Json::array({i, base64Encode(asBytes(h.value))}));
            }
        }
        j["hpack"] = repr;
        if (!binary.empty()) j["values_base64"] = binary;
        if (ev.headers->error) j["hpack_error"] = ev.headers->error->message;
    }
    return j;
}

Json headerJson(const CaptureFacts& facts) {
    const AnalyzerStats& st = facts.stats;
    Json j;
    j["version"] = kExportVersion;
    j["source_file"] = facts.sourceFile;
    // Earliest and latest times, not the first and last packets': pcapng files with several
    // interfaces and clock steps are not in time order (issue 14.2).
    j["capture_start"] = st.packets ? Json(isoTime(st.minTs)) : Json(nullptr);
    j["capture_end"] = st.packets ? Json(isoTime(st.maxTs)) : Json(nullptr);
    j["capture_start_epoch"] =
        st.packets ? Json(static_cast<double>(st.minTs) / 1e9) : Json(nullptr);
    j["duration"] = st.packets ? static_cast<double>(st.maxTs - st.minTs) / 1e9 : 0.0;
    j["stats"] = {{"packets", st.packets},
                  {"captured_bytes", st.capturedBytes},
                  {"tcp_segments", st.tcpSegments},
                  {"tcp_connections", facts.tcpConnections},
                  {"http2_connections", facts.http2Connections},
                  {"streams", facts.streams},
                  {"anomalies", facts.anomalies},
                  {"issues", facts.issues}};
    return j;
}

}  // namespace h2lens
