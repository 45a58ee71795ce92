#pragma once
// TLS secrets in the NSS key log format (what SSLKEYLOGFILE writes and what pcapng Decryption
// Secrets Blocks carry), indexed by the ClientHello random they belong to.
//   CLIENT_RANDOM <random> <master secret>                        TLS 1.2 and older
//   CLIENT_HANDSHAKE_TRAFFIC_SECRET / SERVER_HANDSHAKE_TRAFFIC_SECRET <random> <secret>   TLS 1.3
//   CLIENT_TRAFFIC_SECRET_0 / SERVER_TRAFFIC_SECRET_0 <random> <secret>                   TLS 1.3
// Other labels (EXPORTER_SECRET, CLIENT_EARLY_TRAFFIC_SECRET, RSA) are read and ignored;
// malformed lines are counted, never fatal. A KeyLog may grow while sessions use it (a DSB can
// sit in the middle of a pcapng): sessions look secrets up when they need them.
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/bytes.h"

namespace h2lens {

struct KeyLogSecrets {
    Bytes masterSecret;           // CLIENT_RANDOM (48 bytes)
    Bytes clientHandshakeSecret;  // CLIENT_HANDSHAKE_TRAFFIC_SECRET
    Bytes serverHandshakeSecret;  // SERVER_HANDSHAKE_TRAFFIC_SECRET
    Bytes clientTrafficSecret0;   // CLIENT_TRAFFIC_SECRET_0
    Bytes serverTrafficSecret0;   // SERVER_TRAFFIC_SECRET_0
};

class KeyLog {
  public:
    // Adds every line of `text` (LF or CRLF). Later lines for the same random and label win.
    void addLines(std::string_view text);
    // Reads a key log file; false with a one-sentence `error` when it cannot be read.
    bool loadFile(const std::string& path, std::string& error);

    // Secrets logged for this 32-byte client random, or null.
    const KeyLogSecrets* find(ByteSpan clientRandom) const;

    std::size_t randomCount() const { return m_byRandom.size(); }
    std::size_t acceptedLines() const { return m_accepted; }
    std::size_t ignoredLines() const { return m_ignored; }      // labels we do not use
    std::size_t malformedLines() const { return m_malformed; }  // not "LABEL hex hex"
    bool empty() const { return m_byRandom.empty(); }

  private:
    void addLine(std::string_view line);

    std::unordered_map<std::string, KeyLogSecrets> m_byRandom;  // key: the 32 raw bytes
    std::size_t m_accepted = 0;
    std::size_t m_ignored = 0;
    std::size_t m_malformed = 0;
};

}  // namespace h2lens
