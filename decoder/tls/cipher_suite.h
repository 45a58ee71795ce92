#pragma once
// The cipher suites h2lens can decrypt (AEAD only: AES-GCM and ChaCha20-Poly1305, TLS 1.2 and
// 1.3) plus names for common ones it cannot, so a report can say which suite was refused.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace h2lens {

enum class TlsAead : std::uint8_t { None, Aes128Gcm, Aes256Gcm, ChaCha20Poly1305 };
enum class TlsHash : std::uint8_t { Sha256, Sha384 };

struct CipherSuiteInfo {
    std::uint16_t id = 0;
    std::string_view name;           // IANA name
    TlsAead aead = TlsAead::None;    // None: known, but not decryptable here (CBC, CCM, ...)
    TlsHash hash = TlsHash::Sha256;  // TLS 1.2 PRF / TLS 1.3 HKDF hash
    bool tls13 = false;
};

// Null for a suite h2lens has never heard of.
const CipherSuiteInfo* findCipherSuite(std::uint16_t id);
// IANA name, or UNKNOWN(0x1234).
std::string cipherSuiteName(std::uint16_t id);

std::size_t aeadKeyLength(TlsAead aead);
inline constexpr std::size_t kAeadTagLength = 16;
inline constexpr std::size_t kAeadNonceLength = 12;
std::size_t hashLength(TlsHash hash);

}  // namespace h2lens
