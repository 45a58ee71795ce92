#include "export/follow_printer.h"

#include <fmt/format.h>

#include "export/body_text.h"
#include "export/content_decoding.h"
#include "export/grpc_messages.h"
#include "export/protobuf_raw.h"
#include "h2/names.h"

namespace h2lens {

namespace {

struct Palette {
    bool on;
    std::string_view reset() const { return on ? "\x1b[0m" : ""; }
    std::string_view bold() const { return on ? "\x1b[1m" : ""; }
    std::string_view request() const { return on ? "\x1b[36m" : ""; }   // cyan
    std::string_view response() const { return on ? "\x1b[32m" : ""; }  // green
    std::string_view dim() const { return on ? "\x1b[2m" : ""; }
    std::string_view warn() const { return on ? "\x1b[33m" : ""; }
};

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    return out;
}

void renderFields(const std::vector<ProtoField>& fields, std::string_view indent,
                  std::string& out) {
    for (const ProtoField& f : fields) {
        switch (f.wireType) {
            case ProtoWireType::Varint:
                out += fmt::format("{}{}: {}\n", indent, f.number, f.varint);
                break;
            case ProtoWireType::Fixed64:
                out += fmt::format("{}{}: 0x{:016x}  (fixed64)\n", indent, f.number, f.varint);
                break;
            case ProtoWireType::Fixed32:
                out += fmt::format("{}{}: 0x{:08x}  (fixed32)\n", indent, f.number, f.varint);
                break;
            case ProtoWireType::LengthDelimited:
                if (f.shape == ProtoField::Shape::Message || f.shape == ProtoField::Shape::Bytes) {
                    if (f.shape == ProtoField::Shape::Message) {
                        out += fmt::format("{}{} {{\n", indent, f.number);
                        renderFields(f.children, std::string(indent) + "  ", out);
                        out += fmt::format("{}}}\n", indent);
                    } else {
                        out +=
                            fmt::format("{}{}: {} bytes 0x{}\n", indent, f.number, f.bytes.size(),
                                        hexString(ByteSpan(f.bytes).first(
                                            std::min<std::size_t>(f.bytes.size(), 64))));
                    }
                } else {
                    out += fmt::format("{}{}: {:?}\n", indent, f.number,
                                       std::string(asStringView(f.bytes)));
                }
                break;
            case ProtoWireType::StartGroup:
                out += fmt::format("{}{} (group) {{\n", indent, f.number);
                renderFields(f.children, std::string(indent) + "  ", out);
                out += fmt::format("{}}}\n", indent);
                break;
            case ProtoWireType::EndGroup:
                break;
        }
    }
}

std::string indentLines(std::string_view text, std::string_view indent) {
    std::string out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        out += fmt::format("{}{}\n", indent, text.substr(pos, nl - pos));
        pos = nl + 1;
    }
    return out;
}

}  // namespace

std::string renderProtobuf(ByteSpan bytes, std::string_view indent) {
    ProtoMessage m = decodeProtobufRaw(bytes);
    std::string out;
    renderFields(m.fields, indent, out);
    if (!m.ok) out += fmt::format("{}(not protobuf past this point: {})\n", indent, m.error);
    return out;
}

std::string renderBody(ByteSpan bytes, std::string_view contentType, std::string_view indent) {
    if (bytes.empty()) return {};
    const std::string ct = lower(contentType);
    if (isUtf8Text(bytes)) {
        const std::string_view text = asStringView(bytes);
        const bool jsonType = ct.find("json") != std::string::npos;
        const bool looksJson = !text.empty() && (text.front() == '{' || text.front() == '[');
        if (jsonType || looksJson) {
            Json j = Json::parse(text, nullptr, false);
            if (!j.is_discarded()) return indentLines(j.dump(2), indent);
        }
        std::string out = indentLines(text, indent);
        return out;
    }
    return hexDump(bytes, indent);
}

FollowPrinter::FollowPrinter(const ExportOptions& options, const FollowOptions& follow,
                             std::ostream& out)
    : m_follow(follow), m_time(follow.time), m_out(&out) {
    m_ctx.options = &options;
    m_ctx.redactor = Redactor(options.redact);
}

void FollowPrinter::onStream(const StreamTranscript& t) {
    if (m_follow.conn && *m_follow.conn != t.conn.id) return;
    if (m_follow.stream && *m_follow.stream != t.record.id) return;
    if (m_analyzer) m_ctx.base = m_analyzer->stats().firstTs;
    m_time.setBase(m_ctx.base);
    const StreamRecord& s = t.record;
    const Palette p{m_follow.color};
    const std::size_t maxBody = m_ctx.options->maxBody;
    std::string out;
    std::string end(streamEndName(s.end));
    if (s.end == StreamEnd::ResetByClient || s.end == StreamEnd::ResetByServer) {
        end += " (" + errorCodeName(s.resetCode) + ")";
    }
    if (m_printed++) out += '\n';
    out += fmt::format(
        "{}== conn {} stream {}  {} -> {}  {}{}{}\n", p.bold(), t.conn.id, s.id,
        t.conn.client.toString(), t.conn.server.toString(), end,
        s.pushed ? fmt::format(" (pushed, promised on stream {})", s.promisedOn) : "", p.reset());

    auto block = [&](const HeaderBlock& b, std::string_view arrow, std::string_view what,
                     std::string_view colour) {
        out += fmt::format("{}[{}] {} {}{}\n", colour, m_time(b.ts), arrow, what, p.reset());
        for (const HeaderField& f : b.fields) {
            const std::string v = m_ctx.redactor.value(f);
            // Binary values (grpc "-bin" metadata) are quoted and escaped, never sent raw to a TTY.
            const std::string shown = isUtf8Text(asBytes(v)) ? v : fmt::format("{:?}", v);
            out +=
                fmt::format("    {}{}{}: {}\n", colour, m_ctx.redactor.name(f), p.reset(), shown);
        }
        if (b.error)
            out += fmt::format("    {}HPACK error: {}{}\n", p.warn(), b.error->message, p.reset());
    };
    auto headerValue = [](const std::optional<HeaderBlock>& b, std::string_view n) {
        return b ? std::string(b->value(n)) : std::string();
    };
    auto body = [&](int d, const std::optional<HeaderBlock>& headers, std::optional<TimestampNs> ts,
                    std::string_view arrow, std::string_view colour) {
        const BodyCapture& bc = t.body[d];
        if (bc.size == 0) return;
        out += fmt::format("{}[{}] {} DATA {} bytes in {} frame{}, sha256 {}{}\n", colour,
                           ts ? m_time(*ts) : m_time.blank(), arrow,
                           bc.size, bc.dataFrames, bc.dataFrames == 1 ? "" : "s", bc.sha256Hex(),
                           p.reset());
        const std::string ct = headerValue(headers, "content-type");
        if (isGrpcContentType(ct)) {
            GrpcBody g =
                splitGrpcBody(bc.retained, headerValue(headers, "grpc-encoding"),
                              m_ctx.options->maxGrpcMessages, m_ctx.options->maxDecodedBody);
            std::size_t i = 0;
            for (const GrpcMessage& m : g.messages) {
                out += fmt::format("    {}gRPC message {}: {} bytes{}{}{}\n", p.dim(), ++i,
                                   m.length, m.compressed ? ", compressed" : "",
                                   m.payloadComplete ? "" : " (cut)", p.reset());
                if (m.error) out += fmt::format("      {}{}{}\n", p.warn(), *m.error, p.reset());
                out += renderProtobuf(
                    ByteSpan(m.payload).first(std::min(m.payload.size(), maxBody)), "      ");
            }
            if (g.trailingBytes)
                out += fmt::format("    {} bytes after the last whole message\n", g.trailingBytes);
            return;
        }
        ByteSpan bytes = bc.retained;
        Bytes decoded;
        const auto codings = parseCodings(headerValue(headers, "content-encoding"));
        if (!codings.empty()) {
            DecodedContent dc = decodeContent(bc.retained, codings, m_ctx.options->maxDecodedBody);
            std::string names;
            for (const auto& c : dc.codings) names += (names.empty() ? "" : ", ") + c;
            out += fmt::format("    {}decoded {} -> {} bytes{}{}\n", p.dim(), names,
                               dc.bytes.size(), dc.error ? "; " + *dc.error : "", p.reset());
            decoded = std::move(dc.bytes);
            bytes = decoded;
        }
        const bool cut = bytes.size() > maxBody;
        out += renderBody(bytes.first(cut ? utf8Prefix(bytes, maxBody) : bytes.size()), ct, "    ");
        if (cut || !bc.retainedAll)
            out += fmt::format("    {}... (truncated; --max-body){}\n", p.dim(), p.reset());
    };

    if (s.request)
        block(*s.request, ">", s.pushed ? "PUSH_PROMISE request" : "HEADERS", p.request());
    body(0, s.request, s.requestEnd, ">", p.request());
    if (s.requestTrailers) block(*s.requestTrailers, ">", "TRAILERS", p.request());
    for (const HeaderBlock& b : s.informational)
        block(b, "<", "HEADERS (informational)", p.response());
    if (s.response) block(*s.response, "<", "HEADERS", p.response());
    body(1, s.response, s.firstResponseData, "<", p.response());
    if (s.responseTrailers) block(*s.responseTrailers, "<", "TRAILERS", p.response());
    const auto& statusBlock = s.responseTrailers ? s.responseTrailers : s.response;
    if (isGrpcContentType(headerValue(s.response, "content-type")) && statusBlock) {
        out +=
            fmt::format("{}gRPC status {}{}{}\n", p.bold(), headerValue(statusBlock, "grpc-status"),
                        headerValue(statusBlock, "grpc-message").empty()
                            ? ""
                            : ": " + headerValue(statusBlock, "grpc-message"),
                        p.reset());
    }
    if (s.closed)
        out += fmt::format("{}[{}] end: {}{}\n", p.dim(), m_time(*s.closed), end, p.reset());
    *m_out << out;
}

}  // namespace h2lens
