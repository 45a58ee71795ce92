#pragma once
// The only file that talks to libcrypto (OpenSSL 3): the two key schedules' expansion functions
// and an AEAD opener. Nothing here is hand-rolled; failures of the library come back as false.
#include <cstddef>
#include <memory>
#include <string_view>

#include "common/bytes.h"
#include "tls/cipher_suite.h"

namespace h2lens {

// HKDF-Expand-Label(secret, label, context, length) of RFC 8446 §7.1 ("tls13 " is prefixed
// here), through EVP_KDF "HKDF" in expand-only mode.
bool hkdfExpandLabel(TlsHash hash, ByteSpan secret, std::string_view label, ByteSpan context,
                     std::size_t length, Bytes& out);

// PRF(secret, label, seed) of RFC 5246 §5 with the suite's hash, through EVP_KDF "TLS1-PRF".
bool tls12Prf(TlsHash hash, ByteSpan secret, std::string_view label, ByteSpan seed,
              std::size_t length, Bytes& out);

// One AEAD key (AES-GCM or ChaCha20-Poly1305, 16-byte tag, 12-byte nonce).
class AeadOpener {
  public:
    AeadOpener(TlsAead aead, ByteSpan key);
    ~AeadOpener();
    AeadOpener(const AeadOpener&) = delete;
    AeadOpener& operator=(const AeadOpener&) = delete;

    bool valid() const { return m_ctx != nullptr; }
    // `sealed` is ciphertext followed by the tag; `plaintext` receives sealed.size() - 16 bytes
    // (it may be sealed.data() itself: in place). False when the tag does not verify (or
    // `sealed` is too short); `plaintext` then holds unauthenticated bytes, to be ignored.
    // Only the nonce changes per call: the key schedule was done once, in the constructor.
    bool open(ByteSpan nonce, ByteSpan aad, ByteSpan sealed, std::uint8_t* plaintext);

  private:
    struct Ctx;
    Ctx* m_ctx = nullptr;
};

}  // namespace h2lens
