#include "export/json_writer.h"

#include "export/flat_fields.h"
#include "export/grpc_messages.h"
#include "export/json_out.h"
#include "export/json_text.h"

namespace h2lens {

bool decodedHttp2(Http2Detection d) {
    return d == Http2Detection::PriorKnowledge || d == Http2Detection::Upgrade ||
           d == Http2Detection::MidStream;
}

bool decodedHttp2(const ConnectionSummary& s) {
    if (s.detection == Http2Detection::Tls)
        return s.tlsDecrypted && !(s.tls && s.tls->notHttp2Inside);
    return decodedHttp2(s.detection);
}

JsonWriter::JsonWriter(const ExportOptions& options, Format format, std::ostream& out)
    : m_format(format), m_out(&out) {
    m_ctx.options = &options;
    m_ctx.redactor = Redactor(options.redact);
}

const JsonContext& JsonWriter::ctx() {
    if (m_analyzer)
        m_ctx.base = m_analyzer->stats().firstTs;
    else if (m_stats)
        m_ctx.base = m_stats->firstTs;
    return m_ctx;
}

void JsonWriter::writeText(std::string text) {
    if (m_scheduler && m_format == Format::Ndjson) {
        m_scheduler->submitText(std::move(text));
        return;
    }
    m_out->write(text.data(), static_cast<std::streamsize>(text.size()));
}

void JsonWriter::writeLine(const Json& j) {
    std::string text;
    appendJson(text, j);
    text += '\n';
    writeText(std::move(text));
}

std::string JsonWriter::streamLine(const StreamTranscript& s, const JsonContext& ctx) {
    // Room for the bodies (text, or base64 at 4/3) up front: growing a line of hundreds of KB
    // by doubling copied it about once more.
    std::size_t bodies = 0;
    for (const BodyCapture& b : s.body)
        bodies += std::min<std::size_t>(b.retained.size(), ctx.options->maxBody);
    std::string text;
    text.reserve(4096 + bodies / 3 * 4 + bodies / 8);
    // Written as it is made, with no tree: the bodies go straight from the transcript into the
    // line, and the fields cost no allocation (a tree per line was most of the export's malloc).
    JsonOut o(text);
    o.beginObject();
    writeRecordHead(o, "stream", ctx);
    o.key("conn").value(s.conn.id);
    o.key("client").value(s.conn.client.toString());
    o.key("server").value(s.conn.server.toString());
    writeStreamMembers(o, s, ctx);
    if (ctx.options->flatFields) writeFlatStreamFields(o, s, ctx);
    o.endObject();
    text += '\n';
    return text;
}

void JsonWriter::onStream(const StreamTranscript& s) {
    ++m_facts.streams;
    if (m_format == Format::Ndjson) {
        writeText(streamLine(s, ctx()));
        return;
    }
    m_streams[s.conn.id][s.record.id] = streamJson(s, ctx());
}

namespace {

// Whether serialising the stream decodes a body (content-encoding, gRPC messages): that may hold
// up to maxDecodedBody per direction beyond the retained bytes.
bool decodesBody(const StreamTranscript& s) {
    auto needs = [](const std::optional<HeaderBlock>& b) {
        if (!b) return false;
        const std::string_view coding = b->value("content-encoding");
        return (!coding.empty() && coding != "identity") ||
               isGrpcContentType(b->value("content-type"));
    };
    return needs(s.record.request) || needs(s.record.response);
}

}  // namespace

void JsonWriter::onStreamMoved(StreamTranscript&& s) {
    if (!m_scheduler || m_format != Format::Ndjson) {
        onStream(s);
        return;
    }
    ++m_facts.streams;
    const JsonContext& now = ctx();
    if (!m_sharedCtx || m_sharedCtx->base != now.base)
        m_sharedCtx = std::make_shared<const JsonContext>(now);
    const std::size_t cost = s.body[0].retained.size() + s.body[1].retained.size() + 4096;
    const bool decodes = decodesBody(s);
    auto owned = std::make_shared<StreamTranscript>(std::move(s));
    m_scheduler->submit([owned, c = m_sharedCtx] { return streamLine(*owned, *c); }, cost, decodes);
}

void JsonWriter::onFrame(const FrameEvent& ev) {
    Json j = frameJson(ev, ctx());
    if (m_format == Format::Ndjson) {
        Json line = recordHead("frame", ctx());
        for (auto& [k, v] : j.items()) line[k] = std::move(v);
        writeLine(line);
        return;
    }
    Json& list = m_frames[ev.conn->id];
    if (list.is_null()) list = Json::array();
    list.push_back(std::move(j));
}

void JsonWriter::onConnection(const ConnectionTranscript& c) {
    if (decodedHttp2(*c.summary)) ++m_facts.http2Connections;
    m_facts.anomalies += c.summary->anomalies;
    Json j = connectionJson(c, ctx());
    if (m_format == Format::Ndjson) {
        if (m_ctx.options->flatFields) {
            for (const Json& a : anomalyLines(c, ctx())) writeLine(a);
            for (const Json& f : findingLines(c, ctx())) writeLine(f);
        }
        Json line = recordHead("connection", ctx());
        for (auto& [k, v] : j.items()) line[k] = std::move(v);
        if (m_ctx.options->flatFields) appendFlatConnectionFields(line, c, ctx());
        writeLine(line);
        if (!m_scheduler) m_out->flush();
        return;
    }
    Json streams = Json::array();
    if (auto it = m_streams.find(c.info.id); it != m_streams.end()) {
        for (auto& [id, s] : it->second) streams.push_back(std::move(s));
        m_streams.erase(it);
    }
    j["streams"] = std::move(streams);
    if (m_ctx.options->frames) {
        auto it = m_frames.find(c.info.id);
        j["frames"] = it != m_frames.end() ? std::move(it->second) : Json::array();
        if (it != m_frames.end()) m_frames.erase(it);
    }
    m_connections[c.info.id] = std::move(j);
}

void JsonWriter::finish(const std::string& sourceFile, std::uint64_t issues) {
    m_facts.sourceFile = sourceFile;
    m_facts.issues = issues;
    if (m_analyzer) {
        m_facts.stats = m_analyzer->stats();
        m_facts.tcpConnections = m_analyzer->flows().records().size();
    } else if (m_stats) {
        m_facts.stats = *m_stats;
        m_facts.tcpConnections = m_tcpConnections;
    }
    Json header = headerJson(m_facts);
    if (m_format == Format::Ndjson) {
        Json line = recordHead("capture", ctx());
        line["h2lens"] = std::move(header);
        writeLine(line);
        if (m_scheduler) m_scheduler->finish();
        m_out->flush();
        return;
    }
    Json doc;
    doc["h2lens"] = std::move(header);
    Json conns = Json::array();
    for (auto& [id, c] : m_connections) conns.push_back(std::move(c));
    doc["connections"] = std::move(conns);
    writeJson(*m_out, doc, 2);
    *m_out << '\n';
    m_out->flush();
}

}  // namespace h2lens
