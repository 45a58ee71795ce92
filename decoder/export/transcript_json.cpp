#include "export/transcript_json.h"

#include "export/json_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <random>

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

// Bytes as text when they are UTF-8, else base64; at most `max` source bytes. With `slots` the
// tree gets a placeholder and the bytes are written with the text (they must outlive it).
void putBytes(Json& j, ByteSpan bytes, std::uint64_t totalSize, std::size_t max,
              BodyTextSlots* slots) {
    const bool text = isUtf8Text(bytes.first(std::min(bytes.size(), max)));
    std::size_t shown = std::min(bytes.size(), max);
    if (text) shown = utf8Prefix(bytes, shown);
    j["encoding"] = text ? "utf-8" : "base64";
    if (slots) {
        j["data"] = slots->add(bytes.first(shown), text);
    } else {
        j["data"] =
            text ? std::string(asStringView(bytes.first(shown))) : base64Encode(bytes.first(shown));
    }
    j["shown_bytes"] = shown;
    j["truncated"] = shown < totalSize;
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

namespace {

// A placeholder names its slot after a token drawn when the process starts, so no string that
// comes from a capture can pass for one: "\x01" + 16 hex digits of the token + 8 of the index.
const std::string& placeholderToken() {
    static const std::string token = [] {
        std::random_device rd;
        const std::uint64_t v = (std::uint64_t{rd()} << 32) ^ rd();
        return fmt::format("\x01{:016x}", v);
    }();
    return token;
}
constexpr std::size_t kPlaceholderLength = 1 + 16 + 8;

}  // namespace

std::string BodyTextSlots::add(ByteSpan bytes, bool text) {
    m_slots.push_back(Slot{bytes, text});
    return placeholderToken() + fmt::format("{:08x}", m_slots.size() - 1);
}

ByteSpan BodyTextSlots::keep(Bytes bytes) {
    m_kept.push_back(std::move(bytes));
    return m_kept.back();
}

bool BodyTextSlots::write(std::string& out, const std::string& value) {
    if (value.size() != kPlaceholderLength || value[0] != '\x01') return false;
    const std::string& token = placeholderToken();
    if (value.compare(0, token.size(), token) != 0) return false;
    std::size_t index = 0;
    const char* first = value.data() + token.size();
    const auto r = std::from_chars(first, value.data() + value.size(), index, 16);
    if (r.ec != std::errc() || index >= m_slots.size()) return false;
    const Slot& slot = m_slots[index];
    if (slot.text) {
        appendJsonString(out, asStringView(slot.bytes));
    } else {
        out += '"';
        appendBase64(out, slot.bytes);
        out += '"';
    }
    return true;
}

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

Json headerListJson(const HeaderBlock& b, const Redactor& r) {
    Json list = Json::array();
    for (const HeaderField& f : b.fields) list.push_back(Json::array({r.name(f), r.value(f)}));
    return list;
}

Json headerBlockJson(const HeaderBlock& b, const JsonContext& ctx) {
    Json j;
    j["t"] = ctx.t(b.ts);
    j["headers"] = headerListJson(b, ctx.redactor);
    Json hpack = Json::array();
    for (const HeaderField& f : b.fields) {
        Json h;
        h["representation"] = hpackReprName(f.representation);
        h["index"] = f.index;
        h["name_huffman"] = f.nameHuffman;
        h["value_huffman"] = f.valueHuffman;
        if (!f.nameKnown || !f.valueKnown) h["unknown_ref"] = f.unknownRef;
        // JSON strings cannot carry arbitrary bytes: binary values (grpc "-bin" metadata) are
        // also given exactly, in base64.
        if (f.valueKnown && !isUtf8Text(asBytes(f.value)) && !ctx.redactor.hides(f.name)) {
            h["value_base64"] = base64Encode(asBytes(f.value));
        }
        hpack.push_back(std::move(h));
    }
    j["hpack"] = std::move(hpack);
    j["end_stream"] = b.endStream;
    if (b.fromHttp1) j["from_http1"] = true;
    if (b.error) j["hpack_error"] = b.error->message;
    return j;
}

Json bodyJson(const BodyCapture& body, std::string_view contentEncoding, const JsonContext& ctx) {
    const ExportOptions& o = *ctx.options;
    Json j;
    j["size"] = body.size;
    j["sha256"] = body.sha256Hex();
    j["data_frames"] = body.dataFrames;
    putBytes(j, body.retained, body.size, o.maxBody, ctx.bodySlots);
    // Let go while the stream stayed open (ExportOptions::maxRetainedTotal): only then present.
    if (body.released()) j["released"] = true;
    const auto codings = parseCodings(contentEncoding);
    if (!codings.empty() && body.size > 0) {
        DecodedContent d = decodeContent(body.retained, codings, o.maxDecodedBody);
        Json dj;
        dj["codings"] = d.codings;
        dj["size"] = d.bytes.size();
        dj["sha256"] = Sha256::of(d.bytes);
        const std::size_t decodedSize = d.bytes.size();
        const ByteSpan decoded =
            ctx.bodySlots ? ctx.bodySlots->keep(std::move(d.bytes)) : ByteSpan(d.bytes);
        putBytes(dj, decoded, decodedSize, o.maxBody, ctx.bodySlots);
        dj["output_capped"] = d.truncated;
        if (body.released())
            dj["error"] = "body let go while open streams held more than the retention total";
        else if (!body.retainedAll)
            dj["error"] = "body larger than the retention cap; decoded the retained part";
        else if (d.error)
            dj["error"] = *d.error;
        j["decoded"] = std::move(dj);
    }
    return j;
}

Json protobufFieldsJson(const std::vector<ProtoField>& fields) {
    Json list = Json::array();
    for (const ProtoField& f : fields) {
        Json j;
        j["field"] = f.number;
        j["wire_type"] = protoWireTypeName(f.wireType);
        switch (f.wireType) {
            case ProtoWireType::Varint: {
                j["value"] = f.varint;
                // zigzag (sint32/sint64) reading, for the reader's convenience
                const auto zz = static_cast<std::int64_t>((f.varint >> 1) ^ (~(f.varint & 1) + 1));
                j["sint"] = zz;
                break;
            }
            case ProtoWireType::Fixed64:
            case ProtoWireType::Fixed32:
                j["value"] = f.varint;
                break;
            case ProtoWireType::LengthDelimited:
                j["length"] = f.bytes.size();
                if (f.shape == ProtoField::Shape::Message)
                    j["message"] = protobufFieldsJson(f.children);
                else if (f.shape == ProtoField::Shape::String)
                    j["string"] = std::string(asStringView(f.bytes));
                else
                    j["bytes"] = base64Encode(f.bytes);
                break;
            case ProtoWireType::StartGroup:
                j["group"] = protobufFieldsJson(f.children);
                break;
            case ProtoWireType::EndGroup:
                break;
        }
        list.push_back(std::move(j));
    }
    return list;
}

Json protobufJson(ByteSpan bytes) {
    ProtoMessage m = decodeProtobufRaw(bytes);
    Json j;
    j["fields"] = protobufFieldsJson(m.fields);
    if (!m.ok) j["error"] = m.error;
    return j;
}

Json grpcJson(const BodyCapture& body, std::string_view grpcEncoding, const JsonContext& ctx) {
    const ExportOptions& o = *ctx.options;
    GrpcBody g = splitGrpcBody(body.retained, grpcEncoding, o.maxGrpcMessages, o.maxDecodedBody);
    Json list = Json::array();
    for (GrpcMessage& m : g.messages) {
        Json j;
        j["offset"] = m.offset;
        j["compressed"] = m.compressed;
        j["length"] = m.length;
        j["complete"] = m.payloadComplete;
        j["payload_size"] = m.payload.size();
        Json protobuf = protobufJson(m.payload);  // before the payload may move below
        const std::size_t payloadSize = m.payload.size();
        const ByteSpan payload =
            ctx.bodySlots ? ctx.bodySlots->keep(std::move(m.payload)) : ByteSpan(m.payload);
        putBytes(j, payload, payloadSize, o.maxBody, ctx.bodySlots);
        if (m.error) j["error"] = *m.error;
        j["protobuf"] = std::move(protobuf);
        list.push_back(std::move(j));
    }
    Json out;
    out["encoding"] = grpcEncoding.empty() ? Json(nullptr) : Json(std::string(grpcEncoding));
    out["messages"] = std::move(list);
    out["trailing_bytes"] = g.trailingBytes;
    if (g.droppedMessages) out["messages_dropped"] = g.droppedMessages;
    if (!body.retainedAll) out["retained_only"] = true;
    return out;
}

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

Json streamJson(const StreamTranscript& t, const JsonContext& ctx) {
    const StreamRecord& s = t.record;
    Json j;
    j["id"] = s.id;
    j["pushed"] = s.pushed;
    if (s.pushed) j["promised_on"] = s.promisedOn;
    j["state"] = streamStateName(s.state);

    Json end;
    end["kind"] = endKindName(s.end);
    if (s.end == StreamEnd::ResetByClient || s.end == StreamEnd::ResetByServer) {
        end["reset_by"] = s.end == StreamEnd::ResetByClient ? "client" : "server";
        end["error"] = errorCodeName(s.resetCode);
    }
    end["request_end_stream"] = s.requestEnd.has_value();
    end["response_end_stream"] = s.responseEnd.has_value();
    j["end"] = std::move(end);

    Json timings;
    timings["start"] = optT(s.requestStart, ctx);
    timings["request_end"] = optT(s.requestEnd, ctx);
    timings["response_start"] = optT(s.responseStart, ctx);
    timings["first_response_data"] = optT(s.firstResponseData, ctx);
    timings["response_end"] = optT(s.responseEnd, ctx);
    timings["end"] = optT(s.closed, ctx);
    j["timings"] = std::move(timings);

    auto headerValue = [](const std::optional<HeaderBlock>& b, std::string_view n) {
        return b ? std::string(b->value(n)) : std::string();
    };
    Json req;
    if (s.request) req = headerBlockJson(*s.request, ctx);
    req["trailers"] = s.requestTrailers ? headerBlockJson(*s.requestTrailers, ctx) : Json(nullptr);
    req["body"] = bodyJson(t.body[0], headerValue(s.request, "content-encoding"), ctx);
    if (s.request && s.request->fromHttp1 && s.requestBodyBytes > t.body[0].size) {
        // The h2c Upgrade request's own body travelled as HTTP/1.1, outside any DATA frame.
        req["body"]["http1_body_bytes"] = s.requestBodyBytes - t.body[0].size;
    }
    j["request"] = std::move(req);

    Json resp;
    if (s.response) resp = headerBlockJson(*s.response, ctx);
    Json info = Json::array();
    for (const HeaderBlock& b : s.informational) info.push_back(headerBlockJson(b, ctx));
    resp["informational"] = std::move(info);
    resp["trailers"] =
        s.responseTrailers ? headerBlockJson(*s.responseTrailers, ctx) : Json(nullptr);
    resp["body"] = bodyJson(t.body[1], headerValue(s.response, "content-encoding"), ctx);
    j["response"] = std::move(resp);

    j["windows"] = {{"client", windowSeriesJson(s.window[0], ctx)},
                    {"server", windowSeriesJson(s.window[1], ctx)}};
    if (s.priority.inTree) {
        // Only on connections with priority signals (docs/priority.md); weight as RFC 1-256.
        const StreamPriority& p = s.priority;
        j["priority"] = {{"parent", p.parent},           {"weight", p.weight},
                         {"exclusive", p.exclusive},     {"urgency", p.urgency},
                         {"incremental", p.incremental}, {"rfc7540", p.rfc7540},
                         {"rfc9218", p.rfc9218}};
    }

    const std::string reqType = headerValue(s.request, "content-type");
    const std::string respType = headerValue(s.response, "content-type");
    if (isGrpcContentType(reqType) || isGrpcContentType(respType)) {
        Json g;
        g["request"] = grpcJson(t.body[0], headerValue(s.request, "grpc-encoding"), ctx);
        g["response"] = grpcJson(t.body[1], headerValue(s.response, "grpc-encoding"), ctx);
        // Trailers-only responses carry grpc-status in the response HEADERS themselves.
        const auto& statusBlock = s.responseTrailers ? s.responseTrailers : s.response;
        const std::string status = headerValue(statusBlock, "grpc-status");
        g["status"] = status.empty() ? Json(nullptr) : Json(status);
        const std::string message = headerValue(statusBlock, "grpc-message");
        g["message"] = message.empty() ? Json(nullptr) : Json(message);
        j["grpc"] = std::move(g);
    }
    return j;
}

Json recordHead(std::string_view kind, const JsonContext& ctx) {
    Json j;
    j["record"] = kind;
    if (ctx.options->tagCapture) j["capture"] = ctx.options->captureTag;
    return j;
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
