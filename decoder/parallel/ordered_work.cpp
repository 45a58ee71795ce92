#include "parallel/ordered_work.h"

#include <algorithm>

namespace h2lens {

OrderedWork::OrderedWork(unsigned workers, std::size_t maxCost, Deliver deliver)
    : m_deliver(std::move(deliver)), m_maxCost(maxCost) {
    if (workers == 0) return;
    for (unsigned i = 0; i < workers; ++i) m_threads.emplace_back([this] { workerLoop(); });
}

OrderedWork::~OrderedWork() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_workAvailable.notify_all();
    for (auto& t : m_threads) t.join();
}

unsigned OrderedWork::workersFor(unsigned requested) {
    if (requested > 0) return std::min(requested, kMaxWorkers);
    // The decoding thread mostly waits on the workers, so one worker per core keeps all busy.
    return std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
}

void OrderedWork::rethrowIfFailed(std::unique_lock<std::mutex>& lock) {
    if (!m_failure) return;
    // The failure stays recorded: everything submitted later is dropped, and reported again.
    std::exception_ptr e = m_failure;
    lock.unlock();
    std::rethrow_exception(e);
}

void OrderedWork::submit(Job job, std::size_t cost, bool decodes) {
    if (m_threads.empty()) {
        m_deliver(job(), true);
        return;
    }
    std::unique_lock lock(m_mutex);
    // Never refuse the only job: one larger than the bound still runs, alone.
    m_delivered.wait(lock, [&] {
        if (m_failure) return true;
        if (decodes && m_decodePending) return false;
        return m_costPending == 0 || m_costPending + cost <= m_maxCost;
    });
    rethrowIfFailed(lock);
    Slot& s = m_slots.emplace_back();
    s.job = std::move(job);
    s.cost = cost;
    s.decodes = decodes;
    m_costPending += cost;
    if (decodes) m_decodePending = true;
    lock.unlock();
    m_workAvailable.notify_one();
}

void OrderedWork::submitText(std::string text) {
    if (m_threads.empty()) {
        m_deliver(text, true);
        return;
    }
    std::unique_lock lock(m_mutex);
    const std::size_t cost = text.size();
    m_delivered.wait(
        lock, [&] { return m_failure || m_costPending == 0 || m_costPending + cost <= m_maxCost; });
    rethrowIfFailed(lock);
    Slot& s = m_slots.emplace_back();
    s.text = std::move(text);
    s.cost = cost;
    m_costPending += cost;
    s.started = s.done = true;
    // Keep m_nextToStart on a slot that needs a worker (or at the end).
    if (m_nextToStart == m_slots.size() - 1) ++m_nextToStart;
    deliverReady(lock);
}

void OrderedWork::finish() {
    if (m_threads.empty()) return;
    std::unique_lock lock(m_mutex);
    m_delivered.wait(lock, [this] { return m_failure || (m_slots.empty() && !m_delivering); });
    rethrowIfFailed(lock);
}

void OrderedWork::deliverReady(std::unique_lock<std::mutex>& lock) {
    // One deliverer at a time keeps the order; it goes on while the next slot is done, so a slot
    // finished while it was writing is delivered by it, not left behind.
    if (m_delivering) return;
    m_delivering = true;
    while (!m_slots.empty() && m_slots.front().done && !m_stopping) {
        Slot s = std::move(m_slots.front());
        m_slots.pop_front();
        --m_nextToStart;  // the front was started, so this index was at least 1
        const bool idle = m_slots.empty();
        lock.unlock();
        std::exception_ptr error = s.error;
        // Nothing after a failure is delivered: later slots are only drained.
        if (!error && !m_deliveryFailed) {
            try {
                m_deliver(s.text, idle);
            } catch (...) {
                error = std::current_exception();
            }
        }
        lock.lock();
        m_costPending -= s.cost;
        if (s.decodes) m_decodePending = false;
        if (error && !m_failure && !m_deliveryFailed) m_failure = error;
        if (error) m_deliveryFailed = true;
        m_delivered.notify_all();
    }
    m_delivering = false;
    m_delivered.notify_all();
}

void OrderedWork::workerLoop() {
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_workAvailable.wait(lock, [this] { return m_stopping || m_nextToStart < m_slots.size(); });
        if (m_nextToStart >= m_slots.size()) return;  // stopping, nothing left to start
        const std::size_t index = m_nextToStart++;
        while (m_nextToStart < m_slots.size() && m_slots[m_nextToStart].started) ++m_nextToStart;
        // `slot` stays valid: a deque keeps references on push_back, and a slot leaves the front
        // only once done.
        Slot& slot = m_slots[index];
        slot.started = true;
        Job job = std::move(slot.job);
        // After a failure or on shutdown the job is skipped: its text would never be delivered.
        const bool skip = m_stopping || m_failure;
        lock.unlock();
        std::string text;
        std::exception_ptr error;
        if (!skip) {
            try {
                text = job();
            } catch (...) {
                error = std::current_exception();
            }
        }
        lock.lock();
        slot.text = std::move(text);
        slot.error = error;
        slot.done = true;
        // The worker that finishes the next slot in order writes it (and any done behind it):
        // no thread of its own to wake for each line.
        if (&slot == &m_slots.front()) deliverReady(lock);
    }
}

}  // namespace h2lens
