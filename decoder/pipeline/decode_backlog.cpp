#include "pipeline/decode_backlog.h"

#include <utility>

namespace h2lens {

void DecodeBacklog::post(std::function<void()> work, std::size_t cost) {
    cost += kItemOverhead;
    m_bytes += cost;
    m_items.push_back(Item{nullptr, std::move(work), cost});
}

void DecodeBacklog::postAfter(std::shared_ptr<TlsOpenJob> job, std::function<void()> work,
                              std::size_t cost) {
    m_service->submit(job);
    cost += kItemOverhead;
    m_bytes += cost;
    m_items.push_back(Item{std::move(job), std::move(work), cost});
}

void DecodeBacklog::pump() {
    run(false);
}

void DecodeBacklog::flush() {
    run(true);
}

void DecodeBacklog::run(bool all) {
    // Work never posts work, but a listener might end up here again: the outer call finishes.
    if (m_running) return;
    m_running = true;
    // A listener that throws (an output error) leaves the backlog usable for the caller's
    // cleanup: the item that threw is gone, the rest waits.
    struct Reset {
        bool& flag;
        ~Reset() { flag = false; }
    } reset{m_running};
    while (!m_items.empty()) {
        Item& head = m_items.front();
        if (head.job && !m_service->done(*head.job)) {
            if (!all && m_bytes <= m_maxBytes) break;
            m_service->wait(*head.job);
        }
        Item item = std::move(head);
        m_items.pop_front();
        m_bytes -= item.cost;
        item.work();
    }
}

}  // namespace h2lens
