#include "tls/cipher_suite.h"

#include <array>

#include <fmt/format.h>

namespace h2lens {

namespace {

using A = TlsAead;
using H = TlsHash;

constexpr std::array kSuites = {
    // TLS 1.3 (RFC 8446 B.4)
    CipherSuiteInfo{0x1301, "TLS_AES_128_GCM_SHA256", A::Aes128Gcm, H::Sha256, true},
    CipherSuiteInfo{0x1302, "TLS_AES_256_GCM_SHA384", A::Aes256Gcm, H::Sha384, true},
    CipherSuiteInfo{0x1303, "TLS_CHACHA20_POLY1305_SHA256", A::ChaCha20Poly1305, H::Sha256, true},
    CipherSuiteInfo{0x1304, "TLS_AES_128_CCM_SHA256", A::None, H::Sha256, true},
    CipherSuiteInfo{0x1305, "TLS_AES_128_CCM_8_SHA256", A::None, H::Sha256, true},
    // TLS 1.2 AEAD (RFC 5288, 5289, 7905)
    CipherSuiteInfo{0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256", A::Aes128Gcm, H::Sha256, false},
    CipherSuiteInfo{0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384", A::Aes256Gcm, H::Sha384, false},
    CipherSuiteInfo{0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", A::Aes128Gcm, H::Sha256, false},
    CipherSuiteInfo{0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", A::Aes256Gcm, H::Sha384, false},
    CipherSuiteInfo{0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", A::Aes128Gcm, H::Sha256,
                    false},
    CipherSuiteInfo{0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", A::Aes256Gcm, H::Sha384,
                    false},
    CipherSuiteInfo{0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", A::Aes128Gcm, H::Sha256,
                    false},
    CipherSuiteInfo{0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", A::Aes256Gcm, H::Sha384,
                    false},
    CipherSuiteInfo{0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", A::ChaCha20Poly1305,
                    H::Sha256, false},
    CipherSuiteInfo{0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", A::ChaCha20Poly1305,
                    H::Sha256, false},
    CipherSuiteInfo{0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", A::ChaCha20Poly1305,
                    H::Sha256, false},
    // Known but refused: CBC with HMAC, CCM.
    CipherSuiteInfo{0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA", A::None, H::Sha256, false},
    CipherSuiteInfo{0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", A::None, H::Sha256, false},
    CipherSuiteInfo{0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256", A::None, H::Sha256, false},
    CipherSuiteInfo{0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256", A::None, H::Sha256, false},
    CipherSuiteInfo{0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", A::None, H::Sha256, false},
    CipherSuiteInfo{0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", A::None, H::Sha256, false},
    CipherSuiteInfo{0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", A::None, H::Sha256, false},
    CipherSuiteInfo{0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", A::None, H::Sha256, false},
    CipherSuiteInfo{0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", A::None, H::Sha256, false},
    CipherSuiteInfo{0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", A::None, H::Sha384, false},
    CipherSuiteInfo{0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", A::None, H::Sha256, false},
    CipherSuiteInfo{0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", A::None, H::Sha384, false},
    CipherSuiteInfo{0xc09c, "TLS_RSA_WITH_AES_128_CCM", A::None, H::Sha256, false},
    CipherSuiteInfo{0xc0ac, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM", A::None, H::Sha256, false},
};

}  // namespace

const CipherSuiteInfo* findCipherSuite(std::uint16_t id) {
    for (const auto& s : kSuites) {
        if (s.id == id) return &s;
    }
    return nullptr;
}

std::string cipherSuiteName(std::uint16_t id) {
    if (const auto* s = findCipherSuite(id)) return std::string(s->name);
    return fmt::format("UNKNOWN(0x{:04x})", id);
}

std::size_t aeadKeyLength(TlsAead aead) {
    switch (aead) {
        case TlsAead::Aes128Gcm:
            return 16;
        case TlsAead::Aes256Gcm:
        case TlsAead::ChaCha20Poly1305:
            return 32;
        case TlsAead::None:
            return 0;
    }
    return 0;
}

std::size_t hashLength(TlsHash hash) {
    return hash == TlsHash::Sha384 ? 48 : 32;
}

}  // namespace h2lens
