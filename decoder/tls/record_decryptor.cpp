#include "tls/record_decryptor.h"

#include <algorithm>
#include <array>

#include "tls/tls_types.h"

namespace h2lens {

RecordDecryptor::RecordDecryptor(const CipherSuiteInfo& suite, bool tls13, ByteSpan key,
                                 ByteSpan iv)
    : m_opener(suite.aead, key),
      m_tls13(tls13),
      m_explicitNonce(!tls13 && suite.aead != TlsAead::ChaCha20Poly1305),
      m_iv(iv.begin(), iv.end()) {}

std::unique_ptr<RecordDecryptor> RecordDecryptor::forTls13(const CipherSuiteInfo& suite,
                                                           ByteSpan trafficSecret) {
    Bytes key, iv;
    if (!hkdfExpandLabel(suite.hash, trafficSecret, "key", {}, aeadKeyLength(suite.aead), key) ||
        !hkdfExpandLabel(suite.hash, trafficSecret, "iv", {}, kAeadNonceLength, iv))
        return nullptr;
    std::unique_ptr<RecordDecryptor> d(new RecordDecryptor(suite, true, key, iv));
    if (!d->m_opener.valid()) return nullptr;
    return d;
}

std::unique_ptr<RecordDecryptor> RecordDecryptor::forTls12(const CipherSuiteInfo& suite,
                                                           ByteSpan key, ByteSpan iv) {
    std::unique_ptr<RecordDecryptor> d(new RecordDecryptor(suite, false, key, iv));
    const std::size_t ivLength = d->m_explicitNonce ? 4 : kAeadNonceLength;
    if (!d->m_opener.valid() || iv.size() != ivLength) return nullptr;
    return d;
}

std::size_t RecordDecryptor::overhead() const {
    return kAeadTagLength + (m_explicitNonce ? 8 : 0) + (m_tls13 ? 1 : 0);
}

RecordDecryptor::Result RecordDecryptor::open(const TlsRecord& record, std::uint8_t* scratch,
                                              ByteSpan& plaintext, std::uint8_t& contentType) {
    const std::uint64_t seq = m_seq++;
    std::array<std::uint8_t, kAeadNonceLength> nonce{};
    std::array<std::uint8_t, 8> seqBytes{};
    for (int i = 0; i < 8; ++i) seqBytes[i] = static_cast<std::uint8_t>(seq >> (56 - 8 * i));
    ByteSpan sealed = record.fragment;

    if (m_explicitNonce) {
        if (sealed.size() < 8 + kAeadTagLength) return Result::TooShort;
        std::copy(m_iv.begin(), m_iv.end(), nonce.begin());
        std::copy_n(sealed.begin(), 8, nonce.begin() + 4);
        sealed = sealed.subspan(8);
    } else {
        if (sealed.size() < kAeadTagLength) return Result::TooShort;
        std::copy(m_iv.begin(), m_iv.end(), nonce.begin());
        for (int i = 0; i < 8; ++i) nonce[4 + i] ^= seqBytes[i];
    }

    const std::size_t length = sealed.size() - kAeadTagLength;
    if (m_tls13) {
        if (!m_opener.open(nonce, record.header, sealed, scratch)) return Result::BadTag;
        // TLSInnerPlaintext: content, type, zero padding.
        std::size_t n = length;
        while (n > 0 && scratch[n - 1] == 0) --n;
        if (n == 0) return Result::TooShort;
        contentType = scratch[n - 1];
        plaintext = ByteSpan(scratch, n - 1);
        return Result::Ok;
    }
    // TLS 1.2 additional data: seq_num + type + version + plaintext length.
    std::array<std::uint8_t, 13> aad{};
    std::copy(seqBytes.begin(), seqBytes.end(), aad.begin());
    aad[8] = record.type;
    aad[9] = static_cast<std::uint8_t>(record.version >> 8);
    aad[10] = static_cast<std::uint8_t>(record.version);
    aad[11] = static_cast<std::uint8_t>(length >> 8);
    aad[12] = static_cast<std::uint8_t>(length);
    if (!m_opener.open(nonce, aad, sealed, scratch)) return Result::BadTag;
    plaintext = ByteSpan(scratch, length);
    contentType = record.type;
    return Result::Ok;
}

}  // namespace h2lens
