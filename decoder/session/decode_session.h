#pragma once
// One decode of one capture, set up the same way for every command, the GUI and live mode: the
// key log (read once, or followed while a client still writes it), the TLS secrets a pcapng
// carries, TLS records opened on other cores, the Analyzer and the HTTP/2 sessions behind it.
// Callers hand it packets (or a file to read to the end) and a listener; the order of the
// events the listener hears does not depend on how the session was driven.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "capture/packet.h"
#include "capture/packet_source.h"
#include "common/issue.h"
#include "common/limits.h"
#include "h2/h2_listener.h"
#include "pipeline/analyzer.h"
#include "tls/key_log.h"
#include "tls/key_log_file.h"

namespace h2lens {

class Http2SessionFactory;
class SecretsFeed;
class TlsOpenPool;

struct SessionOptions {
    Limits limits;
    // NSS key log (SSLKEYLOGFILE). Read whole when the session is made (an unreadable file
    // throws std::runtime_error), unless followKeyLog.
    std::string keyLogPath;
    // The key log is still being written (a live capture): pollKeyLog() reads what was appended,
    // a missing file is not an error, and TLS sessions keep records whose keys have not arrived
    // yet. TLS records are then opened in turn (a record opened ahead could not wait for keys).
    bool followKeyLog = false;
    // Client randoms kept from a followed key log: a browser that runs for days writes one per
    // connection, and the connections they serve are short-lived next to it.
    static constexpr std::size_t kMaxFollowedRandoms = 65536;
    // Threads that open TLS records while the decoding thread goes on: -1 one fewer than the
    // cores (at most 4) on a machine with two or more, 0 none, N that many (at most 64).
    int tlsThreads = -1;
};

struct SessionRunResult {
    double seconds = 0;
    std::uint64_t fileBytes = 0;
    std::uint64_t issues = 0;  // capture and decode problems reported through the hook
    bool cancelled = false;
    // Reading stopped early: the rest of the file could not be read (PacketSource::readFailed).
    bool readFailed = false;
};

struct SessionRunHooks {
    // Every problem found in the capture or the decode, oldest first (may be empty).
    std::function<void(const Issue&)> issue;
    // Called every few thousand packets with bytes read so far and the file's size (0: unknown).
    std::function<void(std::uint64_t read, std::uint64_t total)> progress;
    // Polled between packets; the run ends early (without finish()) once it is set.
    const std::atomic<bool>* cancel = nullptr;
};

// What the listener was told, counted on the way (exit codes and "nothing matched" messages).
struct SessionTally {
    std::uint64_t frames = 0;
    std::uint64_t streams = 0;
    std::uint64_t anomalies = 0;
    std::uint64_t connections = 0;  // connections ended (every TCP connection ends once)
};

class DecodeSession {
  public:
    static constexpr std::size_t kMaxFollowedRandoms = SessionOptions::kMaxFollowedRandoms;

    // HTTP/2: every frame, stream, anomaly and connection summary goes to `listener`. `wrap`
    // (optional) puts a decorator between the analyzer and the HTTP/2 sessions (the GUI records
    // TCP events there); what it returns must outlive the session.
    using FactoryWrapper = std::function<FlowConsumerFactory&(FlowConsumerFactory& http2)>;
    DecodeSession(const SessionOptions& options, H2Listener& listener,
                  const FactoryWrapper& wrap = {});
    // TCP only: each connection's byte streams go to `consumers` (null: flow records only).
    // There is nothing to decrypt, so a key log or TLS threads are refused (std::logic_error).
    DecodeSession(const SessionOptions& options, FlowConsumerFactory* consumers);
    ~DecodeSession();
    DecodeSession(const DecodeSession&) = delete;
    DecodeSession& operator=(const DecodeSession&) = delete;

    // One packet. `source` (may be null) is where it came from: secrets its pcapng carries are
    // added to the key log first, since a Decryption Secrets Block comes before its packets.
    void ingest(const Packet& packet, const PacketSource* source = nullptr);
    // End of input: a followed key log is read a last time, then every connection is flushed.
    void finish();
    // Problems found since the last call, oldest first (Analyzer::takeIssues).
    std::vector<Issue> takeIssues();
    void addIssue(Issue issue);

    // Reads `path` ("-": standard input) to the end: every packet, then finish(). Throws
    // CaptureError when it is not a capture, std::exception for other environment problems.
    SessionRunResult run(const std::string& path, const SessionRunHooks& hooks = {});

    // Followed key log (followKeyLog): reads the lines appended since the last poll; `final`
    // takes a last line without its newline. Missing when there is no followed file.
    KeyLogFile::Status pollKeyLog(bool final = false);
    const KeyLogFile* keyLogFile() const { return m_keyLogFile ? &*m_keyLogFile : nullptr; }

    Analyzer& analyzer() { return *m_analyzer; }
    const Analyzer& analyzer() const { return *m_analyzer; }
    const AnalyzerStats& stats() const { return m_analyzer->stats(); }
    const KeyLog& keys() const { return m_keys; }
    // Every key log line accepted from now on is appended to `*journal` (KeyLog::setJournal).
    void journalKeys(std::string* journal) { m_keys.setJournal(journal); }
    const SessionTally& tally() const { return m_tally.counts; }
    // The TLS thread pool, when the session has one (for --stats).
    const TlsOpenPool* tlsPool() const { return m_tlsPool.get(); }

  private:
    struct Tally final : H2Listener {
        H2Listener* next = nullptr;
        SessionTally counts;
        void onFrame(const FrameEvent& e) override {
            ++counts.frames;
            next->onFrame(e);
        }
        void onStreamDone(const ConnectionInfo& c, const StreamRecord& s) override {
            ++counts.streams;
            next->onStreamDone(c, s);
        }
        void onAnomaly(const ConnectionInfo& c, const Anomaly& a) override {
            ++counts.anomalies;
            next->onAnomaly(c, a);
        }
        void onConnectionDone(const ConnectionInfo& c, const ConnectionSummary& s) override {
            ++counts.connections;
            next->onConnectionDone(c, s);
        }
    };

    // The stages keep a pointer to their Limits: the session's own copy outlives them, whatever
    // became of the SessionOptions it was made with (often a temporary).
    Limits m_limits;
    Tally m_tally;
    KeyLog m_keys;
    std::optional<KeyLogFile> m_keyLogFile;
    std::unique_ptr<TlsOpenPool> m_tlsPool;  // outlives the factory's last flush()
    std::unique_ptr<Http2SessionFactory> m_http2;
    std::unique_ptr<Analyzer> m_analyzer;
    std::unique_ptr<SecretsFeed> m_secrets;
    bool m_finished = false;
};

// Worker threads for SessionOptions::tlsThreads on this machine (0: none).
unsigned tlsWorkersFor(int tlsThreads);

}  // namespace h2lens
