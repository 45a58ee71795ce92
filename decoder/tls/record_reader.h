#pragma once
// The TLS record layer of one direction (RFC 8446 §5.1, RFC 5246 §6.2): a byte stream in any
// chunking, whole records out. Records wholly inside a chunk are handed over in place; only a
// record straddling chunks is copied, so the buffer never exceeds one record (5 + 18432 bytes).
// A header that cannot be TLS (unknown content type, major version not 3, length above the
// RFC limit) stops the reader: record boundaries are lost for good.
#include <cstdint>
#include <string>

#include "common/bytes.h"

namespace h2lens {

struct TlsRecord {
    std::uint8_t type = 0;      // TlsContentType, kept raw
    std::uint16_t version = 0;  // legacy_record_version
    ByteSpan header;            // the 5 header bytes (TLS 1.3 AAD)
    ByteSpan fragment;          // valid only during onRecord
    // Set when the record (header first) is the whole of this reader buffer: the handler may
    // move it away and keep the record without a copy (the reader starts a new buffer).
    Bytes* owner = nullptr;
};

class TlsRecordHandler {
  public:
    virtual ~TlsRecordHandler() = default;
    virtual void onRecord(const TlsRecord& record) = 0;
};

class TlsRecordReader {
  public:
    static constexpr std::size_t kHeaderLength = 5;
    // 2^14 + 2048: the TLS 1.2 TLSCiphertext limit, which also covers TLS 1.3's 2^14 + 256.
    static constexpr std::size_t kMaxFragment = 16384 + 2048;

    void feed(ByteSpan bytes, TlsRecordHandler& handler);

    bool invalid() const { return m_invalid; }
    // Why the reader stopped: "record header 48 54 54 50 2f is not TLS".
    const std::string& error() const { return m_error; }
    // Bytes of an incomplete record held.
    std::size_t buffered() const { return m_buffer.size(); }
    // Bytes fed after the reader stopped.
    std::uint64_t ignoredBytes() const { return m_ignored; }

    static bool plausibleHeader(const std::uint8_t* header);

  private:
    bool checkHeader(const std::uint8_t* header);
    void deliver(ByteSpan whole, TlsRecordHandler& handler, Bytes* owner = nullptr);

    Bytes m_buffer;
    bool m_invalid = false;
    std::string m_error;
    std::uint64_t m_ignored = 0;
};

}  // namespace h2lens
