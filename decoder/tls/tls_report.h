#pragma once
// What one TLS connection was and how decryption went: the per-connection answer to "why is
// there no HTTP/2 here" (no key, unsupported suite, a record that failed authentication).
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "tls/tls_types.h"

namespace h2lens {

enum class TlsDecryption : std::uint8_t {
    NotStarted,              // no ServerHello yet (or not TLS at all)
    HandshakeMissing,        // records without the hellos that carry the client random
    NoKey,                   // the key log has no (usable) secret for this client random
    UnsupportedCipherSuite,  // e.g. CBC suites, CCM
    UnsupportedVersion,      // SSL 3.0 / TLS 1.0 / 1.1
    Ok,                      // keys installed; every record so far authenticated
    Failed,                  // at least one record failed to decrypt (see reason)
};
std::string_view tlsDecryptionName(TlsDecryption d);

struct TlsDirectionReport {
    std::uint64_t records = 0;
    std::uint64_t recordBytes = 0;       // headers included
    std::uint64_t encryptedRecords = 0;  // records that needed a key
    std::uint64_t decryptedRecords = 0;
    std::uint64_t failedRecords = 0;       // bad tag, too short
    std::uint64_t undecryptedRecords = 0;  // encrypted, no key (or given up after failures)
    std::uint64_t plaintextBytes = 0;      // application data handed to the sink
    std::uint64_t keyUpdates = 0;          // TLS 1.3 KeyUpdate messages
    std::uint64_t deferredRecords = 0;     // records that waited for keys of a growing key log
    std::uint64_t openedAhead = 0;         // decryptedRecords + failedRecords opened by a job
    bool cut = false;                      // record framing lost (TCP gap or non-TLS bytes)
};

struct TlsReport {
    bool tls = false;  // at least one valid TLS record was seen
    bool clientHelloSeen = false;
    bool serverHelloSeen = false;
    std::uint16_t version = 0;  // negotiated (supported_versions first), else offered max
    std::uint16_t cipherSuite = 0;
    std::string cipherSuiteName;
    std::string sni;
    std::vector<std::string> alpnOffered;
    std::string alpnSelected;
    bool alpnEncrypted = false;  // TLS 1.3: selected ALPN sits in EncryptedExtensions
    bool helloRetryRequest = false;
    bool resumed = false;               // TLS 1.2 session id echoed / TLS 1.3 PSK accepted
    bool extendedMasterSecret = false;  // both hellos carried extended_master_secret
    bool deferralOverflow = false;      // records waiting for keys went over the session's bound
    TlsDecryption decryption = TlsDecryption::NotStarted;
    // One sentence when decryption is not Ok: "no key for this client random",
    // "unsupported cipher suite TLS_RSA_WITH_AES_128_CBC_SHA", "decryption failed at s2c record 7
    // (bad tag)". The first failure is the one kept.
    std::string reason;
    std::vector<std::pair<std::uint8_t, TlsAlert>> alerts;  // (direction, alert), first 16
    std::array<TlsDirectionReport, 2> dir;                  // indexed by Direction

    bool decrypted() const { return decryption == TlsDecryption::Ok; }
    // "TLS 1.3 TLS_AES_256_GCM_SHA384, SNI localhost, ALPN h2 (offered h2,http/1.1), decrypted"
    std::string summary() const;
};

}  // namespace h2lens
