#include "filter/stream_filter.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "h2/names.h"

namespace h2lens {

namespace {

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string toLower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = lower(c);
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == y; });
}

// `needle` is lower-case already.
bool icontains(std::string_view hay, std::string_view needle) {
    if (needle.empty()) return true;
    return std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                       [](char x, char y) { return lower(x) == y; }) != hay.end();
}

std::string_view blockValue(const std::optional<HeaderBlock>& b, std::string_view name) {
    if (!b) return {};
    for (const HeaderField& h : b->fields) {
        if (h.nameKnown && h.name == name) return h.value;
    }
    return {};
}

template <class Pred>
bool anyHeader(const StreamRecord& r, Pred&& pred) {
    auto block = [&](const HeaderBlock& b) {
        return std::any_of(b.fields.begin(), b.fields.end(), pred);
    };
    for (const auto* b : {&r.request, &r.response, &r.requestTrailers, &r.responseTrailers}) {
        if (*b && block(**b)) return true;
    }
    return std::any_of(r.informational.begin(), r.informational.end(), block);
}

// "100ms", "1.5s", "250us", "2m"; a bare number is milliseconds.
std::optional<std::int64_t> parseDuration(std::string_view text) {
    std::size_t digits = 0;
    while (digits < text.size() &&
           ((text[digits] >= '0' && text[digits] <= '9') || text[digits] == '.')) {
        ++digits;
    }
    if (digits == 0) return std::nullopt;
    double value = 0;
    const std::string number(text.substr(0, digits));
    try {
        std::size_t used = 0;
        value = std::stod(number, &used);
        if (used != number.size()) return std::nullopt;
    } catch (const std::exception&) {
        return std::nullopt;
    }
    const std::string unit = toLower(text.substr(digits));
    double scale = 0;
    if (unit.empty() || unit == "ms")
        scale = 1e6;
    else if (unit == "s")
        scale = 1e9;
    else if (unit == "us" || unit == "\xc2\xb5s")
        scale = 1e3;
    else if (unit == "ns")
        scale = 1;
    else if (unit == "m" || unit == "min")
        scale = 60e9;
    else
        return std::nullopt;
    const double ns = value * scale;
    if (!std::isfinite(ns) || ns > 9e18) return std::nullopt;
    return static_cast<std::int64_t>(std::llround(ns));
}

}  // namespace

std::string_view streamStatus(const StreamRecord& r) {
    std::string_view s = blockValue(r.response, ":status");
    if (s.empty() && !r.informational.empty()) s = r.informational.back().value(":status");
    return s;
}

std::string streamEndText(const StreamRecord& r) {
    switch (r.end) {
        case StreamEnd::Complete:
            return "complete";
        case StreamEnd::Incomplete:
            return "incomplete";
        case StreamEnd::ResetByClient:
            return fmt::format("RST by client ({})", errorCodeName(r.resetCode));
        case StreamEnd::ResetByServer:
            return fmt::format("RST by server ({})", errorCodeName(r.resetCode));
        case StreamEnd::RefusedByGoaway:
            return "refused (GOAWAY)";
    }
    return std::string(streamEndName(r.end));
}

StreamFilter StreamFilter::parse(std::string_view text) {
    StreamFilter f;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
        std::size_t j = i;
        while (j < text.size() && text[j] != ' ' && text[j] != '\t') ++j;
        if (j > i) f.m_terms.push_back(parseTerm(text.substr(i, j - i), f.m_errors));
        i = j;
    }
    return f;
}

StreamFilter::Term StreamFilter::parseTerm(std::string_view word,
                                           std::vector<std::string>& errors) {
    Term t;
    const std::string original(word);
    if (word.size() > 1 && word[0] == '!') {
        t.negate = true;
        word.remove_prefix(1);
    }
    auto invalid = [&](std::string why) {
        errors.push_back(fmt::format("'{}': {}", original, why));
        t.key = Key::Invalid;
        return t;
    };
    // dur>100ms, dur<=2s, dur=0
    if (word.size() > 3 && iequals(word.substr(0, 3), "dur") &&
        (word[3] == '<' || word[3] == '>' || word[3] == '=')) {
        std::string_view rest = word.substr(3);
        if (rest.starts_with("<="))
            t.compare = Compare::LessEqual, rest.remove_prefix(2);
        else if (rest.starts_with(">="))
            t.compare = Compare::GreaterEqual, rest.remove_prefix(2);
        else if (rest.starts_with("<"))
            t.compare = Compare::Less, rest.remove_prefix(1);
        else if (rest.starts_with(">"))
            t.compare = Compare::Greater, rest.remove_prefix(1);
        else
            t.compare = Compare::Equal, rest.remove_prefix(1);
        const auto ns = parseDuration(rest);
        if (!ns) return invalid("a duration is a number with ns, us, ms, s or m (e.g. dur>100ms)");
        t.key = Key::Duration;
        t.durationNs = *ns;
        return t;
    }
    const std::size_t colon = word.find(':');
    if (colon == std::string_view::npos || colon == 0) {
        t.value = toLower(word);
        return t;
    }
    static constexpr std::pair<std::string_view, Key> kKeys[] = {
        {"status", Key::Status},       {"method", Key::Method}, {"path", Key::Path},
        {"authority", Key::Authority}, {"type", Key::Type},     {"header", Key::Header},
        {"conn", Key::Conn},           {"stream", Key::Stream}, {"end", Key::End},
        {"anomaly", Key::Anomaly}};
    const std::string key = toLower(word.substr(0, colon));
    const auto* found = std::find_if(std::begin(kKeys), std::end(kKeys),
                                     [&](const auto& k) { return k.first == key; });
    if (found == std::end(kKeys)) {
        // "https://host/x" or "a:b:c" are words to search for; "foo:bar" is a key we do not know.
        const bool keyLike = std::all_of(key.begin(), key.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || c == '-' || c == '_';
        });
        // One colon, a key-like word before it: a misspelt key, not something to search for.
        if (keyLike && word.find(':', colon + 1) == std::string_view::npos &&
            !word.substr(colon).starts_with("://")) {
            return invalid(
                "unknown key; keys are status, method, path, authority, type, header, conn, "
                "stream, end, anomaly (and dur<, dur>)");
        }
        t.value = toLower(word);
        return t;
    }
    t.key = found->second;
    t.value = toLower(word.substr(colon + 1));
    switch (t.key) {
        case Key::Header:
            if (const std::size_t eq = t.value.find('='); eq != std::string::npos) {
                t.headerValue = t.value.substr(eq + 1);
                t.value.resize(eq);
            }
            if (t.value.empty()) return invalid("header: needs a name (header:name=value)");
            break;
        case Key::Conn:
        case Key::Stream: {
            std::uint64_t n = 0;
            const auto* end = t.value.data() + t.value.size();
            const auto r = std::from_chars(t.value.data(), end, n);
            if (t.value.empty() || r.ec != std::errc() || r.ptr != end) {
                return invalid("needs a number");
            }
            t.number = n;
            break;
        }
        case Key::Status: {
            const bool ok = !t.value.empty() && t.value.size() <= 3 &&
                            std::all_of(t.value.begin(), t.value.end(),
                                        [](char c) { return (c >= '0' && c <= '9') || c == 'x'; });
            if (!ok) return invalid("a status is a code (404) or a class (5xx)");
            break;
        }
        default:
            break;
    }
    return t;
}

bool StreamFilter::usesAnomalies() const {
    return std::any_of(m_terms.begin(), m_terms.end(),
                       [](const Term& t) { return t.key == Key::Anomaly; });
}

bool StreamFilter::matches(const FilterTarget& target) const {
    if (!target.stream) return false;
    // A term in error matches nothing, negated or not (so a filter with an error hides all).
    return std::all_of(m_terms.begin(), m_terms.end(), [&](const Term& t) {
        return t.key != Key::Invalid && matches(t, target) != t.negate;
    });
}

bool StreamFilter::matches(const Term& t, const FilterTarget& target) {
    const StreamRecord& r = *target.stream;
    switch (t.key) {
        case Key::Invalid:
            return false;
        case Key::Word:
            return icontains(blockValue(r.request, ":path"), t.value) ||
                   icontains(blockValue(r.request, ":method"), t.value) ||
                   icontains(blockValue(r.request, ":authority"), t.value) ||
                   streamStatus(r).starts_with(t.value) || anyHeader(r, [&](const HeaderField& h) {
                       return icontains(h.name, t.value) || icontains(h.value, t.value);
                   });
        case Key::Status: {
            const std::string_view st = streamStatus(r);
            if (st.size() != t.value.size()) return false;
            for (std::size_t i = 0; i < st.size(); ++i) {
                if (t.value[i] != 'x' && t.value[i] != st[i]) return false;
            }
            return true;
        }
        case Key::Method:
            return iequals(blockValue(r.request, ":method"), t.value);
        case Key::Path:
            return icontains(blockValue(r.request, ":path"), t.value);
        case Key::Authority:
            return icontains(blockValue(r.request, ":authority"), t.value);
        case Key::Type:
            return icontains(blockValue(r.response, "content-type"), t.value);
        case Key::Header:
            return anyHeader(r, [&](const HeaderField& h) {
                return iequals(h.name, t.value) &&
                       (t.headerValue.empty() || icontains(h.value, t.headerValue));
            });
        case Key::Conn:
            return target.conn == *t.number;
        case Key::Stream:
            return r.id == *t.number;
        case Key::End: {
            const bool reset =
                r.end == StreamEnd::ResetByClient || r.end == StreamEnd::ResetByServer;
            if (t.value == "reset" || t.value == "rst") return reset;
            if (t.value == "refused" || t.value == "goaway")
                return r.end == StreamEnd::RefusedByGoaway;
            if (t.value == "pushed") return r.pushed;
            if (t.value == "complete") return r.end == StreamEnd::Complete;
            return icontains(streamEndText(r), t.value);
        }
        case Key::Anomaly:
            return std::any_of(
                target.anomalies.begin(), target.anomalies.end(), [&](std::string_view name) {
                    return t.value.empty() || t.value == "*" || icontains(name, t.value);
                });
        case Key::Duration: {
            if (!r.requestStart || !r.closed) return false;
            const std::int64_t d = *r.closed - *r.requestStart;
            switch (t.compare) {
                case Compare::Less:
                    return d < t.durationNs;
                case Compare::LessEqual:
                    return d <= t.durationNs;
                case Compare::Greater:
                    return d > t.durationNs;
                case Compare::GreaterEqual:
                    return d >= t.durationNs;
                case Compare::Equal:
                    return d == t.durationNs;
            }
            return false;
        }
    }
    return false;
}

}  // namespace h2lens
