#pragma once
// Incremental SHA-256 (OpenSSL EVP), so a body's digest is computed as its DATA frames pass
// without keeping the body.
#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "common/bytes.h"

namespace h2lens {

class Sha256 {
  public:
    Sha256();
    ~Sha256();
    Sha256(Sha256&&) noexcept;
    Sha256& operator=(Sha256&&) noexcept;
    // A copy goes on from the same state (a kept transcript copied while its digest runs).
    Sha256(const Sha256& other);
    Sha256& operator=(const Sha256& other);

    void update(ByteSpan bytes);
    // Lowercase hex of the digest of everything given so far; the object stays usable.
    std::string hex() const;

    static std::string of(ByteSpan bytes);

  private:
    struct Ctx;
    std::unique_ptr<Ctx> m_ctx;
};

}  // namespace h2lens
