#pragma once
// Per TCP connection: finds out what it carries (HTTP/2 prior knowledge, h2c Upgrade, TLS,
// HTTP/1.x, mid-connection HTTP/2, something else) and feeds the HTTP/2 connection engine.
// Bytes that arrive before the decision are held (bounded) and replayed.
#include <memory>

#include "common/limits.h"
#include "h2/connection_engine.h"
#include "tcp/flow_table.h"

namespace h2lens {

class Http2SessionFactory : public FlowConsumerFactory {
public:
    // `listener` receives every frame, stream, anomaly and connection summary.
    Http2SessionFactory(const Limits& limits, H2Listener* listener)
        : m_limits(&limits), m_listener(listener) {}
    std::unique_ptr<FlowConsumer> create(const FlowRecord& record) override;

private:
    const Limits* m_limits;
    H2Listener* m_listener;
};

}  // namespace h2lens
