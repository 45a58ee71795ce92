#include "export/flat_fields.h"

#include "export/finding_json.h"
#include "export/json_out.h"
#include "h2/names.h"

namespace h2lens {

namespace {

std::string_view sideText(Direction d) {
    return d == Direction::ClientToServer ? "client" : "server";
}

std::string pseudo(const std::optional<HeaderBlock>& b, std::string_view name,
                   const Redactor& redactor) {
    if (!b) return {};
    const std::string_view v = b->value(name);
    if (!v.empty() && redactor.hides(name)) return std::string(kRedacted);
    return std::string(v);
}

// A record about one connection: its head, then the connection's id and addresses.
Json connectionRecord(std::string_view kind, const ConnectionTranscript& c,
                      const JsonContext& ctx) {
    Json j = recordHead(kind, ctx);
    j["conn"] = c.info.id;
    j["client"] = c.info.client.toString();
    j["server"] = c.info.server.toString();
    return j;
}

}  // namespace

namespace {

void putSeconds(JsonOut& o, const std::optional<TimestampNs>& to,
                const std::optional<TimestampNs>& from) {
    if (to && from)
        o.value(static_cast<double>(*to - *from) / 1e9);
    else
        o.null();
}

}  // namespace

void writeFlatStreamFields(JsonOut& o, const StreamTranscript& t, const JsonContext& ctx) {
    const StreamRecord& s = t.record;
    const Redactor& r = ctx.redactor;
    o.key("method").value(pseudo(s.request, ":method", r));
    o.key("authority").value(pseudo(s.request, ":authority", r));
    o.key("scheme").value(pseudo(s.request, ":scheme", r));
    o.key("path").value(pseudo(s.request, ":path", r));
    o.key("status").value(pseudo(s.response, ":status", r));
    o.key("content_type").value(pseudo(s.response, "content-type", r));
    if (s.requestStart) {
        o.key("start_epoch").value(static_cast<double>(*s.requestStart) / 1e9);
        o.key("start").value(ctx.t(*s.requestStart));
    } else {
        o.key("start_epoch").null();
        o.key("start").null();
    }
    putSeconds(o.key("ttfb"), s.responseStart, s.requestStart);
    putSeconds(o.key("duration"), s.closed, s.requestStart);
    const bool reset = s.end == StreamEnd::ResetByClient || s.end == StreamEnd::ResetByServer;
    o.key("end_kind").value(endKindName(s.end));
    o.key("reset_by").value(!reset ? "" : s.end == StreamEnd::ResetByClient ? "client" : "server");
    o.key("reset_error").value(reset ? errorCodeName(s.resetCode) : std::string());
    o.key("request_body_size").value(t.body[0].size);
    o.key("response_body_size").value(t.body[1].size);
}

void appendFlatConnectionFields(Json& line, const ConnectionTranscript& c, const JsonContext&) {
    const ConnectionSummary& sum = *c.summary;
    std::uint64_t bySender[2] = {0, 0};
    double stalled = 0;
    for (const FlowStall& st : sum.stalls) {
        ++bySender[st.sender == Direction::ClientToServer ? 0 : 1];
        if (st.end) stalled += static_cast<double>(*st.end - st.start) / 1e9;
    }
    line["http2_method"] = detectionName(sum.detection);
    line["stall_count"] = sum.stalls.size();
    line["stall_seconds"] = stalled;
    line["client_stall_count"] = bySender[0];
    line["server_stall_count"] = bySender[1];
    line["anomaly_count"] = c.anomalies.size();
}

std::vector<Json> anomalyLines(const ConnectionTranscript& c, const JsonContext& ctx) {
    std::vector<Json> lines;
    lines.reserve(c.anomalies.size());
    for (const Anomaly& a : c.anomalies) {
        Json j = connectionRecord("anomaly", c, ctx);
        j["t"] = ctx.t(a.ts);
        j["from"] = sideText(a.dir);
        j["stream"] = a.streamId;
        j["frame_offset"] = a.frameOffset;
        j["name"] = a.name;
        j["rfc"] = a.rfc;
        j["detail"] = a.detail;
        lines.push_back(std::move(j));
    }
    return lines;
}

std::vector<Json> findingLines(const ConnectionTranscript& c, const JsonContext& ctx) {
    std::vector<Json> lines;
    lines.reserve(c.findings.size());
    for (const Finding& f : c.findings) {
        Json j = connectionRecord("finding", c, ctx);
        Json fields = findingJson(f, ctx.base);  // named: items() of a temporary dangles
        for (auto& [key, value] : fields.items()) j[key] = std::move(value);
        lines.push_back(std::move(j));
    }
    return lines;
}

}  // namespace h2lens
