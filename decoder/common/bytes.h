#pragma once
// Byte views and a bounded big-endian cursor shared by every wire parser. A ByteReader never
// reads past the span it was given: a short read sets failed() and returns zeros, so parsers
// check once at the end instead of before every field.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace h2lens {

using Bytes = std::vector<std::uint8_t>;
using ByteSpan = std::span<const std::uint8_t>;

// Nanoseconds since the Unix epoch, as captured.
using TimestampNs = std::int64_t;

inline std::uint16_t loadBe16(const std::uint8_t* p) {
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
inline std::uint32_t loadBe24(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2];
}
inline std::uint32_t loadBe32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           p[3];
}
inline std::uint16_t loadLe16(const std::uint8_t* p) {
    return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
inline std::uint32_t loadLe32(const std::uint8_t* p) {
    return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
           (std::uint32_t{p[3]} << 24);
}

inline std::string_view asStringView(ByteSpan s) {
    return {reinterpret_cast<const char*>(s.data()), s.size()};
}
inline ByteSpan asBytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

class ByteReader {
public:
    explicit ByteReader(ByteSpan data) : m_data(data) {}

    std::size_t remaining() const { return m_failed ? 0 : m_data.size() - m_pos; }
    std::size_t position() const { return m_pos; }
    bool failed() const { return m_failed; }
    bool empty() const { return remaining() == 0; }

    std::uint8_t u8() { return need(1) ? m_data[m_pos++] : 0; }
    std::uint16_t be16() { return need(2) ? advance(loadBe16(&m_data[m_pos]), 2) : 0; }
    std::uint32_t be24() { return need(3) ? advance(loadBe24(&m_data[m_pos]), 3) : 0; }
    std::uint32_t be32() { return need(4) ? advance(loadBe32(&m_data[m_pos]), 4) : 0; }
    ByteSpan take(std::size_t n) {
        if (!need(n)) return {};
        ByteSpan s = m_data.subspan(m_pos, n);
        m_pos += n;
        return s;
    }
    void skip(std::size_t n) { (void)take(n); }
    ByteSpan rest() { return take(remaining()); }

private:
    bool need(std::size_t n) {
        if (m_failed || m_data.size() - m_pos < n) {
            m_failed = true;
            return false;
        }
        return true;
    }
    template <typename T>
    T advance(T v, std::size_t n) {
        m_pos += n;
        return v;
    }

    ByteSpan m_data;
    std::size_t m_pos = 0;
    bool m_failed = false;
};

std::string hexString(ByteSpan bytes);

}  // namespace h2lens
