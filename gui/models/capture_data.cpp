#include "models/capture_data.h"

#include <fmt/format.h>

#include "h2/names.h"

namespace h2lens::gui {

std::uint64_t ConnectionData::bytes() const {
    if (done) return flow.dir[0].payloadBytes + flow.dir[1].payloadBytes;
    std::uint64_t n = 0;
    for (const FrameMark& f : frames) n += f.length + kFrameHeaderSize;
    return n;
}

std::string ConnectionData::protocol() const {
    if (!done) return frames.empty() ? "…" : "HTTP/2";
    switch (summary.detection) {
        case Http2Detection::PriorKnowledge:
            return "h2c prior knowledge";
        case Http2Detection::Upgrade:
            return "h2c upgrade";
        case Http2Detection::MidStream:
            return "HTTP/2 (mid-stream)";
        case Http2Detection::Tls:
            return summary.tlsDecrypted ? "h2 over TLS (decrypted)" : "TLS (not decrypted)";
        case Http2Detection::Http1:
            return "HTTP/1.x";
        case Http2Detection::NotHttp:
            return "not HTTP";
        case Http2Detection::None:
            return "no payload";
    }
    return std::string(detectionName(summary.detection));
}

std::string frameDetailText(const ConnectionData& c, const FrameMark& f) {
    std::string s;
    switch (static_cast<FrameType>(f.type)) {
        case FrameType::Data:
            s = fmt::format("data={}", f.dataLength);
            break;
        case FrameType::WindowUpdate:
            // The one type the recorder keeps no text for (thousands per capture): the same
            // words as h2/frame_details.h, which wrote every other type's fields into `extra`.
            s = fmt::format("(window_size_increment={})", f.value);
            break;
        default:
            break;
    }
    if (f.completesHeaderBlock) {
        s += fmt::format("{}header block: {} fields", s.empty() ? "" : " ", f.headerFields);
    }
    if (f.extra != FrameMark::kNoExtra && f.extra < c.frameExtras.size()) {
        s += (s.empty() ? "" : " ") + c.frameExtras[f.extra];
    }
    return s;
}

std::string formatBytes(std::uint64_t n) {
    if (n < 1024) return fmt::format("{} B", n);
    if (n < 1024 * 1024) return fmt::format("{:.1f} KiB", n / 1024.0);
    if (n < 1024ull * 1024 * 1024) return fmt::format("{:.1f} MiB", n / (1024.0 * 1024));
    return fmt::format("{:.2f} GiB", n / (1024.0 * 1024 * 1024));
}

std::string formatDuration(TimestampNs ns) {
    const double a = static_cast<double>(ns < 0 ? -ns : ns);
    if (a < 1e3) return fmt::format("{} ns", ns);
    if (a < 1e6) return fmt::format("{:.1f} µs", ns / 1e3);
    if (a < 1e9) return fmt::format("{:.2f} ms", ns / 1e6);
    return fmt::format("{:.3f} s", ns / 1e9);
}

}  // namespace h2lens::gui
