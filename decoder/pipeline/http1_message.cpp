#include "pipeline/http1_message.h"

#include <algorithm>
#include <cctype>

namespace h2lens {

namespace {
std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}
std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}
}  // namespace

std::string_view Http1Head::header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
        if (n == name) return v;
    }
    return {};
}

bool Http1Head::hasToken(std::string_view name, std::string_view token) const {
    const std::string v = lower(header(name));
    std::size_t pos = 0;
    while (pos <= v.size()) {
        const std::size_t comma = std::min(v.find(',', pos), v.size());
        if (trim(std::string_view(v).substr(pos, comma - pos)) == token) return true;
        pos = comma + 1;
    }
    return false;
}

std::optional<Http1Head> parseHttp1Head(ByteSpan data, bool request) {
    const std::string_view s = asStringView(data);
    const std::size_t end = s.find("\r\n\r\n");
    if (end == std::string_view::npos) return std::nullopt;
    Http1Head head;
    head.headLength = end + 4;
    std::size_t pos = 0;
    bool first = true;
    while (pos < end) {
        std::size_t eol = s.find("\r\n", pos);
        const std::string_view line = s.substr(pos, eol - pos);
        pos = eol + 2;
        if (first) {
            first = false;
            const std::size_t sp1 = line.find(' ');
            if (sp1 == std::string_view::npos) return std::nullopt;
            if (request) {
                const std::size_t sp2 = line.find(' ', sp1 + 1);
                if (sp2 == std::string_view::npos) return std::nullopt;
                head.method = line.substr(0, sp1);
                head.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
            } else {
                if (!line.starts_with("HTTP/1.")) return std::nullopt;
                const std::string_view code = line.substr(sp1 + 1, 3);
                if (code.size() != 3 || !std::all_of(code.begin(), code.end(), ::isdigit)) {
                    return std::nullopt;
                }
                head.status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
            }
            continue;
        }
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        head.headers.emplace_back(lower(trim(line.substr(0, colon))),
                                  std::string(trim(line.substr(colon + 1))));
    }
    return head;
}

std::optional<std::vector<Setting>> decodeHttp2SettingsHeader(std::string_view value) {
    Bytes raw;
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : value) {
        int v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '-' || c == '+')
            v = 62;
        else if (c == '_' || c == '/')
            v = 63;
        else if (c == '=')
            break;
        else
            return std::nullopt;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            raw.push_back(static_cast<std::uint8_t>(acc >> bits));
        }
    }
    if (raw.size() % 6 != 0) return std::nullopt;
    std::vector<Setting> out;
    for (std::size_t i = 0; i < raw.size(); i += 6) {
        out.push_back(Setting{loadBe16(&raw[i]), loadBe32(&raw[i + 2])});
    }
    return out;
}

}  // namespace h2lens
