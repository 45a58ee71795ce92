#pragma once
// Moves the TLS secrets a capture carries (pcapng Decryption Secrets Blocks) into a KeyLog as the
// capture is read. A DSB comes before the packets it decrypts, so call update() before ingesting
// each packet; it costs one size comparison when nothing is new. Before adding lines it lets the
// analyzer's consumers catch up (Analyzer::flush): work they put off (records opened ahead, see
// pipeline/decode_backlog.h) must see the key log as it was when its packets came.
#include <cstddef>

#include "capture/packet_source.h"
#include "pipeline/analyzer.h"
#include "tls/key_log.h"

namespace h2lens {

class SecretsFeed {
  public:
    SecretsFeed(KeyLog& keys, Analyzer& analyzer) : m_keys(&keys), m_analyzer(&analyzer) {}
    void update(const PacketSource& source) {
        const auto& secrets = source.decryptionSecrets();
        if (m_seen == secrets.size()) return;
        m_analyzer->flush();
        for (; m_seen < secrets.size(); ++m_seen) m_keys->addLines(secrets[m_seen]);
    }

  private:
    KeyLog* m_keys;
    Analyzer* m_analyzer;
    std::size_t m_seen = 0;
};

}  // namespace h2lens
