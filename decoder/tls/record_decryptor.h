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

class RecordDecryptor {
  public:
    // TLS 1.3: key and IV from a traffic secret. Null when the derivation fails.
    static std::unique_ptr<RecordDecryptor> forTls13(const CipherSuiteInfo& suite,
                                                     ByteSpan trafficSecret);
    // TLS 1.2: write key and IV from the key block (GCM: 4-byte salt; ChaCha20: 12-byte IV).
    static std::unique_ptr<RecordDecryptor> forTls12(const CipherSuiteInfo& suite, ByteSpan key,
                                                     ByteSpan iv);

    enum class Result : std::uint8_t { Ok, BadTag, TooShort };
    // Opens `record` into `scratch` (at least record.fragment.size() bytes, reused from record
    // to record: nothing is allocated). On Ok, `plaintext` views the content in `scratch`:
    // TLS 1.3 without padding, with `contentType` the inner type (a record of only zeros is
    // TooShort: no content type); TLS 1.2 with the record's `contentType`.
    Result open(const TlsRecord& record, std::uint8_t* scratch, ByteSpan& plaintext,
                std::uint8_t& contentType);

    std::uint64_t sequence() const { return m_seq; }
    // The plaintext size a record of `fragmentLength` carries at most (for gap reporting).
    std::size_t overhead() const;

  private:
    RecordDecryptor(const CipherSuiteInfo& suite, bool tls13, ByteSpan key, ByteSpan iv);

    AeadOpener m_opener;
    bool m_tls13;
    bool m_explicitNonce;  // TLS 1.2 AES-GCM: 8 bytes of nonce travel in each record
    Bytes m_iv;
    std::uint64_t m_seq = 0;
};

}  // namespace h2lens
