#pragma once
// Helpers shared by the HPACK tests: hex parsing and a small reference encoder that records,
// for every field it emits, which dynamic-table entry it used (so mid-stream decoding can be
// checked against the truth).
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "hpack/huffman.h"
#include "hpack/static_table.h"

namespace h2lens::test {

inline Bytes fromHex(std::string_view hex) {
    Bytes out;
    int hi = -1;
    for (char c : hex) {
        int v;
        if (c >= '0' && c <= '9')
            v = c - '0';
        else if (c >= 'a' && c <= 'f')
            v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v = c - 'A' + 10;
        else
            continue;  // spaces in RFC listings
        if (hi < 0) {
            hi = v;
        } else {
            out.push_back(static_cast<std::uint8_t>(hi << 4 | v));
            hi = -1;
        }
    }
    return out;
}

using HeaderList = std::vector<std::pair<std::string, std::string>>;

inline void encodeInteger(Bytes& out, std::uint8_t firstBits, unsigned prefix, std::uint64_t v) {
    const std::uint64_t max = (1u << prefix) - 1;
    if (v < max) {
        out.push_back(static_cast<std::uint8_t>(firstBits | v));
        return;
    }
    out.push_back(static_cast<std::uint8_t>(firstBits | max));
    v -= max;
    while (v >= 128) {
        out.push_back(static_cast<std::uint8_t>(0x80 | (v & 0x7f)));
        v >>= 7;
    }
    out.push_back(static_cast<std::uint8_t>(v));
}

inline void encodeString(Bytes& out, std::string_view s, bool huffman) {
    if (huffman) {
        encodeInteger(out, 0x80, 7, huffmanEncodedLength(s));
        huffmanEncode(s, out);
    } else {
        encodeInteger(out, 0, 7, s.size());
        out.insert(out.end(), s.begin(), s.end());
    }
}

// Encoder with a dynamic table, indexing every field it does not find. It mirrors the RFC
// eviction rules; what it records lets tests know which entry each decoded field came from.
class ReferenceEncoder {
  public:
    struct FieldOrigin {
        long entrySerial = -1;        // dynamic entry used for the whole field, -1 if none
        std::vector<long> nameChain;  // dynamic entries the name text passed through, newest first
    };
    struct Block {
        Bytes wire;
        std::vector<FieldOrigin> origins;
        long firstSerialAfter = 0;  // serial of the next entry inserted after this block
    };

    explicit ReferenceEncoder(std::uint32_t maxSize = 4096) : m_max(maxSize) {}

    Block encode(const HeaderList& headers, std::optional<std::uint32_t> sizeUpdate = {}) {
        Block b;
        if (sizeUpdate) {
            encodeInteger(b.wire, 0x20, 5, *sizeUpdate);
            m_max = *sizeUpdate;
            evict(0);
        }
        for (const auto& [name, value] : headers) {
            FieldOrigin o;
            const bool huffman = (m_toggle++ % 3) != 0;
            if (auto full = findDynamic(name, value, true)) {
                encodeInteger(b.wire, 0x80, 7, 62 + *full);
                o.entrySerial = m_entries[*full].serial;
                o.nameChain = chainThrough(m_entries[*full]);
            } else if (auto s = findStatic(name, value, true)) {
                encodeInteger(b.wire, 0x80, 7, *s);
            } else {
                if (auto dn = findDynamic(name, value, false)) {
                    encodeInteger(b.wire, 0x40, 6, 62 + *dn);
                    o.nameChain = chainThrough(m_entries[*dn]);
                } else if (auto sn = findStatic(name, value, false)) {
                    encodeInteger(b.wire, 0x40, 6, *sn);
                } else {
                    b.wire.push_back(0x40);
                    encodeString(b.wire, name, huffman);
                }
                encodeString(b.wire, value, !huffman);
                insert(name, value, o.nameChain);
            }
            b.origins.push_back(std::move(o));
        }
        b.firstSerialAfter = m_nextSerial;
        return b;
    }

  private:
    struct Entry {
        std::string name, value;
        long serial;
        std::vector<long> nameChain;  // where this entry's name came from, newest first
    };
    static std::vector<long> chainThrough(const Entry& e) {
        std::vector<long> chain{e.serial};
        chain.insert(chain.end(), e.nameChain.begin(), e.nameChain.end());
        return chain;
    }
    std::optional<std::size_t> findDynamic(const std::string& n, const std::string& v,
                                           bool full) const {
        for (std::size_t i = 0; i < m_entries.size(); ++i)
            if (m_entries[i].name == n && (!full || m_entries[i].value == v)) return i;
        return std::nullopt;
    }
    static std::optional<std::uint32_t> findStatic(const std::string& n, const std::string& v,
                                                   bool full) {
        for (std::uint32_t i = 1; i <= kStaticTableSize; ++i)
            if (staticEntry(i).name == n && (!full || staticEntry(i).value == v)) return i;
        return std::nullopt;
    }
    void evict(std::size_t room) {
        while (!m_entries.empty() && m_size + room > m_max) {
            m_size -= m_entries.back().name.size() + m_entries.back().value.size() + 32;
            m_entries.pop_back();
        }
    }
    void insert(const std::string& n, const std::string& v, const std::vector<long>& chain) {
        const std::size_t size = n.size() + v.size() + 32;
        const long serial = m_nextSerial++;
        if (size > m_max) {
            m_entries.clear();
            m_size = 0;
            return;
        }
        evict(size);
        m_entries.push_front(Entry{n, v, serial, chain});
        m_size += size;
    }

    std::uint32_t m_max;
    std::deque<Entry> m_entries;
    std::size_t m_size = 0;
    long m_nextSerial = 0;
    unsigned m_toggle = 0;
};

}  // namespace h2lens::test
