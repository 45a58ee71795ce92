#include "export/body_text.h"

#include <fmt/format.h>

#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace h2lens {

namespace {

bool allowedControl(std::uint8_t c) {
    return c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x1b;
}

}  // namespace

std::size_t utf8SequenceLength(ByteSpan b, std::size_t i) {
    const std::uint8_t c = b[i];
    if (c < 0x80) return 1;
    std::size_t n;
    std::uint32_t cp;
    if ((c & 0xe0) == 0xc0)
        n = 2, cp = c & 0x1f;
    else if ((c & 0xf0) == 0xe0)
        n = 3, cp = c & 0x0f;
    else if ((c & 0xf8) == 0xf0)
        n = 4, cp = c & 0x07;
    else
        return 0;
    if (i + n > b.size()) return 0;
    for (std::size_t k = 1; k < n; ++k) {
        if ((b[i + k] & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (b[i + k] & 0x3f);
    }
    static constexpr std::uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return n;
}

bool isUtf8Text(ByteSpan bytes) {
    for (std::size_t i = 0; i < bytes.size();) {
        // Printable ASCII eight bytes at a time: most text bodies are mostly that.
        while (i + 8 <= bytes.size()) {
            std::uint64_t w;
            std::memcpy(&w, bytes.data() + i, 8);
            constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHigh = kOnes * 0x80;
            const std::uint64_t low = (w - 0x20 * kOnes) & ~w & kHigh;  // a byte < 0x20
            const std::uint64_t del = (w ^ (0x7f * kOnes));
            if ((w & kHigh) | low | ((del - kOnes) & ~del & kHigh)) break;
            i += 8;
        }
        if (i >= bytes.size()) break;
        const std::uint8_t c = bytes[i];
        if ((c < 0x20 && !allowedControl(c)) || c == 0x7f) return false;
        const std::size_t n = utf8SequenceLength(bytes, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

std::size_t utf8Prefix(ByteSpan bytes, std::size_t max) {
    if (bytes.size() <= max) return bytes.size();
    std::size_t cut = max;
    // Step back over continuation bytes so the cut falls on a character boundary.
    while (cut > 0 && (bytes[cut] & 0xc0) == 0x80) --cut;
    return cut;
}

namespace {

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Two output characters per 12 input bits: half the table lookups of the textbook loop, which
// matters because every binary body of an export goes through here.
struct Base64Pairs {
    char pair[4096][2];
    constexpr Base64Pairs() : pair() {
        for (int i = 0; i < 4096; ++i) {
            pair[i][0] = kBase64[i >> 6];
            pair[i][1] = kBase64[i & 63];
        }
    }
};
constexpr Base64Pairs kPairs;

#if defined(__x86_64__)
// Wojciech Mula's SSSE3 encoding: 12 input bytes become 16 characters per step, about four
// times the scalar loop. Chosen at run time, so the binary still runs on CPUs without SSSE3.
__attribute__((target("ssse3"))) std::size_t base64Ssse3(const std::uint8_t* in, std::size_t n,
                                                         char* out) {
    const __m128i spread = _mm_set_epi8(10, 11, 9, 10, 7, 8, 6, 7, 4, 5, 3, 4, 1, 2, 0, 1);
    const __m128i shiftLut =
        _mm_setr_epi8('a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
                      '0' - 52, '0' - 52, '0' - 52, '0' - 52, '+' - 62, '/' - 63, 'A', 0, 0);
    std::size_t i = 0;
    // Each step reads 16 bytes but consumes 12, so stop while 16 are still readable.
    for (; i + 16 <= n; i += 12, out += 16) {
        __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
        v = _mm_shuffle_epi8(v, spread);
        const __m128i t0 = _mm_and_si128(v, _mm_set1_epi32(0x0fc0fc00));
        const __m128i t1 = _mm_mulhi_epu16(t0, _mm_set1_epi32(0x04000040));
        const __m128i t2 = _mm_and_si128(v, _mm_set1_epi32(0x003f03f0));
        const __m128i t3 = _mm_mullo_epi16(t2, _mm_set1_epi32(0x01000010));
        const __m128i idx = _mm_or_si128(t1, t3);  // sixteen 6-bit values
        __m128i r = _mm_subs_epu8(idx, _mm_set1_epi8(51));
        const __m128i upper = _mm_cmpgt_epi8(_mm_set1_epi8(26), idx);
        r = _mm_or_si128(r, _mm_and_si128(upper, _mm_set1_epi8(13)));
        r = _mm_add_epi8(_mm_shuffle_epi8(shiftLut, r), idx);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out), r);
    }
    return i;
}

// The same steps on two 128-bit lanes: 24 input bytes become 32 characters per step.
__attribute__((target("avx2"))) std::size_t base64Avx2(const std::uint8_t* in, std::size_t n,
                                                       char* out) {
    const __m256i spread = _mm256_broadcastsi128_si256(
        _mm_set_epi8(10, 11, 9, 10, 7, 8, 6, 7, 4, 5, 3, 4, 1, 2, 0, 1));
    const __m256i shiftLut = _mm256_broadcastsi128_si256(
        _mm_setr_epi8('a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
                      '0' - 52, '0' - 52, '0' - 52, '0' - 52, '+' - 62, '/' - 63, 'A', 0, 0));
    std::size_t i = 0;
    // Each step reads 16 bytes at i and 16 at i + 12 (one lane each) and consumes 24.
    for (; i + 28 <= n; i += 24, out += 32) {
        const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
        const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i + 12));
        __m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
        v = _mm256_shuffle_epi8(v, spread);
        const __m256i t0 = _mm256_and_si256(v, _mm256_set1_epi32(0x0fc0fc00));
        const __m256i t1 = _mm256_mulhi_epu16(t0, _mm256_set1_epi32(0x04000040));
        const __m256i t2 = _mm256_and_si256(v, _mm256_set1_epi32(0x003f03f0));
        const __m256i t3 = _mm256_mullo_epi16(t2, _mm256_set1_epi32(0x01000010));
        const __m256i idx = _mm256_or_si256(t1, t3);
        __m256i r = _mm256_subs_epu8(idx, _mm256_set1_epi8(51));
        const __m256i upper = _mm256_cmpgt_epi8(_mm256_set1_epi8(26), idx);
        r = _mm256_or_si256(r, _mm256_and_si256(upper, _mm256_set1_epi8(13)));
        r = _mm256_add_epi8(_mm256_shuffle_epi8(shiftLut, r), idx);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), r);
    }
    return i;
}

const bool kHaveSsse3 = __builtin_cpu_supports("ssse3");
const bool kHaveAvx2 = __builtin_cpu_supports("avx2");
#endif

}  // namespace

std::string base64Encode(ByteSpan in) {
    std::string out;
    appendBase64(out, in);
    return out;
}

void appendBase64(std::string& text, ByteSpan in) {
    // Sized once and written by index: bodies of many MB go through here.
    const std::size_t start = text.size();
    text.resize(start + (in.size() + 2) / 3 * 4, '=');
    char* o = text.data() + start;
    std::size_t i = 0;
#if defined(__x86_64__)
    if (kHaveAvx2) {
        i = base64Avx2(in.data(), in.size(), o);
        o += i / 3 * 4;
    }
    if (kHaveSsse3) {
        const std::size_t done = base64Ssse3(in.data() + i, in.size() - i, o);
        i += done;
        o += done / 3 * 4;
    }
#endif
    for (; i + 2 < in.size(); i += 3, o += 4) {
        const std::uint32_t v =
            (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
        std::memcpy(o, kPairs.pair[v >> 12], 2);
        std::memcpy(o + 2, kPairs.pair[v & 4095], 2);
    }
    if (i + 1 == in.size()) {
        const std::uint32_t v = std::uint32_t{in[i]} << 16;
        o[0] = kBase64[v >> 18];
        o[1] = kBase64[(v >> 12) & 63];
    } else if (i + 2 == in.size()) {
        const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8);
        o[0] = kBase64[v >> 18];
        o[1] = kBase64[(v >> 12) & 63];
        o[2] = kBase64[(v >> 6) & 63];
    }
}

std::string hexDump(ByteSpan bytes, std::string_view indent) {
    std::string out;
    for (std::size_t line = 0; line < bytes.size(); line += 16) {
        out += fmt::format("{}{:08x} ", indent, line);
        std::string ascii;
        for (std::size_t k = 0; k < 16; ++k) {
            if (k == 8) out += ' ';
            if (line + k < bytes.size()) {
                const std::uint8_t c = bytes[line + k];
                out += fmt::format(" {:02x}", c);
                ascii += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '.';
            } else {
                out += "   ";
            }
        }
        out += fmt::format("  |{}|\n", ascii);
    }
    return out;
}

}  // namespace h2lens
