#include "tls/key_log.h"

#include <fstream>
#include <optional>
#include <sstream>

namespace h2lens {

namespace {

int hexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<Bytes> decodeHex(std::string_view s) {
    if (s.empty() || s.size() % 2 != 0) return std::nullopt;
    Bytes out;
    out.reserve(s.size() / 2);
    for (std::size_t i = 0; i < s.size(); i += 2) {
        const int hi = hexDigit(s[i]), lo = hexDigit(s[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
    }
    return out;
}

std::string_view nextField(std::string_view& rest) {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    std::size_t end = 0;
    while (end < rest.size() && rest[end] != ' ' && rest[end] != '\t') ++end;
    std::string_view field = rest.substr(0, end);
    rest.remove_prefix(end);
    return field;
}

}  // namespace

void KeyLog::addLines(std::string_view text) {
    while (!text.empty()) {
        const std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        addLine(line);
    }
}

void KeyLog::addLine(std::string_view line) {
    std::string_view rest = line;
    const std::string_view label = nextField(rest);
    if (label.empty() || label.front() == '#') return;  // blank line or comment
    const std::string_view randomHex = nextField(rest);
    const std::string_view secretHex = nextField(rest);
    const std::string_view extra = nextField(rest);
    Bytes KeyLogSecrets::*slot = nullptr;
    if (label == "CLIENT_RANDOM")
        slot = &KeyLogSecrets::masterSecret;
    else if (label == "CLIENT_HANDSHAKE_TRAFFIC_SECRET")
        slot = &KeyLogSecrets::clientHandshakeSecret;
    else if (label == "SERVER_HANDSHAKE_TRAFFIC_SECRET")
        slot = &KeyLogSecrets::serverHandshakeSecret;
    else if (label == "CLIENT_TRAFFIC_SECRET_0")
        slot = &KeyLogSecrets::clientTrafficSecret0;
    else if (label == "SERVER_TRAFFIC_SECRET_0")
        slot = &KeyLogSecrets::serverTrafficSecret0;
    auto random = decodeHex(randomHex);
    auto secret = decodeHex(secretHex);
    if (!random || !secret || !extra.empty()) {
        ++m_malformed;
        return;
    }
    if (!slot) {
        ++m_ignored;  // EXPORTER_SECRET, CLIENT_EARLY_TRAFFIC_SECRET, RSA, ...
        return;
    }
    if (random->size() != 32) {
        ++m_malformed;
        return;
    }
    std::string key(reinterpret_cast<const char*>(random->data()), random->size());
    auto [it, inserted] = m_byRandom.try_emplace(key);
    it->second.*slot = std::move(*secret);
    ++m_accepted;
    if (m_journal) {
        m_journal->append(line);
        m_journal->push_back('\n');
    }
    ++m_generation;
    if (inserted && m_maxRandoms != 0) {
        m_order.push_back(std::move(key));
        while (m_byRandom.size() > m_maxRandoms) evictOldest();
    }
}

void KeyLog::setMaxRandoms(std::size_t n) {
    m_maxRandoms = n;
    if (n == 0) {
        m_order.clear();
        return;
    }
    if (m_order.size() != m_byRandom.size()) {
        // Bounded from now on: what is already here counts as oldest, in no particular order.
        m_order.clear();
        for (const auto& [random, secrets] : m_byRandom) m_order.push_back(random);
    }
    while (m_byRandom.size() > m_maxRandoms) evictOldest();
}

void KeyLog::evictOldest() {
    m_byRandom.erase(m_order.front());
    m_order.pop_front();
    ++m_evicted;
}

bool KeyLog::loadFile(const std::string& path, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = "cannot read key log " + path;
        return false;
    }
    std::ostringstream text;
    text << in.rdbuf();
    addLines(text.str());
    return true;
}

const KeyLogSecrets* KeyLog::find(ByteSpan clientRandom) const {
    auto it = m_byRandom.find(std::string(asStringView(clientRandom)));
    return it == m_byRandom.end() ? nullptr : &it->second;
}

}  // namespace h2lens
