// libFuzzer target for the HTTP/2 frame decoder. Input layout: byte 0 picks the start mode and
// a small payload cap, byte 1 seeds the chunking; the rest is the byte stream. The stream is
// decoded whole and in chunks (with one gap variant checked only for crashes): whole and chunked
// must report the same frames and issues, since nothing in the decoder may depend on chunking.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "h2/frame_decoder.h"
#include "h2/frame_format.h"

using namespace h2lens;

namespace {

struct TextSink : FrameSink {
    void onFrame(const Frame& f) override { out.push_back(describeFrame(f)); }
    void onIssue(const FrameIssue& i) override { out.push_back(describeIssue(i)); }
    std::vector<std::string> out;
};

FrameDecoder makeDecoder(std::uint8_t mode) {
    Limits limits;
    if (mode & 0x4) limits.maxFramePayload = 64;
    FrameDecoder dec(limits);
    if ((mode & 0x3) == 1) dec.expectClientPreface();
    if ((mode & 0x3) == 2) dec.startMidStream();
    if (mode & 0x8) dec.setMaxFrameSize(1 << 20);
    return dec;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::uint8_t mode = data[0];
    std::uint32_t seed = data[1] | 1u;
    const ByteSpan bytes(data + 2, size - 2);

    TextSink whole;
    {
        FrameDecoder dec = makeDecoder(mode);
        dec.feed(bytes, 1, whole);
        dec.finish(2, whole);
    }
    TextSink chunked;
    {
        FrameDecoder dec = makeDecoder(mode);
        std::size_t pos = 0;
        while (pos < bytes.size()) {
            seed = seed * 1103515245u + 12345u;
            const std::size_t n = std::min<std::size_t>(bytes.size() - pos, 1 + (seed >> 16) % 23);
            dec.feed(bytes.subspan(pos, n), 1, chunked);
            pos += n;
        }
        dec.finish(2, chunked);
    }
    if (whole.out != chunked.out) std::abort();

    // Gaps: every few bytes announce a missing run instead of feeding it.
    TextSink gappy;
    FrameDecoder dec = makeDecoder(mode);
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        seed = seed * 1103515245u + 12345u;
        const std::size_t n = std::min<std::size_t>(bytes.size() - pos, 1 + (seed >> 16) % 61);
        if ((seed >> 8) % 5 == 0)
            dec.gap(n, 1, gappy);
        else
            dec.feed(bytes.subspan(pos, n), 1, gappy);
        pos += n;
    }
    dec.finish(2, gappy);
    return 0;
}
