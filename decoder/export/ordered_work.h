#pragma once
// Runs text-producing jobs on worker threads and delivers their results in submission order.
// The export uses it so one core decodes the capture while the others hash, base64 and serialise
// finished streams; the output is byte for byte what a single thread writes. Results are
// delivered by a thread of their own as soon as they are next in order, so a live pipe gets each
// line when it is ready, not when the next stream happens to finish. Memory is bounded: submit()
// waits while the jobs not yet delivered hold more than `maxCost` (the caller's measure, e.g.
// body bytes), so a fast decoder never outruns the writers unbounded.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace h2lens {

class OrderedWork {
  public:
    using Job = std::function<std::string()>;
    // `idle` is true when nothing else is waiting to be delivered (a good moment to flush).
    using Deliver = std::function<void(const std::string& text, bool idle)>;

    // workers == 0 runs every job and delivery inline in submit(): the single-threaded reference.
    OrderedWork(unsigned workers, std::size_t maxCost, Deliver deliver);
    ~OrderedWork();
    OrderedWork(const OrderedWork&) = delete;
    OrderedWork& operator=(const OrderedWork&) = delete;

    void submit(Job job, std::size_t cost);
    // Text that needs no work but must keep its place in the order.
    void submitText(std::string text);
    // Waits until everything submitted is delivered. An exception thrown by a job or by the
    // delivery is rethrown here or from a later submit(), on the submitting thread; nothing
    // after the failed item is delivered.
    void finish();

    // Worker threads for `requested` (0 = one per core, at most 8).
    static unsigned workersFor(unsigned requested);

  private:
    struct Slot {
        Job job;
        std::string text;
        std::exception_ptr error;
        std::size_t cost = 0;
        bool started = false;
        bool done = false;
    };

    void workerLoop();
    void deliveryLoop();
    void rethrowIfFailed(std::unique_lock<std::mutex>& lock);

    Deliver m_deliver;
    std::size_t m_maxCost;
    std::mutex m_mutex;
    std::condition_variable m_workAvailable;  // workers: a job to start, or stopping
    std::condition_variable m_frontDone;      // delivery thread: the front slot finished
    std::condition_variable m_delivered;      // submitters: cost went down or all delivered
    std::deque<Slot> m_slots;                 // submission order; the front is the next to deliver
    std::size_t m_nextToStart = 0;            // index of the first slot not yet taken by a worker
    std::size_t m_costPending = 0;            // cost of the slots not yet delivered
    bool m_delivering = false;                // the delivery thread holds a slot outside m_slots
    std::exception_ptr m_failure;
    bool m_stopping = false;
    std::vector<std::thread> m_threads;
    std::thread m_deliveryThread;
};

}  // namespace h2lens
