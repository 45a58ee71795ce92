#pragma once
// Work the HTTP/2 sessions put off while a TLS record before it is being opened ahead by a
// TlsOpenService (see tls/tls_open_job.h). Sessions frame TLS records as their packets come;
// everything that follows such a record in capture order, on any connection, waits here and
// runs in the order it was posted once the record is open. So the engine, the listener and the
// output see exactly the sequence a decode without a service produces; only the work moves.
//
// Bounded: past maxBytes of held records and bytes, pump() waits for (or itself opens) the
// oldest record instead of taking more. Single-threaded like the rest of decoder/: only the
// service may use other threads.
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>

#include "tls/tls_open_job.h"

namespace h2lens {

class DecodeBacklog {
  public:
    DecodeBacklog(TlsOpenService& service, std::size_t maxBytes)
        : m_service(&service), m_maxBytes(maxBytes) {}

    // Nothing waits: work may run at once.
    bool idle() const { return m_items.empty(); }
    // Queues `work` behind what waits (`cost`: bytes it holds).
    void post(std::function<void()> work, std::size_t cost);
    // Submits `job` to the service and queues `work` to run once the job is done.
    void postAfter(std::shared_ptr<TlsOpenJob> job, std::function<void()> work, std::size_t cost);
    // Runs the work whose records are open, oldest first; waits while over the bound.
    void pump();
    // Runs everything (end of input, or before the caller changes what the work reads).
    void flush();

    // Counted for every item on top of its cost: the queued function and its slot.
    static constexpr std::size_t kItemOverhead = 128;

  private:
    struct Item {
        std::shared_ptr<TlsOpenJob> job;  // null: ready
        std::function<void()> work;
        std::size_t cost = 0;
    };
    void run(bool all);

    TlsOpenService* m_service;
    std::size_t m_maxBytes;
    std::size_t m_bytes = 0;
    std::deque<Item> m_items;
    bool m_running = false;
};

}  // namespace h2lens
