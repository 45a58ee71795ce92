#include "tls/tls_session.h"

#include <fmt/format.h>

#include <algorithm>

namespace h2lens {

struct TlsSession::Side {
    TlsRecordReader reader;
    HandshakeAssembler handshake{kMaxHandshakeMessage};
    std::unique_ptr<RecordDecryptor> decryptor;  // current read key; null: none (yet)
    std::unique_ptr<RecordDecryptor> pending;    // TLS 1.2: takes over at ChangeCipherSpec
    Bytes secret;                                // TLS 1.3: current traffic secret
    bool changedCipherSpec = false;              // TLS 1.2: records are protected from now on
    bool hadKeys = false;                        // a decryptor was installed at some point
    bool gaveUp = false;
    bool cut = false;          // no more input is read (reader stopped, or a TCP gap)
    bool appKeys = false;      // TLS 1.3: the decryptor holds an application traffic key
    bool awaitingKey = false;  // TLS 1.3: no application secret at Finished (yet)
    int failureStreak = 0;
};

// Routes the record reader's callbacks of one feed() call to the session.
class TlsSession::Dispatch final : public TlsRecordHandler {
  public:
    Dispatch(TlsSession& s, Direction d) : m_session(s), m_dir(d) {}
    void onRecord(const TlsRecord& record) override { m_session.onRecord(m_dir, record, nullptr); }

  private:
    TlsSession& m_session;
    Direction m_dir;
};

TlsSession::TlsSession(const KeyLog& keys, const Limits& limits)
    : m_keys(&keys), m_maxDeferredBytes(limits.maxTlsHeldBytes) {
    m_sides[0] = std::make_unique<Side>();
    m_sides[1] = std::make_unique<Side>();
}

TlsSession::~TlsSession() {
    if (m_holdBudget) m_holdBudget->give(m_deferredBytes);
}

void TlsSession::feed(Direction dir, ByteSpan bytes, TimestampNs ts, TlsPlaintextSink& sink) {
    if (side(dir).cut || bytes.empty()) return;
    m_ts = ts;
    m_sink = &sink;
    Dispatch dispatch(*this, dir);
    const bool stopped = frame(dir, bytes, dispatch);
    m_sink = nullptr;
    if (stopped) readerStopped(dir, ts, sink);
}

bool TlsSession::frame(Direction dir, ByteSpan bytes, TlsRecordHandler& out) {
    Side& s = side(dir);
    if (s.cut || bytes.empty()) return false;
    s.reader.feed(bytes, out);
    if (!s.reader.invalid()) return false;
    s.cut = true;
    return true;
}

void TlsSession::readerStopped(Direction dir, TimestampNs ts, TlsPlaintextSink& sink) {
    m_ts = ts;
    m_sink = &sink;
    dirReport(dir).cut = true;
    issue(dir, side(dir).reader.error() + "; the rest of this direction is not read");
    m_sink = nullptr;
}

bool TlsSession::cutInput(Direction dir) {
    Side& s = side(dir);
    if (s.cut) return false;
    s.cut = true;
    return true;
}

std::size_t TlsSession::bufferedInput(Direction dir) const {
    const Side& s = *m_sides[static_cast<int>(dir)];
    return s.cut ? 0 : s.reader.buffered();
}

void TlsSession::record(Direction dir, const TlsRecord& record, TimestampNs ts,
                        TlsPlaintextSink& sink, const TlsOpenJob* pre) {
    m_ts = ts;
    m_sink = &sink;
    onRecord(dir, record, pre);
    m_sink = nullptr;
}

void TlsSession::gap(Direction dir, std::uint64_t length, TimestampNs ts, TlsPlaintextSink& sink) {
    if (cutInput(dir)) gapAt(dir, length, ts, sink);
}

void TlsSession::gapAt(Direction dir, std::uint64_t length, TimestampNs ts,
                       TlsPlaintextSink& sink) {
    m_ts = ts;
    m_sink = &sink;
    dirReport(dir).cut = true;
    if (m_deferred.empty() && !waitingForKey(dir)) {
        applyGap(dir, length);
    } else {
        // Records before the gap are still waiting, or whether the consumer hears of the gap
        // depends on keys still to come: the gap takes its place in the queue.
        Deferred d;
        d.dir = dir;
        d.gap = true;
        d.number = length;
        d.ts = ts;
        // Gaps count against the hold too, so a run of losses cannot grow the queue unbounded.
        m_deferredBytes += heldCost(d);
        if (m_holdBudget) m_holdBudget->add(heldCost(d));
        m_deferred.push_back(std::move(d));
    }
    m_sink = nullptr;
}

std::shared_ptr<const RecordProtection> TlsSession::settledProtection(
    Direction dir, std::uint64_t& nextSeq) const {
    const Side& s = *m_sides[static_cast<int>(dir)];
    if (!s.decryptor || s.gaveUp || !m_deferred.empty() || waitingForKey(dir)) return nullptr;
    const bool settled = m_report.version == kTls13
                             ? s.appKeys
                             : s.changedCipherSpec && s.decryptor->sequence() >= 1;
    if (!settled) return nullptr;
    nextSeq = s.decryptor->sequence();
    return s.decryptor->protection();
}

void TlsSession::applyGap(Direction dir, std::uint64_t length) {
    issue(dir, fmt::format("TCP gap of {} bytes: TLS record boundaries lost, the rest of {} is "
                           "not decrypted",
                           length, directionName(dir)));
    if (side(dir).hadKeys && m_sink) m_sink->onPlaintextGap(dir, length, m_ts);
}

void TlsSession::finish(TimestampNs ts, TlsPlaintextSink& sink) {
    finishAt(ts, sink,
             {bufferedInput(Direction::ClientToServer), bufferedInput(Direction::ServerToClient)});
}

void TlsSession::finishAt(TimestampNs ts, TlsPlaintextSink& sink,
                          std::array<std::size_t, 2> buffered) {
    m_ts = ts;
    m_sink = &sink;
    if (m_keys->growing() && !m_waitingOff) {
        retryDeferred();  // keys that came after the last record (maybe with none kept)
        stopWaiting();    // the keys did not come: what is left goes as if there were none
        m_ts = ts;
    }
    m_waitingOff = true;
    for (Direction d : {Direction::ClientToServer, Direction::ServerToClient}) {
        if (const std::size_t n = buffered[static_cast<int>(d)]; n > 0) {
            issue(d, fmt::format("the capture ends inside a TLS record ({} bytes of it)", n));
        }
    }
    if (m_report.tls && m_report.decryption == TlsDecryption::NotStarted) {
        setOutcome(
            m_report.clientHelloSeen ? TlsDecryption::NotStarted : TlsDecryption::HandshakeMissing,
            m_report.clientHelloSeen ? "no ServerHello in the capture"
                                     : "the TLS handshake is not in the capture");
    }
    m_sink = nullptr;
}

void TlsSession::issue(Direction dir, const std::string& message) {
    if (m_sink) m_sink->onIssue(dir, message, m_ts);
}

void TlsSession::setOutcome(TlsDecryption outcome, std::string reason) {
    // The first problem is the one reported; Ok never hides an earlier one.
    const TlsDecryption now = m_report.decryption;
    if (now != TlsDecryption::NotStarted && now != TlsDecryption::Ok) return;
    m_report.decryption = outcome;
    m_report.reason = std::move(reason);
}

void TlsSession::onRecord(Direction dir, const TlsRecord& record, const TlsOpenJob* pre) {
    TlsDirectionReport& r = dirReport(dir);
    m_report.tls = true;
    ++r.records;
    r.recordBytes += TlsRecordReader::kHeaderLength + record.fragment.size();
    if (!m_deferred.empty()) {
        retryDeferred();
        if (!m_deferred.empty()) return defer(dir, record, r.records);
    }
    if (!handleRecord(dir, record, r.records, pre)) defer(dir, record, r.records);
}

bool TlsSession::waitingForKey(Direction dir) const {
    if (m_waitingOff || !m_keys->growing()) return false;
    return m_awaitingHandshakeKeys || m_sides[static_cast<int>(dir)]->awaitingKey;
}

void TlsSession::refreshKeys() {
    if (m_keys->generation() == m_keyGeneration) return;
    m_keyGeneration = m_keys->generation();
    if (!m_awaitingHandshakeKeys && !side(Direction::ClientToServer).awaitingKey &&
        !side(Direction::ServerToClient).awaitingKey)
        return;
    if (m_report.decryption == TlsDecryption::NoKey) {
        // Only a missing key can have set NoKey, and nothing after it: start from before it.
        m_report.decryption =
            m_awaitingHandshakeKeys ? TlsDecryption::NotStarted : TlsDecryption::Ok;
        m_report.reason.clear();
    }
    if (m_awaitingHandshakeKeys) installKeys();
    if (m_awaitingHandshakeKeys) return;
    for (Direction d : {Direction::ClientToServer, Direction::ServerToClient})
        if (side(d).awaitingKey) installTls13ApplicationKey(d);
}

void TlsSession::retryDeferred() {
    if (m_keys->generation() == m_keyGeneration) return;
    refreshKeys();
    drainDeferred();
}

void TlsSession::drainDeferred() {
    const TimestampNs now = m_ts;
    while (!m_deferred.empty()) {
        Deferred& d = m_deferred.front();
        m_ts = d.ts;
        if (d.gap) {
            if (waitingForKey(d.dir)) break;
            applyGap(d.dir, d.number);
            release(heldCost(d));
        } else {
            TlsRecord record;
            record.type = d.type;
            record.version = d.version;
            record.header = ByteSpan(d.header);
            record.fragment = d.fragment;
            if (!handleRecord(d.dir, record, d.number)) break;
            release(heldCost(d));
        }
        m_deferred.pop_front();
    }
    m_ts = now;
}

std::size_t TlsSession::heldCost(const Deferred& d) {
    // What the entry really holds: a record of a few bytes still costs its queue entry.
    return sizeof(Deferred) + d.fragment.size();
}

void TlsSession::release(std::size_t n) {
    m_deferredBytes -= n;
    if (m_holdBudget) m_holdBudget->give(n);
}

void TlsSession::defer(Direction dir, const TlsRecord& record, std::uint64_t number) {
    const std::size_t cost = sizeof(Deferred) + record.fragment.size();
    const bool overConnection = m_deferredBytes + cost > m_maxDeferredBytes;
    if (overConnection || (m_holdBudget && !m_holdBudget->take(cost))) {
        m_report.deferralOverflow = true;
        issue(dir, overConnection
                       ? fmt::format("more than {} bytes of TLS records waited for keys the key "
                                     "log did not have; they are handled without them",
                                     m_maxDeferredBytes)
                       : fmt::format("TLS records of all connections that waited for keys "
                                     "reached {} bytes; this connection's are handled without "
                                     "them",
                                     m_holdBudget->max()));
        stopWaiting();
        handleRecord(dir, record, number);
        return;
    }
    ++dirReport(dir).deferredRecords;
    Deferred d;
    d.dir = dir;
    d.type = record.type;
    d.version = record.version;
    std::copy_n(record.header.begin(), d.header.size(), d.header.begin());
    d.fragment.assign(record.fragment.begin(), record.fragment.end());
    d.number = number;
    d.ts = m_ts;
    m_deferredBytes += heldCost(d);
    m_deferred.push_back(std::move(d));
}

void TlsSession::stopWaiting() {
    m_waitingOff = true;
    drainDeferred();
}

bool TlsSession::handleRecord(Direction dir, const TlsRecord& record, std::uint64_t number,
                              const TlsOpenJob* pre) {
    Side& s = side(dir);
    const bool tls13 = m_report.serverHelloSeen && m_report.version == kTls13;

    if (record.type == static_cast<std::uint8_t>(TlsContentType::ChangeCipherSpec)) {
        // TLS 1.3 sends it only for middlebox compatibility (also between a HelloRetryRequest
        // and the second ClientHello); it changes nothing.
        if (!tls13 && m_report.serverHelloSeen) {
            s.changedCipherSpec = true;
            // Only keys not yet in use are switched to: a second ChangeCipherSpec without a new
            // handshake (RFC 5246 §7.1: an unexpected_message) leaves the keys as they are, as
            // keys that arrive late (installKeys) would. fuzz_tls found the two disagreeing.
            if (s.pending) {
                s.decryptor = std::move(s.pending);
                s.hadKeys = true;
            }
            s.handshake.reset();
        }
        return true;
    }
    bool encrypted = tls13
                         ? record.type == static_cast<std::uint8_t>(TlsContentType::ApplicationData)
                         : s.changedCipherSpec;
    // Application data before any ServerHello: 0-RTT, or a connection picked up mid-stream.
    if (!m_report.serverHelloSeen &&
        record.type == static_cast<std::uint8_t>(TlsContentType::ApplicationData))
        encrypted = true;
    if (encrypted) return onEncryptedRecord(dir, record, number, pre);
    onContent(dir, record.type, record.fragment, false);
    return true;
}

bool TlsSession::onEncryptedRecord(Direction dir, const TlsRecord& record, std::uint64_t number,
                                   const TlsOpenJob* pre) {
    Side& s = side(dir);
    TlsDirectionReport& r = dirReport(dir);
    if (!s.decryptor && waitingForKey(dir)) {
        refreshKeys();
        if (!s.decryptor && waitingForKey(dir)) return false;
    }
    ++r.encryptedRecords;
    if (!s.decryptor || s.gaveUp) {
        ++r.undecryptedRecords;
        if (!m_report.clientHelloSeen && m_report.decryption == TlsDecryption::NotStarted)
            setOutcome(TlsDecryption::HandshakeMissing, "the TLS handshake is not in the capture");
        if (s.hadKeys && m_sink) {
            const std::size_t overhead = kAeadTagLength;
            m_sink->onPlaintextGap(
                dir, record.fragment.size() - std::min(record.fragment.size(), overhead), m_ts);
        }
        return true;
    }
    std::uint8_t type = 0;
    ByteSpan plain;
    RecordDecryptor::Result result;
    if (pre && pre->protection == s.decryptor->protection() &&
        pre->seq == s.decryptor->sequence()) {
        s.decryptor->skip();
        ++r.openedAhead;
        result = pre->result;
        plain = pre->plaintext;
        type = pre->contentType;
    } else {
        if (!m_plain) m_plain = std::make_unique_for_overwrite<std::uint8_t[]>(kPlainScratch);
        // A record is never larger than the scratch (the reader refuses longer ones); the
        // plaintext views the scratch, which onContent consumes before the next record reuses it.
        result = s.decryptor->open(record, m_plain.get(), plain, type);
    }
    if (result != RecordDecryptor::Result::Ok) {
        ++r.failedRecords;
        ++s.failureStreak;
        const std::string why = fmt::format(
            "decryption failed at {} record {} ({})", directionName(dir), number,
            result == RecordDecryptor::Result::BadTag ? "bad tag" : "no content in the record");
        setOutcome(TlsDecryption::Failed, why);
        issue(dir, why);
        if (m_sink) {
            const std::size_t overhead = s.decryptor->overhead();
            m_sink->onPlaintextGap(
                dir, record.fragment.size() - std::min(record.fragment.size(), overhead), m_ts);
        }
        if (s.failureStreak >= kMaxFailureStreak) {
            s.gaveUp = true;
            issue(dir, fmt::format("{} failures in a row: the rest of {} is not decrypted",
                                   s.failureStreak, directionName(dir)));
        }
        return true;
    }
    s.failureStreak = 0;
    ++r.decryptedRecords;
    onContent(dir, type, plain, true);
    return true;
}

void TlsSession::onContent(Direction dir, std::uint8_t type, ByteSpan bytes, bool encrypted) {
    Side& s = side(dir);
    switch (static_cast<TlsContentType>(type)) {
        case TlsContentType::Handshake:
            s.handshake.feed(bytes, [this, dir, encrypted](const HandshakeMessage& msg) {
                onHandshake(dir, msg, encrypted);
            });
            return;
        case TlsContentType::ApplicationData:
            if (!encrypted) {
                issue(dir, "application data in the clear before the handshake ended");
                return;
            }
            dirReport(dir).plaintextBytes += bytes.size();
            if (m_sink && !bytes.empty()) m_sink->onPlaintext(dir, bytes, m_ts);
            return;
        case TlsContentType::Alert:
            for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) {
                TlsAlert alert{bytes[i], bytes[i + 1], encrypted};
                if (m_report.alerts.size() < 16)
                    m_report.alerts.emplace_back(static_cast<std::uint8_t>(dir), alert);
                if (m_sink) m_sink->onAlert(dir, alert, m_ts);
            }
            return;
        case TlsContentType::ChangeCipherSpec:
        case TlsContentType::Heartbeat:
            return;
    }
    issue(dir, fmt::format("record of unknown content type {}", tlsContentTypeName(type)));
}

void TlsSession::onHandshake(Direction dir, const HandshakeMessage& msg, bool encrypted) {
    if (msg.skipped) return;
    const bool fromClient = dir == Direction::ClientToServer;
    switch (static_cast<TlsHandshakeType>(msg.type)) {
        case TlsHandshakeType::ClientHello:
            if (fromClient && !encrypted) onClientHello(msg.body);
            return;
        case TlsHandshakeType::ServerHello:
            if (!fromClient && !encrypted) onServerHello(msg.body);
            return;
        case TlsHandshakeType::EncryptedExtensions: {
            if (fromClient || !encrypted) return;
            std::string error;
            if (auto ee = parseEncryptedExtensions(msg.body, error)) {
                m_report.alpnSelected = ee->alpn;
            } else {
                issue(dir, "EncryptedExtensions: " + error);
            }
            return;
        }
        case TlsHandshakeType::Finished:
            if (encrypted && m_report.version == kTls13) installTls13ApplicationKey(dir);
            return;
        case TlsHandshakeType::KeyUpdate:
            if (encrypted && m_report.version == kTls13) keyUpdate(dir);
            return;
        default:
            return;
    }
}

void TlsSession::onClientHello(ByteSpan body) {
    std::string error;
    auto hello = parseClientHello(body, error);
    if (!hello) {
        issue(Direction::ClientToServer, "ClientHello: " + error);
        return;
    }
    if (m_clientHello) {
        // The second ClientHello after a HelloRetryRequest keeps the random (RFC 8446 §4.1.2).
        if (hello->random != m_clientHello->random)
            issue(Direction::ClientToServer, "a second ClientHello with a different random");
        return;
    }
    m_report.clientHelloSeen = true;
    m_report.sni = hello->sni;
    m_report.alpnOffered = hello->alpn;
    if (!m_report.serverHelloSeen) m_report.version = hello->maxVersion();
    m_clientHello = std::make_unique<ClientHelloInfo>(std::move(*hello));
}

void TlsSession::onServerHello(ByteSpan body) {
    std::string error;
    auto hello = parseServerHello(body, error);
    if (!hello) {
        issue(Direction::ServerToClient, "ServerHello: " + error);
        return;
    }
    m_report.cipherSuite = hello->cipherSuite;
    m_report.cipherSuiteName = cipherSuiteName(hello->cipherSuite);
    m_report.version = hello->version();
    if (hello->helloRetryRequest) {
        m_report.helloRetryRequest = true;
        return;  // the real ServerHello follows the client's second ClientHello
    }
    if (m_report.serverHelloSeen) {
        issue(Direction::ServerToClient, "a second ServerHello (renegotiation is not decrypted)");
        return;
    }
    m_report.serverHelloSeen = true;
    m_report.alpnSelected = hello->alpn;
    m_report.alpnEncrypted = m_report.version == kTls13;
    if (m_clientHello) {
        m_report.extendedMasterSecret =
            m_clientHello->extendedMasterSecret && hello->extendedMasterSecret;
        m_report.resumed =
            m_report.version == kTls13
                ? hello->preSharedKey
                : !hello->sessionId.empty() && hello->sessionId == m_clientHello->sessionId;
    }
    m_serverHello = std::make_unique<ServerHelloInfo>(std::move(*hello));
    installKeys();
}

void TlsSession::installKeys() {
    // The first ServerHello's, not m_report.version: a later (refused) ServerHello changes that,
    // and a retry with late keys must derive what the first lookup would have.
    const std::uint16_t version = m_serverHello->version();
    if (version != kTls12 && version != kTls13) {
        setOutcome(TlsDecryption::UnsupportedVersion,
                   "unsupported version " + tlsProtocolName(version));
        return;
    }
    m_suite = findCipherSuite(m_serverHello->cipherSuite);
    if (!m_suite || m_suite->aead == TlsAead::None || m_suite->tls13 != (version == kTls13)) {
        m_suite = nullptr;
        setOutcome(TlsDecryption::UnsupportedCipherSuite,
                   "unsupported cipher suite " + m_report.cipherSuiteName);
        return;
    }
    if (!m_clientHello) {
        setOutcome(TlsDecryption::HandshakeMissing,
                   "ClientHello not in the capture: no client random to find keys by");
        return;
    }
    m_keyGeneration = m_keys->generation();
    const KeyLogSecrets* secrets = m_keys->find(m_clientHello->random);
    Side& client = side(Direction::ClientToServer);
    Side& server = side(Direction::ServerToClient);
    m_awaitingHandshakeKeys = false;
    if (version == kTls13) {
        if (!secrets || secrets->clientHandshakeSecret.empty() ||
            secrets->serverHandshakeSecret.empty()) {
            m_awaitingHandshakeKeys = true;
            setOutcome(TlsDecryption::NoKey,
                       secrets ? "no handshake traffic secrets for this client random"
                               : "no key for this client random");
            return;
        }
        client.secret = secrets->clientHandshakeSecret;
        server.secret = secrets->serverHandshakeSecret;
        client.decryptor = RecordDecryptor::forTls13(*m_suite, client.secret);
        server.decryptor = RecordDecryptor::forTls13(*m_suite, server.secret);
        client.appKeys = server.appKeys = false;
        client.hadKeys = server.hadKeys = true;
    } else {
        if (!secrets || secrets->masterSecret.size() != 48) {
            m_awaitingHandshakeKeys = true;
            setOutcome(TlsDecryption::NoKey, "no key for this client random");
            return;
        }
        const std::size_t keyLength = aeadKeyLength(m_suite->aead);
        const std::size_t ivLength = m_suite->aead == TlsAead::ChaCha20Poly1305 ? 12 : 4;
        Bytes seed(m_serverHello->random.begin(), m_serverHello->random.end());
        seed.insert(seed.end(), m_clientHello->random.begin(), m_clientHello->random.end());
        Bytes block;
        if (!tls12Prf(m_suite->hash, secrets->masterSecret, "key expansion", seed,
                      2 * keyLength + 2 * ivLength, block)) {
            setOutcome(TlsDecryption::Failed, "TLS 1.2 key derivation failed in libcrypto");
            return;
        }
        const ByteSpan b(block);
        client.pending = RecordDecryptor::forTls12(*m_suite, b.subspan(0, keyLength),
                                                   b.subspan(2 * keyLength, ivLength));
        server.pending = RecordDecryptor::forTls12(*m_suite, b.subspan(keyLength, keyLength),
                                                   b.subspan(2 * keyLength + ivLength, ivLength));
    }
    if ((version == kTls13 && (!client.decryptor || !server.decryptor)) ||
        (version == kTls12 && (!client.pending || !server.pending))) {
        setOutcome(TlsDecryption::Failed, "key setup failed in libcrypto");
        return;
    }
    // Keys that came late (growing key log): a TLS 1.2 side past its ChangeCipherSpec already.
    for (Side* s : {&client, &server}) {
        if (s->changedCipherSpec && !s->decryptor && s->pending) {
            s->decryptor = std::move(s->pending);
            s->hadKeys = true;
        }
    }
    setOutcome(TlsDecryption::Ok, {});
}

void TlsSession::installTls13ApplicationKey(Direction dir) {
    Side& s = side(dir);
    m_keyGeneration = m_keys->generation();
    const KeyLogSecrets* secrets = m_clientHello ? m_keys->find(m_clientHello->random) : nullptr;
    const Bytes* secret = nullptr;
    if (secrets) {
        secret = dir == Direction::ClientToServer ? &secrets->clientTrafficSecret0
                                                  : &secrets->serverTrafficSecret0;
    }
    if (!m_suite || !secret || secret->empty()) {
        s.decryptor.reset();
        s.awaitingKey = m_suite != nullptr;
        setOutcome(TlsDecryption::NoKey,
                   fmt::format("no {} for this client random", dir == Direction::ClientToServer
                                                                   ? "CLIENT_TRAFFIC_SECRET_0"
                                                                   : "SERVER_TRAFFIC_SECRET_0"));
        return;
    }
    s.awaitingKey = false;
    s.secret = *secret;
    s.decryptor = RecordDecryptor::forTls13(*m_suite, s.secret);
    s.appKeys = true;
    s.failureStreak = 0;
}

void TlsSession::keyUpdate(Direction dir) {
    Side& s = side(dir);
    ++dirReport(dir).keyUpdates;
    if (!m_suite || s.secret.empty()) return;
    Bytes next;
    if (!hkdfExpandLabel(m_suite->hash, s.secret, "traffic upd", {}, hashLength(m_suite->hash),
                         next)) {
        s.decryptor.reset();
        setOutcome(TlsDecryption::Failed, "KeyUpdate derivation failed in libcrypto");
        return;
    }
    s.secret = std::move(next);
    s.decryptor = RecordDecryptor::forTls13(*m_suite, s.secret);
}

}  // namespace h2lens
