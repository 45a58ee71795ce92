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
// Keys that are not in the key log yet: when the KeyLog is growing() (`live --keylog` follows
// the file the client writes while we capture; a TLS 1.2 CLIENT_RANDOM is written only after
// the ServerHello, TLS 1.3 application secrets after the server's Finished), a record that needs
// a missing key is kept, and so is every record after it (both directions, in arrival order, so
// the plaintext still comes out in capture order). The session looks again whenever
// KeyLog::generation() changed (checked when a record arrives and at finish()), then decrypts
// what it kept as if the keys had been there all along. At most maxDeferredBytes() are kept; past
// that, or at finish() without the keys, the kept records are handled exactly as without a
// growing key log ("no key for this client random"), and an overflow is reported once.
// A KeyLog that is not growing() (file commands) makes a missing key final at once.
//
// Memory per session: one partial record per direction (≤ 18437 bytes), one handshake message
// per direction (≤ kMaxHandshakeMessage; larger ones, e.g. big certificate chains, are skipped),
// one plaintext scratch record, and records waiting for keys (≤ maxDeferredBytes()).
#include <algorithm>
#include <array>
#include <deque>
#include <memory>
#include <string>

#include "common/bytes.h"
#include "common/direction.h"
#include "common/limits.h"
#include "tls/handshake_assembler.h"
#include "tls/hello_parser.h"
#include "tls/key_log.h"
#include "tls/record_decryptor.h"
#include "tls/record_reader.h"
#include "tls/tls_open_job.h"
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

// What all the sessions of one decode hold together while waiting for keys
// (Limits::maxTlsHeldBytesTotal): a live capture with many connections whose keys never come
// stays bounded well below maxFlows x maxTlsHeldBytes. Single-threaded, like the sessions.
class TlsHoldBudget {
  public:
    explicit TlsHoldBudget(std::size_t max) : m_max(max) {}
    // False, and nothing taken, when `n` more would pass the bound.
    bool take(std::size_t n) {
        if (n > m_max - std::min(m_max, m_used)) return false;
        add(n);
        return true;
    }
    // Taken whatever the bound (a queued TCP gap: a few bytes that must keep their place).
    void add(std::size_t n) {
        m_used += n;
        m_peak = std::max(m_peak, m_used);
    }
    void give(std::size_t n) { m_used -= std::min(m_used, n); }
    std::size_t used() const { return m_used; }
    std::size_t peak() const { return m_peak; }
    std::size_t max() const { return m_max; }

  private:
    std::size_t m_max;
    std::size_t m_used = 0;
    std::size_t m_peak = 0;
};

class TlsSession {
  public:
    static constexpr std::size_t kMaxHandshakeMessage = 64 * 1024;
    static constexpr int kMaxFailureStreak = 2;

    // `keys` must outlive the session; it may gain lines meanwhile (secrets are looked up at the
    // ServerHello and, for TLS 1.3 application secrets, at each Finished; again while waiting).
    TlsSession(const KeyLog& keys, const Limits& limits);
    ~TlsSession();
    TlsSession(const TlsSession&) = delete;
    TlsSession& operator=(const TlsSession&) = delete;

    void feed(Direction dir, ByteSpan bytes, TimestampNs ts, TlsPlaintextSink& sink);
    void gap(Direction dir, std::uint64_t length, TimestampNs ts, TlsPlaintextSink& sink);
    // End of the connection: reports a record left incomplete and a handshake never finished.
    void finish(TimestampNs ts, TlsPlaintextSink& sink);

    // The same work in two halves, for a caller that opens records ahead (TlsOpenJob) and
    // replays the second half later, in the same order: feed() is frame() then record() for
    // each record (then readerStopped() when frame() returns true); gap() is cutInput() then,
    // when that returns true, gapAt(); finish() is finishAt(ts, sink, {bufferedInput(..)}).
    //
    // First half: record framing only; `out` gets whole records (views valid during the call).
    // True when the reader stopped during this call (bytes that cannot be TLS).
    bool frame(Direction dir, ByteSpan bytes, TlsRecordHandler& out);
    // False when the direction was cut already (the gap changes nothing).
    bool cutInput(Direction dir);
    std::size_t bufferedInput(Direction dir) const;
    // Second half. `pre`, when not null, is this record opened ahead; it is used only when its
    // key and sequence number are the ones the session would open the record with now.
    void record(Direction dir, const TlsRecord& record, TimestampNs ts, TlsPlaintextSink& sink,
                const TlsOpenJob* pre = nullptr);
    void readerStopped(Direction dir, TimestampNs ts, TlsPlaintextSink& sink);
    void gapAt(Direction dir, std::uint64_t length, TimestampNs ts, TlsPlaintextSink& sink);
    void finishAt(TimestampNs ts, TlsPlaintextSink& sink, std::array<std::size_t, 2> buffered);
    // The key that will open the next protected record of `dir`, when the direction is past
    // its handshake (TLS 1.3 application keys, TLS 1.2 after the Finished) so every record from
    // now on is protected; `nextSeq` its next sequence number. Null otherwise.
    std::shared_ptr<const RecordProtection> settledProtection(Direction dir,
                                                              std::uint64_t& nextSeq) const;

    const TlsReport& report() const { return m_report; }

    void setMaxDeferredBytes(std::size_t n) { m_maxDeferredBytes = n; }
    // Shares the bound on held records with other sessions (null: this session's bound only).
    void setHoldBudget(std::shared_ptr<TlsHoldBudget> budget) { m_holdBudget = std::move(budget); }
    std::size_t maxDeferredBytes() const { return m_maxDeferredBytes; }
    // Records kept right now, waiting for keys.
    std::size_t deferredRecords() const { return m_deferred.size(); }

  private:
    struct Side;
    class Dispatch;
    // A record (or a TCP gap) that arrived while the session was waiting for keys.
    struct Deferred {
        Direction dir = Direction::ClientToServer;
        bool gap = false;
        std::uint8_t type = 0;
        std::uint16_t version = 0;
        std::array<std::uint8_t, TlsRecordReader::kHeaderLength> header{};
        Bytes fragment;
        std::uint64_t number = 0;  // the record's number in its direction, or the gap's length
        TimestampNs ts = 0;
    };
    // Bytes an entry holds, counted against Limits::maxTlsHeldBytes.
    static std::size_t heldCost(const Deferred& d);

    void onRecord(Direction dir, const TlsRecord& record, const TlsOpenJob* pre);
    // False (and nothing done) when the record needs a key that a growing key log may still
    // deliver.
    bool handleRecord(Direction dir, const TlsRecord& record, std::uint64_t number,
                      const TlsOpenJob* pre = nullptr);
    bool onEncryptedRecord(Direction dir, const TlsRecord& record, std::uint64_t number,
                           const TlsOpenJob* pre);
    bool waitingForKey(Direction dir) const;
    void refreshKeys();
    void retryDeferred();
    void drainDeferred();
    void defer(Direction dir, const TlsRecord& record, std::uint64_t number);
    void release(std::size_t n);  // held bytes no longer held
    void stopWaiting();
    void applyGap(Direction dir, std::uint64_t length);
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
    static constexpr std::size_t kPlainScratch = TlsRecordReader::kMaxFragment;
    std::unique_ptr<std::uint8_t[]> m_plain;  // scratch for one opened record, made on first use
    // Waiting for keys (growing key logs only).
    bool m_awaitingHandshakeKeys = false;  // installKeys() found no secrets for the random
    bool m_waitingOff = false;             // given up waiting (overflow or finish)
    std::uint64_t m_keyGeneration = 0;     // KeyLog::generation() at the last lookup
    std::deque<Deferred> m_deferred;
    std::size_t m_deferredBytes = 0;
    std::size_t m_maxDeferredBytes;               // Limits::maxTlsHeldBytes
    std::shared_ptr<TlsHoldBudget> m_holdBudget;  // m_deferredBytes are taken from it
    // The call in progress (records are handled inside feed()).
    TimestampNs m_ts = 0;
    TlsPlaintextSink* m_sink = nullptr;
};

}  // namespace h2lens
