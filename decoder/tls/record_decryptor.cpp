#include "tls/record_decryptor.h"

#include <algorithm>
#include <array>

#include "tls/tls_types.h"

namespace h2lens {

namespace {

std::shared_ptr<RecordProtection> makeProtection(const CipherSuiteInfo& suite, bool tls13,
                                                 ByteSpan key, ByteSpan iv) {
    auto p = std::make_shared<RecordProtection>();
    p->aead = suite.aead;
    p->key.assign(key.begin(), key.end());
    p->iv.assign(iv.begin(), iv.end());
    p->tls13 = tls13;
    p->explicitNonce = !tls13 && suite.aead != TlsAead::ChaCha20Poly1305;
    return p;
}

}  // namespace

RecordDecryptor::RecordDecryptor(std::shared_ptr<const RecordProtection> protection)
    : m_protection(std::move(protection)), m_opener(m_protection->aead, m_protection->key) {}

std::unique_ptr<RecordDecryptor> RecordDecryptor::forTls13(const CipherSuiteInfo& suite,
                                                           ByteSpan trafficSecret) {
    Bytes key, iv;
    if (!hkdfExpandLabel(suite.hash, trafficSecret, "key", {}, aeadKeyLength(suite.aead), key) ||
        !hkdfExpandLabel(suite.hash, trafficSecret, "iv", {}, kAeadNonceLength, iv))
        return nullptr;
    std::unique_ptr<RecordDecryptor> d(new RecordDecryptor(makeProtection(suite, true, key, iv)));
    if (!d->m_opener.valid()) return nullptr;
    return d;
}

std::unique_ptr<RecordDecryptor> RecordDecryptor::forTls12(const CipherSuiteInfo& suite,
                                                           ByteSpan key, ByteSpan iv) {
    std::unique_ptr<RecordDecryptor> d(new RecordDecryptor(makeProtection(suite, false, key, iv)));
    const std::size_t ivLength = d->m_protection->explicitNonce ? 4 : kAeadNonceLength;
    if (!d->m_opener.valid() || iv.size() != ivLength) return nullptr;
    return d;
}

std::size_t RecordProtection::overhead() const {
    return kAeadTagLength + (explicitNonce ? 8 : 0) + (tls13 ? 1 : 0);
}

RecordProtection::Result RecordProtection::open(AeadOpener& opener, std::uint64_t seq,
                                                const TlsRecord& record, std::uint8_t* scratch,
                                                ByteSpan& plaintext,
                                                std::uint8_t& contentType) const {
    std::array<std::uint8_t, kAeadNonceLength> nonce{};
    std::array<std::uint8_t, 8> seqBytes{};
    for (int i = 0; i < 8; ++i) seqBytes[i] = static_cast<std::uint8_t>(seq >> (56 - 8 * i));
    ByteSpan sealed = record.fragment;

    if (explicitNonce) {
        if (sealed.size() < 8 + kAeadTagLength) return Result::TooShort;
        std::copy(iv.begin(), iv.end(), nonce.begin());
        std::copy_n(sealed.begin(), 8, nonce.begin() + 4);
        sealed = sealed.subspan(8);
    } else {
        if (sealed.size() < kAeadTagLength) return Result::TooShort;
        std::copy(iv.begin(), iv.end(), nonce.begin());
        for (int i = 0; i < 8; ++i) nonce[4 + i] ^= seqBytes[i];
    }

    const std::size_t length = sealed.size() - kAeadTagLength;
    if (tls13) {
        if (!opener.open(nonce, record.header, sealed, scratch)) return Result::BadTag;
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
    if (!opener.open(nonce, aad, sealed, scratch)) return Result::BadTag;
    plaintext = ByteSpan(scratch, length);
    contentType = record.type;
    return Result::Ok;
}

}  // namespace h2lens
