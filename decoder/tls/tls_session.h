#pragma once
// One TLS connection, both directions, sans-IO: the reassembled TCP bytes of each direction in
// (in order, with timestamps, and gaps), application plaintext out through a sink, and a
// TlsReport saying what the connection was and why it was or was not decrypted.
//
// Decrypts TLS 1.3 (AES-GCM, ChaCha20-Poly1305; handshake and application traffic secrets from
// the key log, KeyUpdate) and TLS 1.2 AEAD suites (master secret from CLIENT_RANDOM; full and
// abbreviated handshakes). Plaintext is only ever emitted from records whose AEAD tag verified:
// without keys, or after a failure, the sink hears about what is missing (onPlaintextGap) but
// never receives guessed bytes. A record that fails is reported and skipped; the sequence number
// still advances, so the next record decrypts. After two failures in a row the direction gives
// up (a wrong key, not one damaged record). A TCP gap loses the record boundaries of that
// direction: nothing after it is decrypted.
//
// Memory per session: one partial record per direction (≤ 18437 bytes), one handshake message
// per direction (≤ kMaxHandshakeMessage; larger ones, e.g. big certificate chains, are skipped),
// one plaintext scratch record.
#include <array>
#include <memory>
#include <string>

#include "common/bytes.h"
#include "common/limits.h"
#include "tcp/flow_record.h"
#include "tls/handshake_assembler.h"
#include "tls/hello_parser.h"
#include "tls/key_log.h"
#include "tls/record_decryptor.h"
#include "tls/record_reader.h"
#include "tls/tls_report.h"

namespace h2lens {

class TlsPlaintextSink {
  public:
    virtual ~TlsPlaintextSink() = default;
    // Application data of one direction, in order. `bytes` is valid only during the call.
    virtual void onPlaintext(Direction dir, ByteSpan bytes, TimestampNs ts) = 0;
    // Application data of `dir` that will never arrive: a record failed to decrypt or could not
    // be decrypted after the direction had started (`length` = its largest possible plaintext
    // size), or a TCP gap (`length` = the missing ciphertext bytes). Feed it to the consumer's
    // gap handling (ConnectionEngine::gap). Not called for connections that never had keys.
    virtual void onPlaintextGap(Direction dir, std::uint64_t length, TimestampNs ts) {
        (void)dir, (void)length, (void)ts;
    }
    virtual void onAlert(Direction dir, const TlsAlert& alert, TimestampNs ts) {
        (void)dir, (void)alert, (void)ts;
    }
    // Something wrong with the TLS bytes or the keys, one sentence.
    virtual void onIssue(Direction dir, const std::string& message, TimestampNs ts) {
        (void)dir, (void)message, (void)ts;
    }
};

class TlsSession {
  public:
    static constexpr std::size_t kMaxHandshakeMessage = 64 * 1024;
    static constexpr int kMaxFailureStreak = 2;

    // `keys` must outlive the session; it may gain lines meanwhile (secrets are looked up at the
    // ServerHello and, for TLS 1.3 application secrets, at each Finished).
    TlsSession(const KeyLog& keys, const Limits& limits);
    ~TlsSession();
    TlsSession(const TlsSession&) = delete;
    TlsSession& operator=(const TlsSession&) = delete;

    void feed(Direction dir, ByteSpan bytes, TimestampNs ts, TlsPlaintextSink& sink);
    void gap(Direction dir, std::uint64_t length, TimestampNs ts, TlsPlaintextSink& sink);
    // End of the connection: reports a record left incomplete and a handshake never finished.
    void finish(TimestampNs ts, TlsPlaintextSink& sink);

    const TlsReport& report() const { return m_report; }

  private:
    struct Side;
    class Dispatch;

    void onRecord(Direction dir, const TlsRecord& record);
    void onEncryptedRecord(Direction dir, const TlsRecord& record);
    void onContent(Direction dir, std::uint8_t type, ByteSpan bytes, bool encrypted);
    void onHandshake(Direction dir, const HandshakeMessage& msg, bool encrypted);
    void onClientHello(ByteSpan body);
    void onServerHello(ByteSpan body);
    void installKeys();
    void installTls13ApplicationKey(Direction dir);
    void keyUpdate(Direction dir);
    void setOutcome(TlsDecryption outcome, std::string reason);
    void issue(Direction dir, const std::string& message);
    Side& side(Direction dir) { return *m_sides[static_cast<int>(dir)]; }
    TlsDirectionReport& dirReport(Direction dir) { return m_report.dir[static_cast<int>(dir)]; }

    const KeyLog* m_keys;
    std::array<std::unique_ptr<Side>, 2> m_sides;
    TlsReport m_report;
    std::unique_ptr<ClientHelloInfo> m_clientHello;
    std::unique_ptr<ServerHelloInfo> m_serverHello;
    const CipherSuiteInfo* m_suite = nullptr;
    Bytes m_plain;  // scratch for one opened record
    // The call in progress (records are handled inside feed()).
    TimestampNs m_ts = 0;
    TlsPlaintextSink* m_sink = nullptr;
};

}  // namespace h2lens
