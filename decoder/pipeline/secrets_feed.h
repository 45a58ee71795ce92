#pragma once
// Moves the TLS secrets a capture carries (pcapng Decryption Secrets Blocks) into a KeyLog as the
// capture is read. A DSB comes before the packets it decrypts, so call update() before ingesting
// each packet; it costs one size comparison when nothing is new.
#include <cstddef>

#include "capture/packet_source.h"
#include "tls/key_log.h"

namespace h2lens {

class SecretsFeed {
  public:
    explicit SecretsFeed(KeyLog& keys) : m_keys(&keys) {}
    bool hasNew(const PacketSource& source) const {
        return m_seen < source.decryptionSecrets().size();
    }
    void update(const PacketSource& source) {
        const auto& secrets = source.decryptionSecrets();
        for (; m_seen < secrets.size(); ++m_seen) m_keys->addLines(secrets[m_seen]);
    }

  private:
    KeyLog* m_keys;
    std::size_t m_seen = 0;
};

}  // namespace h2lens
