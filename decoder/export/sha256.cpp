#include "export/sha256.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace h2lens {

struct Sha256::Ctx {
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    ~Ctx() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256() : m_ctx(std::make_unique<Ctx>()) {
    if (!m_ctx->md || EVP_DigestInit_ex(m_ctx->md, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("OpenSSL: SHA-256 is not available");
    }
}
Sha256::~Sha256() = default;
Sha256::Sha256(const Sha256& other) : Sha256() {
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
    if (!bytes.empty()) EVP_DigestUpdate(m_ctx->md, bytes.data(), bytes.size());
}

std::string Sha256::hex() const {
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
    Sha256 h;
    h.update(bytes);
    return h.hex();
}

}  // namespace h2lens
