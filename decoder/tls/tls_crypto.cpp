#include "tls/tls_crypto.h"

#include <string>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

namespace h2lens {

namespace {

const char* digestName(TlsHash hash) {
    return hash == TlsHash::Sha384 ? "SHA384" : "SHA256";
}

// EVP_KDF objects are fetched once: fetching is the expensive part of a derivation.
EVP_KDF* fetchedKdf(const char* name) {
    struct Holder {
        EVP_KDF* kdf;
        explicit Holder(const char* n) : kdf(EVP_KDF_fetch(nullptr, n, nullptr)) {}
        ~Holder() { EVP_KDF_free(kdf); }
    };
    if (std::string_view(name) == "HKDF") {
        static Holder hkdf("HKDF");
        return hkdf.kdf;
    }
    static Holder prf("TLS1-PRF");
    return prf.kdf;
}

bool deriveWith(const char* kdfName, OSSL_PARAM* params, std::size_t length, Bytes& out) {
    EVP_KDF* kdf = fetchedKdf(kdfName);
    if (!kdf) return false;
    EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
    if (!ctx) return false;
    out.assign(length, 0);
    const bool ok = EVP_KDF_derive(ctx, out.data(), out.size(), params) > 0;
    EVP_KDF_CTX_free(ctx);
    if (!ok) out.clear();
    return ok;
}

void* mutableData(ByteSpan s) {
    return const_cast<std::uint8_t*>(s.data());
}

}  // namespace

bool hkdfExpandLabel(TlsHash hash, ByteSpan secret, std::string_view label, ByteSpan context,
                     std::size_t length, Bytes& out) {
    const std::string fullLabel = "tls13 " + std::string(label);
    if (fullLabel.size() > 255 || context.size() > 255 || length > 0xffff) return false;
    Bytes info;
    info.push_back(static_cast<std::uint8_t>(length >> 8));
    info.push_back(static_cast<std::uint8_t>(length));
    info.push_back(static_cast<std::uint8_t>(fullLabel.size()));
    info.insert(info.end(), fullLabel.begin(), fullLabel.end());
    info.push_back(static_cast<std::uint8_t>(context.size()));
    info.insert(info.end(), context.begin(), context.end());

    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(digestName(hash)),
                                         0),
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, mutableData(secret), secret.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
        OSSL_PARAM_construct_end(),
    };
    return deriveWith("HKDF", params, length, out);
}

bool tls12Prf(TlsHash hash, ByteSpan secret, std::string_view label, ByteSpan seed,
              std::size_t length, Bytes& out) {
    // TLS1-PRF concatenates every SEED parameter: label first, then the seed proper.
    Bytes fullSeed(label.begin(), label.end());
    fullSeed.insert(fullSeed.end(), seed.begin(), seed.end());
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(digestName(hash)),
                                         0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, mutableData(secret),
                                          secret.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, fullSeed.data(), fullSeed.size()),
        OSSL_PARAM_construct_end(),
    };
    return deriveWith("TLS1-PRF", params, length, out);
}

struct AeadOpener::Ctx {
    EVP_CIPHER_CTX* cipher = nullptr;
};

AeadOpener::AeadOpener(TlsAead aead, ByteSpan key) {
    const EVP_CIPHER* cipher = nullptr;
    switch (aead) {
        case TlsAead::Aes128Gcm:
            cipher = EVP_aes_128_gcm();
            break;
        case TlsAead::Aes256Gcm:
            cipher = EVP_aes_256_gcm();
            break;
        case TlsAead::ChaCha20Poly1305:
            cipher = EVP_chacha20_poly1305();
            break;
        case TlsAead::None:
            return;
    }
    if (!cipher || key.size() != aeadKeyLength(aead)) return;
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    if (!ctx) return;
    if (EVP_DecryptInit_ex(ctx, cipher, nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, kAeadNonceLength, nullptr) != 1 ||
        EVP_DecryptInit_ex(ctx, nullptr, nullptr, key.data(), nullptr) != 1) {
        EVP_CIPHER_CTX_free(ctx);
        return;
    }
    m_ctx = new Ctx{ctx};
}

AeadOpener::~AeadOpener() {
    if (m_ctx) EVP_CIPHER_CTX_free(m_ctx->cipher);
    delete m_ctx;
}

bool AeadOpener::open(ByteSpan nonce, ByteSpan aad, ByteSpan sealed, std::uint8_t* plaintext) {
    if (!m_ctx || nonce.size() != kAeadNonceLength || sealed.size() < kAeadTagLength) return false;
    EVP_CIPHER_CTX* ctx = m_ctx->cipher;
    const std::size_t n = sealed.size() - kAeadTagLength;
    int len = 0;
    bool ok = EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce.data()) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, kAeadTagLength,
                                  mutableData(sealed.subspan(n))) == 1 &&
              EVP_DecryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1;
    // An empty ciphertext still needs its Update call skipped: a null output buffer means AAD.
    if (ok && n > 0) {
        ok = EVP_DecryptUpdate(ctx, plaintext, &len, sealed.data(), static_cast<int>(n)) == 1 &&
             static_cast<std::size_t>(len) == n;
    }
    int finalLen = 0;
    return ok && EVP_DecryptFinal_ex(ctx, plaintext + n, &finalLen) == 1;
}

}  // namespace h2lens
