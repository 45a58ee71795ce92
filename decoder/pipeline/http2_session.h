#pragma once
// Per TCP connection: finds out what it carries (HTTP/2 prior knowledge, h2c Upgrade, TLS,
// HTTP/1.x, mid-connection HTTP/2, something else) and feeds the HTTP/2 connection engine.
// Bytes that arrive before the decision are held (bounded) and replayed.
#include <memory>

#include "common/limits.h"
#include "h2/connection_engine.h"
#include "tcp/flow_table.h"
#include "tls/key_log.h"

namespace h2lens {

class Http2SessionFactory : public FlowConsumerFactory {
public:
    // `listener` receives every frame, stream, anomaly and connection summary. `keys` (may be
    // null; may grow while decoding, e.g. from pcapng DSBs) decrypts TLS connections.
    Http2SessionFactory(const Limits& limits, H2Listener* listener, const KeyLog* keys = nullptr)
        : m_limits(&limits), m_listener(listener), m_keys(keys) {}
    std::unique_ptr<FlowConsumer> create(const FlowRecord& record) override;

private:
    const Limits* m_limits;
    H2Listener* m_listener;
    const KeyLog* m_keys;
};

}  // namespace h2lens
