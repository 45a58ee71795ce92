#pragma once
// A LineScheduler that runs jobs on worker threads and delivers their results in submission
// order. `export --ndjson` uses it so one core decodes the capture while the others hash, base64
// and serialise finished streams; the output is byte for byte what a single thread writes. It
// lives in decoder/parallel, the one decoder folder that starts threads. Results are
// delivered as soon as they are next in order, by the worker that finished them (or the
// submitter of a text), so a live pipe gets each line when it is ready, not when the next stream
// happens to finish. Memory is bounded: submit()
// waits while the jobs and texts not yet delivered hold more than `maxCost` bytes, so a fast
// decoder never outruns the writers unbounded.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "export/line_scheduler.h"

namespace h2lens {

class OrderedWork final : public LineScheduler {
  public:
    // `idle` is true when nothing else is waiting to be delivered (a good moment to flush).
    using Deliver = std::function<void(const std::string& text, bool idle)>;

    // workers == 0 runs every job and delivery inline in submit(): the single-threaded reference.
    OrderedWork(unsigned workers, std::size_t maxCost, Deliver deliver);
    ~OrderedWork() override;
    OrderedWork(const OrderedWork&) = delete;
    OrderedWork& operator=(const OrderedWork&) = delete;

    // A job that `decodes` waits until no other decoding job is undelivered: memory stays what
    // one thread needs plus `maxCost`.
    void submit(Job job, std::size_t cost, bool decodes = false) override;
    // Text that needs no work but must keep its place in the order; its size counts as cost.
    void submitText(std::string text) override;
    // Waits until everything submitted is delivered. An exception thrown by a job or by the
    // delivery is rethrown here or from a later submit(), on the submitting thread; nothing
    // after the failed item is delivered. Destroying the object without finish() delivers
    // nothing more (no line is written after a hole).
    void finish() override;

    static constexpr unsigned kMaxWorkers = 64;
    // Worker threads for `requested`: 0 = one per core (at most 8), else at most kMaxWorkers.
    static unsigned workersFor(unsigned requested);

  private:
    struct Slot {
        Job job;
        std::string text;
        std::exception_ptr error;
        std::size_t cost = 0;
        bool decodes = false;
        bool started = false;
        bool done = false;
    };

    void workerLoop();
    // Delivers the done slots at the front, in order, unless another thread is doing so.
    void deliverReady(std::unique_lock<std::mutex>& lock);
    void rethrowIfFailed(std::unique_lock<std::mutex>& lock);

    Deliver m_deliver;
    std::size_t m_maxCost;
    std::mutex m_mutex;
    std::condition_variable m_workAvailable;  // workers: a job to start, or stopping
    std::condition_variable m_delivered;      // submitters: cost went down or all delivered
    std::deque<Slot> m_slots;                 // submission order; the front is the next to deliver
    std::size_t m_nextToStart = 0;            // index of the first slot not yet taken by a worker
    std::size_t m_costPending = 0;            // cost of the slots not yet delivered
    bool m_decodePending = false;             // a `decodes` job is not yet delivered
    bool m_delivering = false;      // a thread is delivering (holds a slot outside m_slots)
    bool m_deliveryFailed = false;  // a job or a delivery failed: deliver nothing more
    std::exception_ptr m_failure;
    bool m_stopping = false;
    std::vector<std::thread> m_threads;
};

}  // namespace h2lens
