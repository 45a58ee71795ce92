#pragma once
// TLS secrets in the NSS key log format (what SSLKEYLOGFILE writes and what pcapng Decryption
// Secrets Blocks carry), indexed by the ClientHello random they belong to.
//   CLIENT_RANDOM <random> <master secret>                        TLS 1.2 and older
//   CLIENT_HANDSHAKE_TRAFFIC_SECRET / SERVER_HANDSHAKE_TRAFFIC_SECRET <random> <secret>   TLS 1.3
//   CLIENT_TRAFFIC_SECRET_0 / SERVER_TRAFFIC_SECRET_0 <random> <secret>                   TLS 1.3
// Other labels (EXPORTER_SECRET, CLIENT_EARLY_TRAFFIC_SECRET, RSA) are read and ignored;
// malformed lines are counted, never fatal. A KeyLog may grow while sessions use it (a DSB can
// sit in the middle of a pcapng, `live` follows a key log file the client is still writing):
// sessions look secrets up when they need them, and generation() tells them cheaply whether
// anything new arrived since they last looked.
#include <cstddef>
#include <cstdint>
#include <deque>
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

    // Changes whenever an accepted line is added: a session waiting for keys compares it with
    // the value it saw last instead of looking its random up again for every record.
    std::uint64_t generation() const { return m_generation; }

    // True while more lines may still arrive for connections being decoded (`live --keylog`
    // follows a file the client writes as it goes). Sessions then keep records they cannot
    // decrypt yet and retry when generation() changes, instead of reporting "no key" at once.
    // Off by default: a key log read before the capture is complete, so a missing key is final.
    void setGrowing(bool growing) { m_growing = growing; }
    bool growing() const { return m_growing; }

    // At most `n` client randoms are kept (0: no bound, the default); beyond it the oldest
    // random is forgotten and counted. A followed key log grows for as long as the client
    // runs; the connections it serves are short-lived next to it.
    void setMaxRandoms(std::size_t n);

    // Every accepted line from now on is also appended to `*journal` (with '\n'), for a
    // capture written with the secrets it needs (`live -w --keylog`: a Decryption Secrets
    // Block). The caller empties it as it writes; null stops the journal.
    void setJournal(std::string* journal) { m_journal = journal; }
    std::size_t evictedRandoms() const { return m_evicted; }

  private:
    void addLine(std::string_view line);
    void evictOldest();

    std::unordered_map<std::string, KeyLogSecrets> m_byRandom;  // key: the 32 raw bytes
    std::deque<std::string> m_order;  // randoms, oldest first (only with a bound)
    std::size_t m_maxRandoms = 0;
    std::string* m_journal = nullptr;
    std::size_t m_accepted = 0;
    std::size_t m_ignored = 0;
    std::size_t m_malformed = 0;
    std::size_t m_evicted = 0;
    std::uint64_t m_generation = 0;
    bool m_growing = false;
};

}  // namespace h2lens
