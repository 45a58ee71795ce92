#include "export/har_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "export/body_text.h"
#include "export/content_decoding.h"
#include "export/json_text.h"

namespace h2lens {

namespace {

double ms(TimestampNs from, TimestampNs to) {
    return static_cast<double>(to - from) / 1e6;
}

Json harHeaders(const std::optional<HeaderBlock>& b, const Redactor& r, bool pseudo) {
    Json list = Json::array();
    if (!b) return list;
    for (const HeaderField& f : b->fields) {
        const std::string name = r.name(f);
        if (!pseudo && name.starts_with(':')) continue;
        list.push_back(Json{{"name", name}, {"value", r.value(f)}});
    }
    return list;
}

std::string value(const std::optional<HeaderBlock>& b, std::string_view n) {
    return b ? std::string(b->value(n)) : std::string();
}

Json queryString(const std::string& path) {
    Json list = Json::array();
    const auto q = path.find('?');
    if (q == std::string::npos) return list;
    std::string_view rest(path);
    rest.remove_prefix(q + 1);
    if (auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
    while (!rest.empty()) {
        auto amp = rest.find('&');
        std::string_view item = rest.substr(0, amp);
        auto eq = item.find('=');
        list.push_back(
            Json{{"name", std::string(item.substr(0, eq))},
                 {"value", eq == std::string_view::npos ? "" : std::string(item.substr(eq + 1))}});
        if (amp == std::string_view::npos) break;
        rest.remove_prefix(amp + 1);
    }
    return list;
}

// The body as HAR content text: decoded when a content-encoding was undone.
struct HarBody {
    std::uint64_t size = 0;  // decoded size
    std::string text;
    bool base64 = false;
    bool truncated = false;
};

HarBody harBody(const BodyCapture& body, std::string_view contentEncoding, std::size_t maxBody) {
    HarBody out;
    Bytes decoded;
    ByteSpan bytes = body.retained;
    out.size = body.size;
    const auto codings = parseCodings(contentEncoding);
    if (!codings.empty() && body.size > 0) {
        DecodedContent d = decodeContent(body.retained, codings, 64u << 20);
        if (!d.error) {
            decoded = std::move(d.bytes);
            bytes = decoded;
            out.size = decoded.size();
        }
    }
    std::size_t shown = std::min(bytes.size(), maxBody);
    if (isUtf8Text(bytes.first(shown))) {
        shown = utf8Prefix(bytes, shown);
        out.text.assign(asStringView(bytes.first(shown)));
    } else {
        out.base64 = true;
        out.text = base64Encode(bytes.first(shown));
    }
    out.truncated = shown < bytes.size() || !body.retainedAll;
    return out;
}

std::string ipOnly(const Endpoint& e) {
    return e.ip.toString();
}

}  // namespace

std::string harTime(TimestampNs ts) {
    const std::string iso = isoTime(ts);  // ...SS.nnnnnnnnnZ
    return iso.substr(0, iso.size() - 7) + "Z";
}

HarWriter::HarWriter(const ExportOptions& options, std::ostream& out) : m_out(&out) {
    m_ctx.options = &options;
    m_ctx.redactor = Redactor(options.redact);
}

const JsonContext& HarWriter::ctx() {
    if (m_analyzer)
        m_ctx.base = m_analyzer->stats().firstTs;
    else if (m_stats)
        m_ctx.base = m_stats->firstTs;
    return m_ctx;
}

void HarWriter::onStream(const StreamTranscript& t) {
    const StreamRecord& s = t.record;
    if (!s.request || !s.requestStart) return;  // mid-stream captures: no request to show
    const JsonContext& c = ctx();
    const TimestampNs start = *s.requestStart;
    const std::string scheme =
        value(s.request, ":scheme").empty() ? "http" : value(s.request, ":scheme");
    std::string authority = value(s.request, ":authority");
    if (authority.empty()) authority = value(s.request, "host");
    if (authority.empty()) authority = t.conn.server.toString();
    const std::string path = value(s.request, ":path");
    std::string method = value(s.request, ":method");
    if (method.empty()) method = "GET";

    Json req;
    req["method"] = method;
    req["url"] = scheme + "://" + authority + (path.empty() ? "/" : path);
    req["httpVersion"] = "h2";
    req["cookies"] = Json::array();
    req["headers"] = harHeaders(s.request, c.redactor, true);
    req["queryString"] = queryString(path);
    if (t.body[0].size > 0) {
        HarBody b = harBody(t.body[0], value(s.request, "content-encoding"), c.options->maxBody);
        Json post{{"mimeType", value(s.request, "content-type")}, {"text", b.text}};
        if (b.base64) post["encoding"] = "base64";  // not in HAR 1.2, but what viewers accept
        req["postData"] = std::move(post);
    }
    req["headersSize"] = -1;
    req["bodySize"] = t.body[0].size;

    Json resp;
    int status = 0;
    try {
        status = std::stoi(value(s.response, ":status"));
    } catch (...) {
        status = 0;
    }
    resp["status"] = status;
    resp["statusText"] = "";
    resp["httpVersion"] = "h2";
    resp["cookies"] = Json::array();
    resp["headers"] = harHeaders(s.response, c.redactor, true);
    HarBody b = harBody(t.body[1], value(s.response, "content-encoding"), c.options->maxBody);
    Json content;
    content["size"] = b.size;
    content["compression"] =
        static_cast<std::int64_t>(b.size) - static_cast<std::int64_t>(t.body[1].size);
    std::string mime = value(s.response, "content-type");
    content["mimeType"] = mime.empty() ? "x-unknown" : mime;
    content["text"] = b.text;
    if (b.base64) content["encoding"] = "base64";
    if (b.truncated) content["_truncated"] = true;
    resp["content"] = std::move(content);
    resp["redirectURL"] = value(s.response, "location");
    resp["headersSize"] = -1;
    resp["bodySize"] = t.body[1].size;

    const TimestampNs reqEnd = s.requestEnd.value_or(start);
    const double send = ms(start, reqEnd);
    const double wait = s.responseStart ? ms(reqEnd, *s.responseStart) : -1;
    const TimestampNs last = s.responseEnd ? *s.responseEnd : s.closed.value_or(reqEnd);
    const double receive = s.responseStart ? std::max(0.0, ms(*s.responseStart, last)) : -1;

    Json entry;
    entry["startedDateTime"] = harTime(start);
    entry["time"] = 0;
    entry["request"] = std::move(req);
    entry["response"] = std::move(resp);
    entry["cache"] = Json::object();
    entry["timings"] = {{"blocked", 0},
                        {"dns", -1},
                        {"connect", -1},
                        {"send", send},
                        {"wait", std::max(-1.0, wait)},
                        {"receive", receive},
                        {"ssl", -1}};
    entry["serverIPAddress"] = ipOnly(t.conn.server);
    entry["connection"] = std::to_string(t.conn.id);
    entry["_h2lens"] = {{"conn", t.conn.id}, {"stream", s.id}, {"end", streamEndName(s.end)}};
    m_open[t.conn.id].push_back({start, t.conn.id, s.id, std::move(entry), send});
}

void HarWriter::onConnection(const ConnectionTranscript& c) {
    auto it = m_open.find(c.info.id);
    if (it == m_open.end()) return;
    for (Pending& p : it->second) {
        // The client's flow-control stalls on this stream, inside the send phase.
        double blocked = 0;
        for (const FlowStall& st : c.summary->stalls) {
            if (st.sender == Direction::ClientToServer && st.streamId == p.stream && st.end) {
                blocked += ms(st.start, *st.end);
            }
        }
        blocked = std::min(blocked, p.sendMs);
        Json& timings = p.entry["timings"];
        timings["blocked"] = blocked;
        timings["send"] = p.sendMs - blocked;
        double total = 0;
        for (const char* k : {"blocked", "send", "wait", "receive"}) {
            total += std::max(0.0, timings[k].get<double>());
        }
        p.entry["time"] = total;
        m_done.push_back(std::move(p));
    }
    m_open.erase(it);
}

void HarWriter::finish() {
    std::stable_sort(m_done.begin(), m_done.end(), [](const Pending& a, const Pending& b) {
        return std::tie(a.start, a.conn, a.stream) < std::tie(b.start, b.conn, b.stream);
    });
    Json entries = Json::array();
    for (Pending& p : m_done) entries.push_back(std::move(p.entry));
    Json har;
    har["log"] = {{"version", "1.2"},
                  {"creator", {{"name", "h2lens"}, {"version", std::string(kExportVersion)}}},
                  {"pages", Json::array()},
                  {"entries", std::move(entries)}};
    writeJson(*m_out, har, 2);
    *m_out << '\n';
    m_out->flush();
}

}  // namespace h2lens
