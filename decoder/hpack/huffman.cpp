#include "hpack/huffman.h"

#include <array>

namespace h2lens {
namespace {

// Code length of each symbol 0..256 (256 = EOS), RFC 7541 Appendix B. The codes follow from the
// lengths because the code is canonical.
constexpr std::array<std::uint8_t, 257> kCodeLength = {
    13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28,
    28, 28, 28, 28, 28, 28, 28, 28, 6,  10, 10, 12, 13, 6,  8,  11, 10, 10, 8,  11, 8,  6,  6,  6,
    5,  5,  5,  6,  6,  6,  6,  6,  6,  6,  7,  8,  15, 6,  12, 10, 13, 6,  7,  7,  7,  7,  7,  7,
    7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  8,  7,  8,  13, 19, 13, 14, 6,
    15, 5,  6,  5,  6,  5,  6,  6,  6,  5,  7,  7,  6,  6,  6,  5,  6,  7,  6,  5,  5,  6,  7,  7,
    7,  7,  7,  15, 11, 14, 13, 28, 20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
    24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, 22, 21, 20, 22, 22, 23, 23, 21,
    23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
    26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24,
    21, 21, 26, 26, 28, 27, 27, 27, 20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
    26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, 30};

constexpr unsigned kMaxLength = 30;
constexpr unsigned kFastBits = 10;
constexpr unsigned kEos = 256;

struct Canonical {
    std::array<std::uint32_t, 257> code{};
    std::array<std::uint16_t, 257> sortedSymbols{};     // by (length, symbol)
    std::array<std::uint64_t, kMaxLength + 1> limit{};  // end of length-L codes, left-justified
    std::array<std::uint32_t, kMaxLength + 1> first{};  // first length-L code, left-justified
    std::array<std::uint16_t, kMaxLength + 1> firstIndex{};  // its place in sortedSymbols
};

constexpr Canonical buildCanonical() {
    Canonical c;
    std::uint64_t code = 0;
    std::uint16_t n = 0;
    for (unsigned len = 1; len <= kMaxLength; ++len) {
        c.first[len] = static_cast<std::uint32_t>(code << (32 - len));
        c.firstIndex[len] = n;
        for (unsigned sym = 0; sym < 257; ++sym) {
            if (kCodeLength[sym] != len) continue;
            c.code[sym] = static_cast<std::uint32_t>(code++);
            c.sortedSymbols[n++] = static_cast<std::uint16_t>(sym);
        }
        c.limit[len] = code << (32 - len);
        code <<= 1;
    }
    return c;
}
constexpr Canonical kCanonical = buildCanonical();
static_assert(kCanonical.code[256] == 0x3fffffff, "EOS must be 30 ones");
static_assert(kCanonical.code['a'] == 0x3 && kCanonical.code[0] == 0x1ff8);
static_assert(kCanonical.limit[kMaxLength] == (std::uint64_t{1} << 32), "code must be complete");

struct FastEntry {
    std::uint16_t symbol = 0;
    std::uint8_t length = 0;  // 0: code longer than kFastBits
};

constexpr std::array<FastEntry, 1u << kFastBits> buildFast() {
    std::array<FastEntry, 1u << kFastBits> t{};
    for (unsigned sym = 0; sym < 257; ++sym) {
        const unsigned len = kCodeLength[sym];
        if (len > kFastBits) continue;
        const unsigned base = kCanonical.code[sym] << (kFastBits - len);
        for (unsigned i = 0; i < (1u << (kFastBits - len)); ++i)
            t[base + i] =
                FastEntry{static_cast<std::uint16_t>(sym), static_cast<std::uint8_t>(len)};
    }
    return t;
}
constexpr std::array<FastEntry, 1u << kFastBits> kFast = buildFast();

}  // namespace

HuffmanStatus huffmanDecode(ByteSpan encoded, std::string& out) {
    const std::size_t base = out.size();
    // The shortest code has 5 bits, so n bytes decode to at most 8n/5 symbols.
    out.resize(base + encoded.size() * 8 / 5 + 1);
    char* const begin = out.data() + base;
    char* dst = begin;
    const std::uint8_t* p = encoded.data();
    const std::uint8_t* const end = p + encoded.size();
    std::uint64_t acc = 0;  // bits left-justified
    unsigned nbits = 0;
    HuffmanStatus status = HuffmanStatus::Ok;
    for (;;) {
        while (nbits <= 56 && p != end) {
            acc |= std::uint64_t{*p++} << (56 - nbits);
            nbits += 8;
        }
        if (nbits == 0) break;
        std::uint32_t top = static_cast<std::uint32_t>(acc >> 32);
        // Past the end, pretend the input continues with ones: a real code then only matches
        // if it fits in the bits we have, and an EOS prefix shows up as "too long".
        if (nbits < 32) top |= 0xffffffffu >> nbits;
        unsigned len, sym;
        const FastEntry fast = kFast[top >> (32 - kFastBits)];
        if (fast.length != 0) {
            len = fast.length;
            sym = fast.symbol;
        } else {
            len = kFastBits + 1;
            while (top >= kCanonical.limit[len]) ++len;
            sym = kCanonical.sortedSymbols[kCanonical.firstIndex[len] +
                                           ((top - kCanonical.first[len]) >> (32 - len))];
        }
        if (len > nbits) {
            // Only at the end of input (otherwise nbits > 56): the rest must be EOS padding.
            const std::uint64_t rest = acc >> (64 - nbits);
            if (nbits > 7 || rest != (std::uint64_t{1} << nbits) - 1)
                status = HuffmanStatus::BadPadding;
            break;
        }
        if (sym == kEos) {
            status = HuffmanStatus::Eos;
            break;
        }
        *dst++ = static_cast<char>(sym);
        acc <<= len;
        nbits -= len;
    }
    out.resize(base + static_cast<std::size_t>(dst - begin));
    return status;
}

std::size_t huffmanEncodedLength(std::string_view text) {
    std::size_t bits = 0;
    for (unsigned char c : text) bits += kCodeLength[c];
    return (bits + 7) / 8;
}

void huffmanEncode(std::string_view text, Bytes& out) {
    std::uint64_t acc = 0;
    unsigned nbits = 0;
    for (unsigned char c : text) {
        acc = (acc << kCodeLength[c]) | kCanonical.code[c];
        nbits += kCodeLength[c];
        while (nbits >= 8) {
            nbits -= 8;
            out.push_back(static_cast<std::uint8_t>(acc >> nbits));
        }
    }
    if (nbits > 0)
        out.push_back(static_cast<std::uint8_t>((acc << (8 - nbits)) | (0xffu >> nbits)));
}

}  // namespace h2lens
