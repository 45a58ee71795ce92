#include "export/json_text.h"

#include "export/body_text.h"

#include <fmt/format.h>

#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace h2lens {

namespace {

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHigh = 0x8080808080808080ULL;

constexpr std::uint64_t hasZeroByte(std::uint64_t v) {
    return (v - kOnes) & ~v & kHigh;
}

// Non-zero when one of the eight bytes may need attention: non-ASCII, a control character, a
// quote or a backslash. False positives only send a word down the byte-by-byte path.
constexpr std::uint64_t mayNeedEscape(std::uint64_t w) {
    return (w & kHigh) | ((w - 0x20 * kOnes) & ~w & kHigh) | hasZeroByte(w ^ ('"' * kOnes)) |
           hasZeroByte(w ^ ('\\' * kOnes));
}

// First index at or after `i` whose byte may need attention, or a position close to `n` from
// which the caller goes on byte by byte.
std::size_t skipPlain(const unsigned char* p, std::size_t i, std::size_t n) {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    for (; i + 16 <= n; i += 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
        // A signed compare flags both C0 controls and every byte >= 0x80.
        const __m128i hit =
            _mm_or_si128(_mm_cmplt_epi8(v, space),
                         _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
        const int mask = _mm_movemask_epi8(hit);
        if (mask != 0)
            return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
    }
#endif
    for (; i + 8 <= n; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, p + i, 8);
        if (mayNeedEscape(w)) break;
    }
    return i;
}

void appendEscape(std::string& out, unsigned char c) {
    switch (c) {
        case '"':
            out += "\\\"";
            return;
        case '\\':
            out += "\\\\";
            return;
        case '\b':
            out += "\\b";
            return;
        case '\f':
            out += "\\f";
            return;
        case '\n':
            out += "\\n";
            return;
        case '\r':
            out += "\\r";
            return;
        case '\t':
            out += "\\t";
            return;
        default:
            fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
    }
}

void appendIndent(std::string& out, int indent, int level) {
    out += '\n';
    out.append(static_cast<std::size_t>(indent) * static_cast<std::size_t>(level), ' ');
}

// Hands the text so far to `sink` once it is large, so a big document is never held twice.
void drain(std::string& out, std::ostream* sink) {
    if (sink && out.size() >= (1u << 20)) {
        sink->write(out.data(), static_cast<std::streamsize>(out.size()));
        out.clear();
    }
}

void appendValue(std::string& out, const Json& j, int indent, int level, std::ostream* sink) {
    switch (j.type()) {
        case Json::value_t::object: {
            if (j.empty()) {
                out += "{}";
                return;
            }
            out += '{';
            bool first = true;
            for (auto it = j.begin(); it != j.end(); ++it) {
                if (!first) out += ',';
                first = false;
                if (indent >= 0) appendIndent(out, indent, level + 1);
                appendJsonString(out, it.key());
                out += indent >= 0 ? ": " : ":";
                appendValue(out, it.value(), indent, level + 1, sink);
                drain(out, sink);
            }
            if (indent >= 0) appendIndent(out, indent, level);
            out += '}';
            return;
        }
        case Json::value_t::array: {
            if (j.empty()) {
                out += "[]";
                return;
            }
            out += '[';
            bool first = true;
            for (const Json& v : j) {
                if (!first) out += ',';
                first = false;
                if (indent >= 0) appendIndent(out, indent, level + 1);
                appendValue(out, v, indent, level + 1, sink);
                drain(out, sink);
            }
            if (indent >= 0) appendIndent(out, indent, level);
            out += ']';
            return;
        }
        case Json::value_t::string: {
            appendJsonString(out, j.get_ref<const std::string&>());
            return;
        }
        case Json::value_t::number_integer:
            out += fmt::format_int(j.get<std::int64_t>()).str();
            return;
        case Json::value_t::number_unsigned:
            out += fmt::format_int(j.get<std::uint64_t>()).str();
            return;
        case Json::value_t::boolean:
            out += j.get<bool>() ? "true" : "false";
            return;
        case Json::value_t::null:
            out += "null";
            return;
        default:  // floats (shortest round-trip form), binary, discarded: nlohmann's own text
            out += j.dump(-1, ' ', false, Json::error_handler_t::replace);
            return;
    }
}

}  // namespace

void appendJsonString(std::string& out, std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    const std::size_t start = out.size();
    out.reserve(start + n + 2);
    out += '"';
    std::size_t run = 0;  // first byte not yet copied
    std::size_t i = 0;
    while (i < n) {
        i = skipPlain(p, i, n);
        if (i >= n) break;
        const unsigned char c = p[i];
        if (c >= 0x80) {
            const std::size_t len = utf8SequenceLength(ByteSpan(p, n), i);
            if (len == 0) {
                // Not UTF-8: nlohmann's replacement rules, so output never depends on the path.
                out.resize(start);
                out += Json(std::string(s)).dump(-1, ' ', false, Json::error_handler_t::replace);
                return;
            }
            i += len;
        } else if (c < 0x20 || c == '"' || c == '\\') {
            out.append(s.data() + run, i - run);
            appendEscape(out, c);
            run = ++i;
        } else {
            ++i;
        }
    }
    out.append(s.data() + run, n - run);
    out += '"';
}

void appendJson(std::string& out, const Json& j, int indent, int level) {
    appendValue(out, j, indent, level, nullptr);
}

void writeJson(std::ostream& out, const Json& j, int indent) {
    std::string text;
    appendValue(text, j, indent, 0, &out);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

}  // namespace h2lens
