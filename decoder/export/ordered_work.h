#pragma once
// Runs text-producing jobs on worker threads and hands their results back in submission order,
// on the submitting thread. The export uses it so one core decodes the capture while the others
// hash, base64 and serialise finished streams; the output is byte for byte what a single thread
// writes. Memory is bounded: submit() waits while the jobs in flight hold more than `maxCost`
// (the caller's measure, e.g. body bytes), so a fast decoder never outruns the writers unbounded.
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
    using Deliver = std::function<void(const std::string&)>;

    // workers == 0 runs every job inline in submit(): the single-threaded reference behaviour.
    OrderedWork(unsigned workers, std::size_t maxCost, Deliver deliver);
    ~OrderedWork();
    OrderedWork(const OrderedWork&) = delete;
    OrderedWork& operator=(const OrderedWork&) = delete;

    void submit(Job job, std::size_t cost);
    // Text that needs no work but must keep its place in the order.
    void submitText(std::string text);
    // Waits for every job and delivers what is left. An exception thrown by a job is rethrown
    // here or from a later submit(), on the submitting thread.
    void finish();

    // Worker threads for `requested` (0 = one per core beyond the caller's, at least one).
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
    // Delivers finished slots at the front; with `wait`, blocks until the front one finishes.
    void deliverReady(std::unique_lock<std::mutex>& lock, bool wait);

    Deliver m_deliver;
    std::size_t m_maxCost;
    std::mutex m_mutex;
    std::condition_variable m_workAvailable;
    std::condition_variable m_slotDone;
    std::deque<Slot> m_slots;       // submission order; the front is the next to deliver
    std::size_t m_nextToStart = 0;  // index into m_slots of the first job not yet taken
    std::size_t m_costInFlight = 0;
    bool m_stopping = false;
    std::vector<std::thread> m_threads;
};

}  // namespace h2lens
