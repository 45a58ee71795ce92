#include "h2/priority_signal.h"

#include <cctype>

namespace h2lens {

namespace {

bool isLcAlpha(char c) {
    return c >= 'a' && c <= 'z';
}
bool isDigit(char c) {
    return c >= '0' && c <= '9';
}
bool isKeyChar(char c) {
    return isLcAlpha(c) || isDigit(c) || c == '_' || c == '-' || c == '.' || c == '*';
}
bool isTokenChar(char c) {
    return (c >= '!' && c <= '~') && c != '"' && c != ',' && c != ';' && c != '(' && c != ')' &&
           c != '=' && c != ' ';
}

// A bare item (RFC 8941 §3.3): what `u` and `i` need is kept, the rest only skipped.
struct Item {
    enum Kind { Integer, Boolean, Other } kind = Other;
    long long integer = 0;
    bool boolean = false;
};

class Parser {
  public:
    explicit Parser(std::string_view s) : m_s(s) {}
    bool atEnd() const { return m_pos >= m_s.size(); }
    char peek() const { return atEnd() ? '\0' : m_s[m_pos]; }
    void skipSp() {
        while (!atEnd() && (peek() == ' ' || peek() == '\t')) ++m_pos;
    }
    bool key(std::string_view& out) {
        const std::size_t start = m_pos;
        if (!(isLcAlpha(peek()) || peek() == '*')) return false;
        while (!atEnd() && isKeyChar(peek())) ++m_pos;
        out = m_s.substr(start, m_pos - start);
        return true;
    }
    bool bareItem(Item& it) {
        const char c = peek();
        if (c == '-' || isDigit(c)) {
            bool neg = c == '-';
            if (neg) ++m_pos;
            if (!isDigit(peek())) return false;
            long long v = 0;
            int digits = 0;
            bool decimal = false;
            while (!atEnd() && (isDigit(peek()) || (peek() == '.' && !decimal))) {
                if (peek() == '.') {
                    decimal = true;
                } else if (!decimal) {
                    if (++digits > 15) return false;
                    v = v * 10 + (peek() - '0');
                }
                ++m_pos;
            }
            it.kind = decimal ? Item::Other : Item::Integer;
            it.integer = neg ? -v : v;
            return true;
        }
        if (c == '?') {
            ++m_pos;
            if (peek() != '0' && peek() != '1') return false;
            it.kind = Item::Boolean;
            it.boolean = peek() == '1';
            ++m_pos;
            return true;
        }
        if (c == '"') {
            ++m_pos;
            while (!atEnd() && peek() != '"') {
                if (peek() == '\\') ++m_pos;
                ++m_pos;
            }
            if (atEnd()) return false;
            ++m_pos;
            it.kind = Item::Other;
            return true;
        }
        if (c == ':') {  // byte sequence
            ++m_pos;
            while (!atEnd() && peek() != ':') ++m_pos;
            if (atEnd()) return false;
            ++m_pos;
            it.kind = Item::Other;
            return true;
        }
        if (std::isalpha(static_cast<unsigned char>(c)) || c == '*') {  // token
            while (!atEnd() && (isTokenChar(peek()) || peek() == ':' || peek() == '/')) ++m_pos;
            it.kind = Item::Other;
            return true;
        }
        return false;
    }
    bool parameters() {
        while (peek() == ';') {
            ++m_pos;
            skipSp();
            std::string_view k;
            if (!key(k)) return false;
            if (peek() == '=') {
                ++m_pos;
                Item ignored;
                if (!bareItem(ignored)) return false;
            }
        }
        return true;
    }
    bool innerList() {
        ++m_pos;  // '('
        while (!atEnd()) {
            skipSp();
            if (peek() == ')') {
                ++m_pos;
                return parameters();
            }
            Item ignored;
            if (!bareItem(ignored) || !parameters()) return false;
            if (peek() != ' ' && peek() != ')') return false;
        }
        return false;
    }

    // The dictionary (RFC 8941 §4.2.2): the last value of each key wins.
    bool dictionary(Rfc9218Priority& out) {
        skipSp();
        while (!atEnd()) {
            std::string_view k;
            if (!key(k)) return false;
            Item item{Item::Boolean, 0, true};  // a bare key is boolean true
            if (peek() == '=') {
                ++m_pos;
                if (peek() == '(') {
                    if (!innerList()) return false;
                    item.kind = Item::Other;
                } else if (!bareItem(item) || !parameters()) {
                    return false;
                }
            } else if (!parameters()) {
                return false;
            }
            if (k == "u" && item.kind == Item::Integer && item.integer >= 0 && item.integer <= 7) {
                out.urgency = static_cast<std::uint8_t>(item.integer);
            } else if (k == "i" && item.kind == Item::Boolean) {
                out.incremental = item.boolean;
            }
            skipSp();
            if (atEnd()) return true;
            if (peek() != ',') return false;
            ++m_pos;
            skipSp();
            if (atEnd()) return false;  // a trailing comma
        }
        return true;
    }

  private:
    std::string_view m_s;
    std::size_t m_pos = 0;
};

}  // namespace

std::optional<Rfc9218Priority> parsePriorityField(std::string_view value) {
    Rfc9218Priority out;
    Parser p(value);
    if (!p.dictionary(out)) return std::nullopt;
    return out;
}

}  // namespace h2lens
