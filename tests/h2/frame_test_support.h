#pragma once
// Hand-made frame bytes and decode helpers for the frame decoder tests.
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "common/bytes.h"
#include "common/limits.h"
#include "h2/frame_decoder.h"
#include "h2/frame_format.h"

namespace h2lens::test {

inline void appendFrame(Bytes& out, std::uint8_t type, std::uint8_t flags, std::uint32_t stream,
                        const Bytes& payload, std::uint32_t declaredLength = 0xffffffff) {
    const std::uint32_t len =
        declaredLength == 0xffffffff ? static_cast<std::uint32_t>(payload.size()) : declaredLength;
    out.push_back(static_cast<std::uint8_t>(len >> 16));
    out.push_back(static_cast<std::uint8_t>(len >> 8));
    out.push_back(static_cast<std::uint8_t>(len));
    out.push_back(type);
    out.push_back(flags);
    out.push_back(static_cast<std::uint8_t>(stream >> 24));
    out.push_back(static_cast<std::uint8_t>(stream >> 16));
    out.push_back(static_cast<std::uint8_t>(stream >> 8));
    out.push_back(static_cast<std::uint8_t>(stream));
    out.insert(out.end(), payload.begin(), payload.end());
}

inline Bytes frameBytes(std::uint8_t type, std::uint8_t flags, std::uint32_t stream,
                        const Bytes& payload) {
    Bytes out;
    appendFrame(out, type, flags, stream, payload);
    return out;
}

inline Bytes be32(std::uint32_t v) {
    return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
            static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}
inline Bytes be16(std::uint16_t v) {
    return {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}
inline Bytes str(std::string_view s) {
    return Bytes(s.begin(), s.end());
}
inline Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

inline constexpr std::string_view kClientPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

enum class Start { Boundary, Preface, MidStream };

struct DecodeResult {
    std::vector<std::string> frames;
    std::vector<std::string> issues;
    RecordingFrameSink sink;
    FrameDecoderStats stats;
};

inline std::vector<std::string> texts(const RecordingFrameSink& sink) {
    std::vector<std::string> out;
    for (const auto& e : sink.frames) out.push_back(e.text);
    return out;
}

// Feeds `bytes` cut at the given split points (sorted, within the size).
inline DecodeResult decodeSplit(const Bytes& bytes, const std::vector<std::size_t>& cuts,
                                Start start = Start::Boundary, Limits limits = {}) {
    FrameDecoder dec(limits);
    if (start == Start::Preface) dec.expectClientPreface();
    if (start == Start::MidStream) dec.startMidStream();
    DecodeResult r;
    std::size_t prev = 0;
    TimestampNs ts = 1;
    for (std::size_t cut : cuts) {
        dec.feed(ByteSpan(bytes).subspan(prev, cut - prev), ts++, r.sink);
        prev = cut;
    }
    dec.feed(ByteSpan(bytes).subspan(prev), ts, r.sink);
    dec.finish(ts, r.sink);
    r.frames = texts(r.sink);
    for (const auto& i : r.sink.issues) r.issues.push_back(describeIssue(i));
    r.stats = dec.stats();
    return r;
}

inline DecodeResult decodeInChunks(const Bytes& bytes, std::size_t chunk,
                                   Start start = Start::Boundary, Limits limits = {}) {
    std::vector<std::size_t> cuts;
    for (std::size_t c = chunk; c < bytes.size(); c += chunk) cuts.push_back(c);
    return decodeSplit(bytes, cuts, start, limits);
}

// Decodes one frame fed whole and returns the recorded single frame (REQUIREs exactly one).
struct OneFrame {
    Frame frame;  // spans cleared; use `payloadCopy` and the text
    std::string text;
    Bytes data, block, debug, payload, altOrigin, altValue, prioValue;
    std::vector<std::string> origins;
};

class CapturingSink : public FrameSink {
  public:
    void onFrame(const Frame& f) override {
        OneFrame o;
        o.frame = f;
        o.text = describeFrame(f);
        o.data.assign(f.data.begin(), f.data.end());
        o.block.assign(f.headerBlockFragment.begin(), f.headerBlockFragment.end());
        o.debug.assign(f.debugData.begin(), f.debugData.end());
        o.payload.assign(f.payload.begin(), f.payload.end());
        o.altOrigin.assign(f.altSvcOrigin.begin(), f.altSvcOrigin.end());
        o.altValue.assign(f.altSvcValue.begin(), f.altSvcValue.end());
        o.prioValue.assign(f.priorityFieldValue.begin(), f.priorityFieldValue.end());
        for (ByteSpan s : f.origins) o.origins.emplace_back(asStringView(s));
        o.frame.data = o.frame.headerBlockFragment = o.frame.debugData = o.frame.payload = {};
        o.frame.altSvcOrigin = o.frame.altSvcValue = o.frame.priorityFieldValue = {};
        o.frame.origins.clear();
        frames.push_back(std::move(o));
    }
    void onIssue(const FrameIssue& i) override { issues.push_back(i); }
    std::vector<OneFrame> frames;
    std::vector<FrameIssue> issues;
};

}  // namespace h2lens::test
