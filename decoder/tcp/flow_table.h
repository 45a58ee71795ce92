#pragma once
// The bidirectional flow table: TCP segments in, per-connection in-order byte streams out.
// Each connection gets a FlowConsumer (from the factory) that receives its bytes, gaps and
// notable TCP events in capture order. Memory is bounded by Limits::maxFlows (least recently
// active connections are evicted, and counted) and by the per-direction reassembly caps.
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <unordered_map>
#include <vector>

#include "common/limits.h"
#include "net/tcp_segment.h"
#include "tcp/flow_key.h"
#include "tcp/flow_record.h"
#include "tcp/tcp_reassembler.h"

namespace h2lens {

// Segments that matter to a protocol engineer reading a timeline; in-order data is not one.
struct TcpEvent {
    enum class Kind : std::uint8_t {
        Syn,
        Fin,
        Rst,
        Retransmission,
        PartialOverlap,
        OutOfOrder,
        Gap,
        OverlapMismatch,
        DataAfterFin,
    };
    Kind kind;
    Direction dir;
    TimestampNs ts;
    std::uint64_t packet;  // 0 for gaps declared without a packet of their own
    std::uint64_t offset;
    std::uint64_t length;
};
std::string_view tcpEventName(TcpEvent::Kind k);

class FlowConsumer {
  public:
    virtual ~FlowConsumer() = default;
    virtual void onData(Direction dir, std::uint64_t offset, ByteSpan data, TimestampNs ts,
                        std::uint64_t packet) = 0;
    virtual void onGap(Direction dir, std::uint64_t offset, std::uint64_t length,
                       TimestampNs ts) = 0;
    virtual void onTcpEvent(const TcpEvent&) {}
    // Last call: the connection ended (or the capture did). `record` is final.
    virtual void onEnd(const FlowRecord& record) = 0;
};

class FlowConsumerFactory {
  public:
    virtual ~FlowConsumerFactory() = default;
    // Called when the connection's roles are known, before its first byte. May return null.
    virtual std::unique_ptr<FlowConsumer> create(const FlowRecord& record) = 0;
    // Consumers may put work off (see pipeline/decode_backlog.h): run it now. The flow table
    // calls it once every connection has ended at finish().
    virtual void flush() {}
};

struct FlowTableStats {
    std::uint64_t segments = 0;
    std::uint64_t flows = 0;
    std::uint64_t evictedFlows = 0;
    std::uint64_t liveFlowsPeak = 0;
};

class FlowTable {
  public:
    FlowTable(const Limits& limits, FlowConsumerFactory* factory);
    ~FlowTable();
    FlowTable(const FlowTable&) = delete;
    FlowTable& operator=(const FlowTable&) = delete;

    void addSegment(const TcpSegment& segment);
    // Lets the consumers catch up (FlowConsumerFactory::flush).
    void flush();
    // End of capture: every open connection delivers what it buffered and ends.
    void finish(TimestampNs ts);

    // Every connection seen so far, by id.
    const std::deque<FlowRecord>& records() const { return m_records; }
    const FlowTableStats& stats() const { return m_stats; }
    std::size_t liveFlows() const { return m_live.size(); }

  private:
    struct Live;
    Live& liveFor(const FlowKey& key, const TcpSegment& seg);
    Live& lookup(const FlowKey& key, const TcpSegment& seg, bool pureSyn);
    Live& createLive(const FlowKey& key, const TcpSegment& seg);
    void decideRoles(Live& live, const TcpSegment& seg);
    void endFlow(Live& live, FlowEnd end, TimestampNs ts);
    void evictOldest(TimestampNs ts);

    const Limits* m_limits;
    FlowConsumerFactory* m_factory;
    // Out-of-order bytes buffered by every live direction (TcpReassembler's shared count);
    // declared before m_live, whose reassemblers give their share back when destroyed.
    std::size_t m_outOfOrderBytes = 0;
    std::deque<FlowRecord> m_records;
    std::unordered_map<FlowKey, std::unique_ptr<Live>, FlowKeyHash> m_live;
    std::list<FlowKey> m_lru;  // front = most recently active
    // Consecutive packets mostly belong to one connection: skip the hash lookup for them.
    FlowKey m_lastKey;
    Live* m_lastLive = nullptr;
    FlowTableStats m_stats;
};

}  // namespace h2lens
