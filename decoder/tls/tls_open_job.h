#pragma once
// A TLS record opened ahead of its session, so that decryption (most of the CPU of a TLS
// decode) can run beside the rest of the pipeline. The session frames a record, guesses the key
// and sequence number it will open it with (TlsSession::settledProtection), and hands the job to
// a TlsOpenService; when the record's turn comes, the session uses the result only if its real
// key and sequence number are the guessed ones, and otherwise opens the record itself. So a
// guess can cost time, never correctness, and the output is the same as without a service.
//
// The decoding stages start no threads: the service is the caller's (decoder/parallel/ runs jobs on worker
// threads). Everything in a job is written by run() and read after the service says it is done.
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/bytes.h"
#include "tls/record_decryptor.h"

namespace h2lens {

struct TlsOpenJob {
    std::shared_ptr<const RecordProtection> protection;
    std::uint64_t seq = 0;
    Bytes record;  // header and fragment, owned

    // Set by run().
    RecordProtection::Result result = RecordProtection::Result::TooShort;
    std::uint8_t contentType = 0;
    std::unique_ptr<std::uint8_t[]> plainBuffer;
    ByteSpan plaintext;  // views plainBuffer

    // For the service: 0 queued, 1 running, 2 done (32 bits: std::atomic::wait on a futex).
    std::atomic<std::uint32_t> state{0};

    // Opens the record with an opener for `protection` (from the caller's AeadOpenerCache).
    void run(AeadOpener& opener);
    TlsRecord view() const;
};

// A whole record (header and fragment) as the reader would deliver it.
TlsRecord tlsRecordView(ByteSpan whole);

// AEAD contexts by key, for one thread: a job names its key, the thread reuses the context.
class AeadOpenerCache {
  public:
    AeadOpener& get(const std::shared_ptr<const RecordProtection>& protection);

  private:
    struct Entry {
        std::shared_ptr<const RecordProtection> protection;  // kept alive: no address reuse
        std::unique_ptr<AeadOpener> opener;
    };
    std::vector<Entry> m_entries;  // most recent last; a handful of keys at a time
    static constexpr std::size_t kMaxEntries = 16;
};

class TlsOpenService {
  public:
    virtual ~TlsOpenService() = default;
    virtual void submit(std::shared_ptr<TlsOpenJob> job) = 0;
    // True once the job has run (no blocking).
    virtual bool done(const TlsOpenJob& job) = 0;
    // Returns when the job has run: runs it on the calling thread if no worker took it yet.
    virtual void wait(TlsOpenJob& job) = 0;
};

}  // namespace h2lens
