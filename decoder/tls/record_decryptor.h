#pragma once
// Read-side record protection of one direction under one key (RFC 8446 §5.2–§5.3 and RFC 5246
// §6.2.3.3 with RFC 5288 / RFC 7905 nonces). Owns the record sequence number, which advances
// on every record opened or not, so one tampered record does not desynchronise the next.
#include <cstdint>
#include <memory>

#include "common/bytes.h"
#include "tls/cipher_suite.h"
#include "tls/record_reader.h"
#include "tls/tls_crypto.h"

namespace h2lens {

// One direction's key, immutable once made: shared with records opened ahead of the session
// (TlsOpenJob), which may run on another thread with their own AeadOpener for it.
struct RecordProtection {
    TlsAead aead = TlsAead::None;
    Bytes key;
    Bytes iv;
    bool tls13 = false;
    bool explicitNonce = false;  // TLS 1.2 AES-GCM: 8 bytes of nonce travel in each record

    enum class Result : std::uint8_t { Ok, BadTag, TooShort };
    // Opens `record` (sequence number `seq`) into `scratch` (at least record.fragment.size()
    // bytes). On Ok, `plaintext` views the content in `scratch`: TLS 1.3 without padding, with
    // `contentType` the inner type (a record of only zeros is TooShort: no content type);
    // TLS 1.2 with the record's `contentType`. `opener` must hold this key.
    Result open(AeadOpener& opener, std::uint64_t seq, const TlsRecord& record,
                std::uint8_t* scratch, ByteSpan& plaintext, std::uint8_t& contentType) const;
    // The plaintext size a record of `fragmentLength` carries at most (for gap reporting).
    std::size_t overhead() const;
};

class RecordDecryptor {
  public:
    // TLS 1.3: key and IV from a traffic secret. Null when the derivation fails.
    static std::unique_ptr<RecordDecryptor> forTls13(const CipherSuiteInfo& suite,
                                                     ByteSpan trafficSecret);
    // TLS 1.2: write key and IV from the key block (GCM: 4-byte salt; ChaCha20: 12-byte IV).
    static std::unique_ptr<RecordDecryptor> forTls12(const CipherSuiteInfo& suite, ByteSpan key,
                                                     ByteSpan iv);

    using Result = RecordProtection::Result;
    // Opens the next record (see RecordProtection::open); nothing is allocated.
    Result open(const TlsRecord& record, std::uint8_t* scratch, ByteSpan& plaintext,
                std::uint8_t& contentType) {
        return m_protection->open(m_opener, m_seq++, record, scratch, plaintext, contentType);
    }
    // The next record was opened elsewhere with this key and sequence number.
    void skip() { ++m_seq; }

    std::uint64_t sequence() const { return m_seq; }
    const std::shared_ptr<const RecordProtection>& protection() const { return m_protection; }
    std::size_t overhead() const { return m_protection->overhead(); }

  private:
    explicit RecordDecryptor(std::shared_ptr<const RecordProtection> protection);

    std::shared_ptr<const RecordProtection> m_protection;
    AeadOpener m_opener;
    std::uint64_t m_seq = 0;
};

}  // namespace h2lens
