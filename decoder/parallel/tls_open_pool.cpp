#include "parallel/tls_open_pool.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <system_error>

namespace h2lens {

TlsOpenPool::TlsOpenPool(unsigned workers) : m_workers(std::max(1u, workers)) {}

TlsOpenPool::~TlsOpenPool() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    for (auto& t : m_threads) t.join();
}

unsigned TlsOpenPool::workersFor(unsigned requested) {
    if (requested > 0) return std::min(requested, 64u);
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    return std::clamp(cores - 1, 1u, 4u);
}

bool TlsOpenPool::claim(TlsOpenJob& job) {
    std::uint32_t expected = kQueued;
    return job.state.compare_exchange_strong(expected, kRunning, std::memory_order_acq_rel);
}

void TlsOpenPool::finish(TlsOpenJob& job) {
    job.state.store(kDone, std::memory_order_release);
    job.state.notify_all();
}

void TlsOpenPool::submit(std::shared_ptr<TlsOpenJob> job) {
    ++m_submitted;
    {
        std::lock_guard lock(m_mutex);
        if (!m_started) {
            m_started = true;
            // A process out of threads (a container's pids limit) still decodes: with no
            // worker, wait() opens every record on the decoding thread.
            try {
                for (unsigned i = 0; i < m_workers; ++i)
                    m_threads.emplace_back([this] { workerLoop(); });
            } catch (const std::system_error&) {
            }
        }
        m_queue.push_back(std::move(job));
    }
    m_wake.notify_one();
}

bool TlsOpenPool::done(const TlsOpenJob& job) {
    return job.state.load(std::memory_order_acquire) == kDone;
}

std::shared_ptr<TlsOpenJob> TlsOpenPool::take() {
    std::lock_guard lock(m_mutex);
    if (m_queue.empty()) return nullptr;
    auto job = std::move(m_queue.front());
    m_queue.pop_front();
    return job;
}

void TlsOpenPool::wait(TlsOpenJob& job) {
    auto runHere = [this](TlsOpenJob& j) {
        j.run(m_callerOpeners.get(j.protection));
        ++m_openedByCaller;
        finish(j);
    };
    while (!done(job)) {
        if (claim(job)) return runHere(job);
        // A worker has it: open a later record meanwhile rather than sit idle.
        if (auto other = take()) {
            if (claim(*other)) runHere(*other);
            continue;
        }
        job.state.wait(kRunning, std::memory_order_acquire);
    }
}

void TlsOpenPool::workerLoop() {
    AeadOpenerCache openers;
    for (;;) {
        std::shared_ptr<TlsOpenJob> job;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stop || !m_queue.empty(); });
            if (m_queue.empty()) break;  // stopping, and nothing left
            job = std::move(m_queue.front());
            m_queue.pop_front();
        }
        if (!claim(*job)) continue;  // the decoding thread opened it
        job->run(openers.get(job->protection));
        finish(*job);
    }
    // libcrypto keeps per-thread state; release it before the thread goes (LeakSanitizer).
    OPENSSL_thread_stop();
}

}  // namespace h2lens
