#include "frame_text.h"

#include <fmt/format.h>

#include "export/body_text.h"
#include "h2/frame_details.h"
#include "h2/names.h"

#include <algorithm>

namespace h2lens::cli {

namespace {

double seconds(TimestampNs t, TimestampNs base) {
    return static_cast<double>(t - base) / 1e9;
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
    std::string out = fmt::format(
        "{}[{}] conn {} {} stream {} {} flags={} length={}{}{}{}{}\n", on, time, ev.conn->id,
        directionName(ev.dir), f.streamId, frameTypeName(f.type), flags, f.length,
        details.empty() ? "" : " ", details, f.error ? " " + frameProblem(f) : "", off);
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
