#include "export/ordered_work.h"

#include <algorithm>

namespace h2lens {

OrderedWork::OrderedWork(unsigned workers, std::size_t maxCost, Deliver deliver)
    : m_deliver(std::move(deliver)), m_maxCost(maxCost) {
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
    if (requested > 0) return requested;
    const unsigned cores = std::thread::hardware_concurrency();
    // The decoding thread mostly waits on the workers, so one worker per core keeps all busy.
    return std::clamp(cores, 1u, 8u);
}

void OrderedWork::submit(Job job, std::size_t cost) {
    if (m_threads.empty()) {
        m_deliver(job());
        return;
    }
    std::unique_lock lock(m_mutex);
    // Never refuse the only job: one larger than the bound still runs, alone.
    while (!m_slots.empty() && m_costInFlight + cost > m_maxCost) deliverReady(lock, true);
    deliverReady(lock, false);
    Slot& s = m_slots.emplace_back();
    s.job = std::move(job);
    s.cost = cost;
    m_costInFlight += cost;
    lock.unlock();
    m_workAvailable.notify_one();
}

void OrderedWork::submitText(std::string text) {
    if (m_threads.empty()) {
        m_deliver(text);
        return;
    }
    std::unique_lock lock(m_mutex);
    deliverReady(lock, false);
    if (m_slots.empty()) {
        lock.unlock();
        m_deliver(text);
        return;
    }
    Slot& s = m_slots.emplace_back();
    s.text = std::move(text);
    s.started = s.done = true;
    if (m_nextToStart == m_slots.size() - 1) ++m_nextToStart;
}

void OrderedWork::finish() {
    std::unique_lock lock(m_mutex);
    while (!m_slots.empty()) deliverReady(lock, true);
}

void OrderedWork::deliverReady(std::unique_lock<std::mutex>& lock, bool wait) {
    if (wait && !m_slots.empty() && !m_slots.front().done) {
        m_slotDone.wait(lock, [this] { return m_slots.front().done; });
    }
    while (!m_slots.empty() && m_slots.front().done) {
        Slot s = std::move(m_slots.front());
        m_slots.pop_front();
        --m_nextToStart;
        m_costInFlight -= s.cost;
        // Deliver without the lock, so workers go on while the text is written.
        lock.unlock();
        if (s.error) {
            lock.lock();
            std::rethrow_exception(s.error);
        }
        m_deliver(s.text);
        lock.lock();
    }
}

void OrderedWork::workerLoop() {
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_workAvailable.wait(lock, [this] { return m_stopping || m_nextToStart < m_slots.size(); });
        if (m_nextToStart >= m_slots.size()) {
            if (m_stopping) return;
            continue;
        }
        const std::size_t index = m_nextToStart++;
        while (m_nextToStart < m_slots.size() && m_slots[m_nextToStart].started) ++m_nextToStart;
        Slot& slot = m_slots[index];
        slot.started = true;
        Job job = std::move(slot.job);
        lock.unlock();
        std::string text;
        std::exception_ptr error;
        try {
            text = job();
        } catch (...) {
            error = std::current_exception();
        }
        lock.lock();
        // `slot` is still valid: a deque keeps references on push_back, and a slot leaves the
        // front only once done.
        slot.text = std::move(text);
        slot.error = error;
        slot.done = true;
        m_slotDone.notify_all();
    }
}

}  // namespace h2lens
