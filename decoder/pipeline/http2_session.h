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

class DecodeBacklog;
class TlsHoldBudget;
class TlsOpenService;

class Http2SessionFactory : public FlowConsumerFactory {
  public:
    // `listener` receives every frame, stream, anomaly and connection summary. `keys` (may be
    // null; may grow while decoding, e.g. from pcapng DSBs) decrypts TLS connections.
    Http2SessionFactory(const Limits& limits, H2Listener* listener, const KeyLog* keys = nullptr);
    ~Http2SessionFactory() override;
    std::unique_ptr<FlowConsumer> create(const FlowRecord& record) override;

    // Opens TLS records ahead through `service` (null: on the decoding thread, as they come).
    // The listener hears the same events in the same order either way. Set it before the first
    // connection (std::logic_error after); the service must outlive the factory's last flush().
    // Work is held back at most `maxBytes` (records, bytes and the state they keep alive,
    // waiting for an earlier record to be opened).
    void setTlsOpenService(TlsOpenService* service, std::size_t maxBytes = kMaxBacklogBytes);
    static constexpr std::size_t kMaxBacklogBytes = 4 << 20;
    // Runs what is held back; the flow table calls it at the end of input. Call it before
    // changing anything the decode reads, e.g. before adding lines to the key log.
    void flush() override;

  private:
    const Limits* m_limits;
    H2Listener* m_listener;
    const KeyLog* m_keys;
    std::unique_ptr<DecodeBacklog> m_backlog;
    bool m_created = false;  // a session exists: the backlog may not change any more
    // Records waiting for keys, all connections together (Limits::maxTlsHeldBytesTotal).
    std::shared_ptr<TlsHoldBudget> m_tlsHold;
};

}  // namespace h2lens
