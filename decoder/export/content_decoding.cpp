#include "export/content_decoding.h"

#include <brotli/decode.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <iterator>

namespace h2lens {

namespace {

constexpr std::size_t kChunk = 64 * 1024;

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    return out;
}

// Appends up to `room` bytes; returns false once the cap is reached.
bool appendCapped(Bytes& out, const std::uint8_t* p, std::size_t n, std::size_t maxOutput,
                  bool& truncated) {
    const std::size_t room = maxOutput - std::min(maxOutput, out.size());
    out.insert(out.end(), p, p + std::min(room, n));
    if (n > room) {
        truncated = true;
        return false;
    }
    return true;
}

Bytes inflateOnce(ByteSpan input, int windowBits, std::size_t maxOutput, bool& truncated,
                  std::optional<std::string>& error) {
    Bytes out;
    z_stream z{};
    if (inflateInit2(&z, windowBits) != Z_OK) {
        error = "zlib: cannot initialise";
        return out;
    }
    z.next_in = const_cast<Bytef*>(input.data());
    z.avail_in = static_cast<uInt>(input.size());
    std::uint8_t buf[kChunk];
    int rc = Z_OK;
    while (true) {
        z.next_out = buf;
        z.avail_out = sizeof buf;
        rc = inflate(&z, Z_NO_FLUSH);
        const std::size_t produced = sizeof buf - z.avail_out;
        if (!appendCapped(out, buf, produced, maxOutput, truncated)) break;
        if (rc == Z_STREAM_END) {
            // gzip allows several members back to back (RFC 1952 §2.2).
            if (windowBits == 15 + 16 && z.avail_in > 0) {
                inflateReset(&z);
                continue;
            }
            break;
        }
        if (rc != Z_OK) {
            if (rc == Z_BUF_ERROR && z.avail_in == 0)
                error = "input ends early";
            else
                error = std::string("corrupt input: ") + (z.msg ? z.msg : "zlib error");
            break;
        }
        if (z.avail_in == 0 && produced == 0) {
            error = "input ends early";
            break;
        }
    }
    inflateEnd(&z);
    return out;
}

}  // namespace

std::vector<std::string> parseCodings(std::string_view v) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos <= v.size()) {
        std::size_t comma = v.find(',', pos);
        if (comma == std::string_view::npos) comma = v.size();
        std::string_view item = v.substr(pos, comma - pos);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
            item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
        std::string c = lower(item);
        if (!c.empty() && c != "identity") out.push_back(c);
        pos = comma + 1;
    }
    return out;
}

bool supportedCodings(const std::vector<std::string>& codings) {
    return std::all_of(codings.begin(), codings.end(), [](const std::string& c) {
        return c == "gzip" || c == "x-gzip" || c == "deflate" || c == "br" || c == "zstd";
    });
}

Bytes decodeGzipOrDeflate(ByteSpan input, bool gzip, std::size_t maxOutput, bool& truncated,
                          std::optional<std::string>& error) {
    if (gzip) return inflateOnce(input, 15 + 16, maxOutput, truncated, error);
    // "deflate" means zlib-wrapped (RFC 9110 §8.4.1.2) but raw DEFLATE is common in the wild:
    // a zlib header has (CMF*256 + FLG) % 31 == 0 and CM 8.
    const bool zlibWrapped =
        input.size() >= 2 && (input[0] & 0x0f) == 8 && ((input[0] << 8) | input[1]) % 31 == 0;
    return inflateOnce(input, zlibWrapped ? 15 : -15, maxOutput, truncated, error);
}

Bytes decodeBrotli(ByteSpan input, std::size_t maxOutput, bool& truncated,
                   std::optional<std::string>& error) {
    Bytes out;
    BrotliDecoderState* st = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
    if (!st) {
        error = "brotli: cannot initialise";
        return out;
    }
    const std::uint8_t* next = input.data();
    std::size_t avail = input.size();
    std::uint8_t buf[kChunk];
    while (true) {
        std::uint8_t* nextOut = buf;
        std::size_t availOut = sizeof buf;
        const BrotliDecoderResult r =
            BrotliDecoderDecompressStream(st, &avail, &next, &availOut, &nextOut, nullptr);
        if (!appendCapped(out, buf, sizeof buf - availOut, maxOutput, truncated)) break;
        if (r == BROTLI_DECODER_RESULT_SUCCESS) break;
        if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) {
            error = "input ends early";
            break;
        }
        if (r == BROTLI_DECODER_RESULT_ERROR) {
            error = std::string("corrupt input: ") +
                    BrotliDecoderErrorString(BrotliDecoderGetErrorCode(st));
            break;
        }
    }
    BrotliDecoderDestroyInstance(st);
    return out;
}

Bytes decodeZstd(ByteSpan input, std::size_t maxOutput, bool& truncated,
                 std::optional<std::string>& error) {
    Bytes out;
    ZSTD_DStream* ds = ZSTD_createDStream();
    if (!ds) {
        error = "zstd: cannot initialise";
        return out;
    }
    ZSTD_initDStream(ds);
    ZSTD_inBuffer in{input.data(), input.size(), 0};
    std::uint8_t buf[kChunk];
    std::size_t hint = 1;
    while (true) {
        ZSTD_outBuffer o{buf, sizeof buf, 0};
        hint = ZSTD_decompressStream(ds, &o, &in);
        if (ZSTD_isError(hint)) {
            error = std::string("corrupt input: ") + ZSTD_getErrorName(hint);
            break;
        }
        if (!appendCapped(out, buf, o.pos, maxOutput, truncated)) break;
        if (in.pos == in.size && o.pos < o.size) {
            if (hint != 0) error = "input ends early";
            break;
        }
    }
    ZSTD_freeDStream(ds);
    return out;
}

DecodedContent decodeContent(ByteSpan input, const std::vector<std::string>& codings,
                             std::size_t maxOutput) {
    DecodedContent result;
    result.codings = codings;
    Bytes current(input.begin(), input.end());
    // Codings are listed in the order applied, so they are undone from the last one.
    for (auto it = codings.rbegin(); it != codings.rend(); ++it) {
        const std::string& c = *it;
        bool truncated = false;
        std::optional<std::string> error;
        Bytes next;
        if (c == "gzip" || c == "x-gzip")
            next = decodeGzipOrDeflate(current, true, maxOutput, truncated, error);
        else if (c == "deflate")
            next = decodeGzipOrDeflate(current, false, maxOutput, truncated, error);
        else if (c == "br")
            next = decodeBrotli(current, maxOutput, truncated, error);
        else if (c == "zstd")
            next = decodeZstd(current, maxOutput, truncated, error);
        else {
            result.error = "unsupported content coding '" + c + "'";
            return result;
        }
        current = std::move(next);
        result.truncated = result.truncated || truncated;
        if (error && !result.error) result.error = c + ": " + *error;
        if (truncated && std::next(it) != codings.rend()) {
            // A cut intermediate layer cannot be decoded further faithfully.
            if (!result.error) result.error = "output cap reached before every coding was undone";
            break;
        }
    }
    result.bytes = std::move(current);
    return result;
}

}  // namespace h2lens
