#include "frame_text.h"

#include <fmt/format.h>

#include "export/body_text.h"
#include "h2/names.h"

#include <algorithm>

namespace h2lens::cli {

namespace {

double seconds(TimestampNs t, TimestampNs base) {
    return static_cast<double>(t - base) / 1e9;
}

std::string typeDetails(const Frame& f) {
    switch (f.frameType()) {
        case FrameType::Settings: {
            std::string s = fmt::format("(niv={})", f.settings.size());
            for (const Setting& x : f.settings)
                s += fmt::format(" [{}:{}]", settingName(x.id), x.value);
            return s;
        }
        case FrameType::WindowUpdate:
            return fmt::format("(window_size_increment={})", f.windowIncrement);
        case FrameType::RstStream:
            return fmt::format("(error_code={})", errorCodeName(f.errorCode));
        case FrameType::Goaway:
            return fmt::format("(last_stream_id={}, error_code={}, opaque_data={})", f.lastStreamId,
                               errorCodeName(f.errorCode), asStringView(f.debugData));
        case FrameType::Ping:
            return fmt::format("(opaque_data={})", hexString(f.pingData));
        case FrameType::PushPromise:
            return fmt::format("(promised_stream_id={})", f.promisedStreamId);
        case FrameType::Priority:
        case FrameType::Headers:
            if (f.priority) {
                return fmt::format("(dep_stream_id={}, weight={}, exclusive={})",
                                   f.priority->dependency, f.priority->weight + 1,
                                   f.priority->exclusive ? 1 : 0);
            }
            return {};
        case FrameType::Altsvc:
            return fmt::format("(origin={}, field_value={})", asStringView(f.altSvcOrigin),
                               asStringView(f.altSvcValue));
        case FrameType::Origin: {
            std::string s = fmt::format("(norigins={})", f.origins.size());
            for (ByteSpan o : f.origins) s += fmt::format(" [{}]", asStringView(o));
            return s;
        }
        case FrameType::PriorityUpdate:
            return fmt::format("(prioritized_stream_id={}, priority_field_value={})",
                               f.prioritizedStreamId, asStringView(f.priorityFieldValue));
        default:
            return {};
    }
}

// A header value as a terminal may print it: binary (gRPC -bin metadata) or control bytes that
// could drive the terminal are quoted and escaped, "\xff", never written raw.
std::string shownValue(const std::string& v) {
    const bool plain = isUtf8Text(asBytes(v)) && std::none_of(v.begin(), v.end(), [](char c) {
                           const auto u = static_cast<unsigned char>(c);
                           return (u < 0x20 && u != '\t') || u == 0x7f;
                       });
    return plain ? v : fmt::format("{:?}", v);
}

}  // namespace

std::string frameDetails(const Frame& f) {
    std::string s = typeDetails(f);
    // What can be wrong with any frame, after its own fields.
    std::string marks;
    if (f.padded) marks += fmt::format("{}pad_length={}", marks.empty() ? "" : ", ", f.padLength);
    if (f.oversize)
        marks += std::string(marks.empty() ? "" : ", ") + "above SETTINGS_MAX_FRAME_SIZE";
    if (f.reservedBit) marks += std::string(marks.empty() ? "" : ", ") + "reserved bit set";
    if (!marks.empty()) s += (s.empty() ? "" : " ") + ("[" + marks + "]");
    return s;
}

std::string frameText(const FrameEvent& ev, TimestampNs base) {
    return frameText(ev, fmt::format("{:11.6f}", seconds(ev.frame->ts, base)), FrameTextStyle{});
}

std::string frameText(const FrameEvent& ev, std::string_view time, const FrameTextStyle& style) {
    const Frame& f = *ev.frame;
    const std::string flags =
        f.flags ? fmt::format("0x{:02x} ({})", f.flags, frameFlagNames(f.type, f.flags)) : "0x00";
    const std::string details = frameDetails(f);
    // Requests cyan, responses green, as `follow` colours them.
    const std::string_view on = !style.color                          ? ""
                                : ev.dir == Direction::ClientToServer ? "\x1b[36m"
                                                                      : "\x1b[32m";
    const std::string_view off = style.color ? "\x1b[0m" : "";
    std::string out =
        fmt::format("{}[{}] conn {} {} stream {} {} flags={} length={}{}{}{}{}\n", on, time,
                    ev.conn->id, directionName(ev.dir), f.streamId, frameTypeName(f.type), flags,
                    f.length, details.empty() ? "" : " ", details,
                    f.error ? fmt::format(" MALFORMED: {}", f.error->text) : "", off);
    if (ev.headers) {
        for (const HeaderField& h : ev.headers->fields) {
            std::string value =
                h.valueKnown ? shownValue(h.value) : "<unknown " + h.unknownRef + ">";
            if (style.redactor && h.nameKnown && style.redactor->hides(h.name)) {
                value = "[REDACTED]";
            }
            const char* never = h.representation == HpackRepresentation::LiteralNeverIndexed
                                    ? "  (never indexed)"
                                    : "";
            out += fmt::format("              {}{}:{}{}{}{}\n", on,
                               h.nameKnown ? h.name : "?" + h.unknownRef, value.empty() ? "" : " ",
                               value, never, off);
        }
        if (ev.headers->error)
            out += fmt::format("              HPACK error: {}\n", ev.headers->error->message);
    }
    return out;
}

std::string anomalyText(const ConnectionInfo& c, const Anomaly& a, TimestampNs base) {
    return anomalyText(c, a, fmt::format("{:11.6f}", seconds(a.ts, base)), FrameTextStyle{});
}

std::string anomalyText(const ConnectionInfo& c, const Anomaly& a, std::string_view time,
                        const FrameTextStyle& style) {
    const std::string_view on = style.color ? "\x1b[33m" : "";  // yellow, as follow warns
    const std::string_view off = style.color ? "\x1b[0m" : "";
    return fmt::format("{}[{}] conn {} {} stream {} ANOMALY {} {}: {}{}\n", on, time, c.id,
                       directionName(a.dir), a.streamId, a.name, a.rfc, a.detail, off);
}

}  // namespace h2lens::cli
