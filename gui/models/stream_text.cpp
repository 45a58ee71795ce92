#include "models/stream_text.h"

#include <QJsonDocument>
#include <QStringDecoder>
#include <QStringList>

#include "export/body_text.h"
#include "export/content_decoding.h"
#include "export/grpc_messages.h"
#include "export/transcript_json.h"
#include "models/table_models.h"

namespace h2lens::gui {

namespace {

constexpr std::size_t kMaxDecoded = 64 * 1024 * 1024;
constexpr std::size_t kMaxShown = 2 * 1024 * 1024;  // characters put into the text view

QString qs(std::string_view s) {
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

const HeaderBlock* headersOf(const StreamData& s, int dir) {
    if (dir == 0) return s.rec.request ? &*s.rec.request : nullptr;
    return s.rec.response ? &*s.rec.response : nullptr;
}

QString hex(ByteSpan b) {
    const ByteSpan cut = b.first(std::min<std::size_t>(b.size(), kMaxShown / 5));
    QString out = qs(hexDump(cut));
    if (cut.size() < b.size())
        out += QStringLiteral("… (%1 more bytes)").arg(b.size() - cut.size());
    return out;
}

QString textOrHex(ByteSpan b, bool& isText) {
    isText = isUtf8Text(b.first(std::min<std::size_t>(b.size(), kMaxShown)));
    if (!isText) return hex(b);
    return qs(asStringView(b.first(utf8Prefix(b, kMaxShown))));
}

}  // namespace

BodyView bodyView(const StreamData& s, int dir, BodyMode mode) {
    BodyView v;
    const std::string_view raw = s.body[dir];
    const std::uint64_t total = dir == 0 ? s.rec.requestBodyBytes : s.rec.responseBodyBytes;
    if (total == 0) {
        v.note = QObject::tr("no body");
        return v;
    }
    QStringList notes;
    if (s.bodyTruncated[dir] || raw.size() < total) {
        notes << QObject::tr("kept %1 of %2 bytes").arg(raw.size()).arg(total);
    }
    const HeaderBlock* h = headersOf(s, dir);
    const std::string_view contentType = h ? h->value("content-type") : std::string_view{};
    const std::string_view encoding = h ? h->value("content-encoding") : std::string_view{};
    ByteSpan bytes = asBytes(raw);
    Bytes decoded;
    if (isGrpcContentType(contentType) && (mode == BodyMode::Auto || mode == BodyMode::Grpc)) {
        const std::string_view grpcEnc = h ? h->value("grpc-encoding") : std::string_view{};
        GrpcBody g = splitGrpcBody(bytes, grpcEnc, 10000, kMaxDecoded);
        QString out;
        int n = 0;
        for (const GrpcMessage& m : g.messages) {
            out += QObject::tr("── message %1: offset %2, %3 bytes%4%5\n")
                       .arg(n++)
                       .arg(m.offset)
                       .arg(m.length)
                       .arg(m.compressed ? QObject::tr(", compressed") : QString())
                       .arg(m.payloadComplete ? QString() : QObject::tr(", cut"));
            if (m.error) out += QObject::tr("   error: %1\n").arg(qs(*m.error));
            out += qs(protobufJson(m.payload).dump(2)) + "\n" + hex(m.payload) + "\n";
            if (out.size() > static_cast<qsizetype>(kMaxShown)) break;
        }
        if (g.trailingBytes)
            out += QObject::tr("%1 trailing bytes (cut message)\n").arg(g.trailingBytes);
        notes << QObject::tr("gRPC: %1 messages").arg(g.messages.size());
        v.text = out;
        v.note = notes.join(QStringLiteral("; "));
        return v;
    }
    if (!encoding.empty()) {
        const auto codings = parseCodings(encoding);
        if (!codings.empty()) {
            DecodedContent d = decodeContent(bytes, codings, kMaxDecoded);
            notes << QObject::tr("%1 decoded: %2 → %3 bytes%4")
                         .arg(qs(encoding))
                         .arg(raw.size())
                         .arg(d.bytes.size())
                         .arg(d.error ? QStringLiteral(" (") + qs(*d.error) + ")" : QString());
            decoded = std::move(d.bytes);
            bytes = decoded;
        }
    }
    bool isText = false;
    switch (mode) {
        case BodyMode::Hex:
            v.text = hex(bytes);
            break;
        case BodyMode::Json:
        case BodyMode::Auto: {
            const bool looksJson = contentType.find("json") != std::string_view::npos ||
                                   (!bytes.empty() && (bytes[0] == '{' || bytes[0] == '['));
            if (looksJson) {
                QJsonParseError err;
                const QJsonDocument doc =
                    QJsonDocument::fromJson(QByteArray(reinterpret_cast<const char*>(bytes.data()),
                                                       static_cast<qsizetype>(bytes.size())),
                                            &err);
                if (err.error == QJsonParseError::NoError) {
                    v.text = QString::fromUtf8(doc.toJson(QJsonDocument::Indented));
                    break;
                }
                if (mode == BodyMode::Json)
                    notes << QObject::tr("not JSON: %1").arg(err.errorString());
            }
            v.text = textOrHex(bytes, isText);
            if (!isText) notes << QObject::tr("binary: hex");
            break;
        }
        case BodyMode::Text:
        case BodyMode::Grpc:
            v.text = textOrHex(bytes, isText);
            break;
    }
    v.note = notes.join(QStringLiteral("; "));
    return v;
}

QString streamAsText(const StreamData& s) {
    QString out;
    auto block = [&](const char* title, const std::optional<HeaderBlock>& b) {
        if (!b) return;
        out += QStringLiteral("%1\n").arg(QLatin1String(title));
        for (const HeaderField& h : b->fields) {
            out += QStringLiteral("%1: %2\n").arg(headerFieldName(h), headerFieldValue(h));
        }
    };
    out += QStringLiteral("# stream %1 of connection %2\n").arg(s.rec.id).arg(s.connId);
    block("## request", s.rec.request);
    if (s.rec.requestBodyBytes)
        out += QStringLiteral("(%1 body bytes)\n").arg(s.rec.requestBodyBytes);
    block("## request trailers", s.rec.requestTrailers);
    for (const HeaderBlock& b : s.rec.informational) block("## informational response", b);
    block("## response", s.rec.response);
    if (s.rec.responseBodyBytes)
        out += QStringLiteral("(%1 body bytes)\n").arg(s.rec.responseBodyBytes);
    block("## response trailers", s.rec.responseTrailers);
    return out;
}

QString curlCommand(const StreamData& s, bool priorKnowledge) {
    if (!s.rec.request) return {};
    const HeaderBlock& r = *s.rec.request;
    auto quote = [](QString v) { return "'" + v.replace("'", "'\\''") + "'"; };
    const QString scheme =
        qs(r.value(":scheme")).isEmpty() ? QStringLiteral("http") : qs(r.value(":scheme"));
    const QString method = qs(r.value(":method"));
    // An h2c Upgrade request is repeated as one: curl --http2 on http:// upgrades, and writes the
    // Upgrade, Connection, HTTP2-Settings and Host fields itself.
    const bool upgrade = r.fromHttp1;
    QString cmd = QStringLiteral("curl %1").arg(priorKnowledge && scheme == "http" && !upgrade
                                                    ? QStringLiteral("--http2-prior-knowledge")
                                                    : QStringLiteral("--http2"));
    if (!method.isEmpty() && method != "GET") cmd += " -X " + quote(method);
    for (const HeaderField& h : r.fields) {
        if (h.nameKnown && !h.name.empty() && h.name[0] == ':') continue;
        if (upgrade && h.nameKnown &&
            (h.name == "host" || h.name == "connection" || h.name == "upgrade" ||
             h.name == "http2-settings")) {
            continue;
        }
        cmd += " \\\n  -H " + quote(headerFieldName(h) + ": " + headerFieldValue(h));
    }
    if (s.rec.requestBodyBytes) {
        // Only a complete body that is text survives a shell argument; anything else is a file.
        const std::string_view body = s.body[0];
        const bool whole = !s.bodyTruncated[0] && body.size() >= s.rec.requestBodyBytes;
        QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
        const QString text = utf8.decode(QByteArrayView(body.data(), body.size()));
        const bool printable = !utf8.hasError() && body.find('\0') == std::string::npos;
        cmd += whole && printable ? " \\\n  --data-binary " + quote(text)
                                  : QStringLiteral(" \\\n  --data-binary @body.bin");
    }
    cmd += " \\\n  " + quote(scheme + "://" + qs(r.value(":authority")) + qs(r.value(":path")));
    return cmd;
}

}  // namespace h2lens::gui
