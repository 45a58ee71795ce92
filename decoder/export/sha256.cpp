#include "export/sha256.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace h2lens {

namespace {

// Fetched once: EVP_sha256() makes every EVP_DigestInit_ex look the implementation up again
// (a lock and a name search per body, 20,000 times in a big export).
const EVP_MD* sha256Md() {
    static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (md == nullptr) throw std::runtime_error("OpenSSL: SHA-256 is not available");
    return md;
}

}  // namespace

struct Sha256::Ctx {
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    Ctx() {
        if (!md || EVP_DigestInit_ex(md, sha256Md(), nullptr) != 1)
            throw std::runtime_error("OpenSSL: SHA-256 is not available");
    }
    ~Ctx() { EVP_MD_CTX_free(md); }
    Ctx(const Ctx&) = delete;
    Ctx& operator=(const Ctx&) = delete;
};

// The context is made on first use: most bodies are hashed in one go (of()) and never need one.
Sha256::Sha256() = default;
Sha256::~Sha256() = default;
Sha256::Sha256(const Sha256& other) {
    if (!other.m_ctx) return;
    m_ctx = std::make_unique<Ctx>();
    if (EVP_MD_CTX_copy_ex(m_ctx->md, other.m_ctx->md) != 1)
        throw std::runtime_error("OpenSSL: cannot copy a SHA-256 state");
}
Sha256& Sha256::operator=(const Sha256& other) {
    if (this != &other) *this = Sha256(other);
    return *this;
}
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(ByteSpan bytes) {
    if (bytes.empty()) return;
    if (!m_ctx) m_ctx = std::make_unique<Ctx>();
    EVP_DigestUpdate(m_ctx->md, bytes.data(), bytes.size());
}

std::string Sha256::hex() const {
    if (!m_ctx) return of({});
    // Finalise a copy so more bytes can still be added to the original.
    EVP_MD_CTX* copy = EVP_MD_CTX_new();
    EVP_MD_CTX_copy_ex(copy, m_ctx->md);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(copy, digest, &len);
    EVP_MD_CTX_free(copy);
    return hexString(ByteSpan(digest, len));
}

std::string Sha256::of(ByteSpan bytes) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest, &len, sha256Md(), nullptr) != 1)
        throw std::runtime_error("OpenSSL: SHA-256 failed");
    return hexString(ByteSpan(digest, len));
}

}  // namespace h2lens
