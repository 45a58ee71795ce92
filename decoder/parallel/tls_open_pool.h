#pragma once
// A TlsOpenService that opens TLS records on worker threads, so the decoding thread frames
// records and runs the HTTP/2 engine while another core decrypts (AES-GCM is more than half the
// CPU of a TLS decode). In decoder/parallel, the one decoder folder that starts threads. Workers start on the first
// record, so a capture without TLS keys never starts one. A decoding thread that waits for a
// record helps: it opens that record itself when no worker took it yet, or other queued ones
// while a worker finishes it.
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "tls/tls_open_job.h"

namespace h2lens {

class TlsOpenPool final : public TlsOpenService {
  public:
    explicit TlsOpenPool(unsigned workers);
    ~TlsOpenPool() override;
    TlsOpenPool(const TlsOpenPool&) = delete;
    TlsOpenPool& operator=(const TlsOpenPool&) = delete;

    void submit(std::shared_ptr<TlsOpenJob> job) override;
    bool done(const TlsOpenJob& job) override;
    void wait(TlsOpenJob& job) override;

    // Worker threads for `requested` (0: one fewer than the cores, at most 4; at least 1).
    static unsigned workersFor(unsigned requested);
    // For --stats: records submitted, and of those opened by the calling (decoding) thread.
    std::uint64_t openedByCaller() const { return m_openedByCaller; }
    std::uint64_t submitted() const { return m_submitted; }
    // Worker threads running (0 before the first record, or when none could be started: then
    // the decoding thread opens every record itself, in wait()).
    std::size_t runningWorkers() const { return m_threads.size(); }

  private:
    enum : std::uint32_t { kQueued = 0, kRunning = 1, kDone = 2 };
    static bool claim(TlsOpenJob& job);
    static void finish(TlsOpenJob& job);
    void workerLoop();
    // Takes the oldest queued job, or null.
    std::shared_ptr<TlsOpenJob> take();

    unsigned m_workers;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<std::shared_ptr<TlsOpenJob>> m_queue;
    bool m_stop = false;
    bool m_started = false;
    std::vector<std::thread> m_threads;
    AeadOpenerCache m_callerOpeners;  // the decoding thread's
    std::uint64_t m_openedByCaller = 0;
    std::uint64_t m_submitted = 0;
};

}  // namespace h2lens
