#include "tls/record_reader.h"

#include <algorithm>

#include <fmt/format.h>

namespace h2lens {

bool TlsRecordReader::plausibleHeader(const std::uint8_t* h) {
    return h[0] >= 20 && h[0] <= 24 && h[1] == 3 && h[2] <= 4 && loadBe16(h + 3) <= kMaxFragment;
}

bool TlsRecordReader::checkHeader(const std::uint8_t* h) {
    if (plausibleHeader(h)) return true;
    m_invalid = true;
    m_error = fmt::format("record header {} is not TLS", hexString(ByteSpan(h, kHeaderLength)));
    return false;
}

void TlsRecordReader::deliver(ByteSpan whole, TlsRecordHandler& handler, Bytes* owner) {
    TlsRecord rec;
    rec.owner = owner;
    rec.type = whole[0];
    rec.version = loadBe16(&whole[1]);
    rec.header = whole.first(kHeaderLength);
    rec.fragment = whole.subspan(kHeaderLength);
    handler.onRecord(rec);
}

void TlsRecordReader::feed(ByteSpan bytes, TlsRecordHandler& handler) {
    if (m_invalid) {
        m_ignored += bytes.size();
        return;
    }
    // Finish a straddling record first. The buffer keeps its capacity (one largest record), so
    // a record spread over many TCP segments costs one copy and no allocation.
    while (!m_buffer.empty() && !bytes.empty()) {
        std::size_t need = kHeaderLength;
        if (m_buffer.size() >= kHeaderLength) need += loadBe16(&m_buffer[3]);
        const std::size_t take = std::min(need - m_buffer.size(), bytes.size());
        m_buffer.insert(m_buffer.end(), bytes.begin(), bytes.begin() + take);
        bytes = bytes.subspan(take);
        if (m_buffer.size() == kHeaderLength) {
            if (!checkHeader(m_buffer.data())) {
                m_ignored += bytes.size();
                m_buffer.clear();
                return;
            }
            if (loadBe16(&m_buffer[3]) > 0) continue;
        }
        if (m_buffer.size() < kHeaderLength ||
            m_buffer.size() < kHeaderLength + loadBe16(&m_buffer[3]))
            continue;
        deliver(m_buffer, handler, &m_buffer);
        m_buffer.clear();  // also valid when the handler took it
    }
    if (!m_buffer.empty()) return;  // the chunk ended inside the straddling record
    // Whole records in place.
    while (bytes.size() >= kHeaderLength) {
        if (!checkHeader(bytes.data())) {
            m_ignored += bytes.size();
            return;
        }
        const std::size_t total = kHeaderLength + loadBe16(&bytes[3]);
        if (bytes.size() < total) break;
        deliver(bytes.first(total), handler);
        bytes = bytes.subspan(total);
    }
    if (!bytes.empty() && m_buffer.capacity() < kHeaderLength + kMaxFragment)
        m_buffer.reserve(kHeaderLength + kMaxFragment);
    m_buffer.assign(bytes.begin(), bytes.end());
}

}  // namespace h2lens
