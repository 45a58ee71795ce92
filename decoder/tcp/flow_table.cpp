#include "tcp/flow_table.h"

#include <algorithm>
#include <optional>

#include "tcp/role_detection.h"

namespace h2lens {

std::string_view roleEvidenceName(RoleEvidence r) {
    switch (r) {
        case RoleEvidence::Syn:
            return "syn";
        case RoleEvidence::SynAck:
            return "syn-ack";
        case RoleEvidence::Http2Preface:
            return "http2-preface";
        case RoleEvidence::HttpRequest:
            return "http1-request";
        case RoleEvidence::HttpResponse:
            return "http1-response";
        case RoleEvidence::HigherPort:
            return "higher-port";
    }
    return "?";
}

std::string_view flowEndName(FlowEnd e) {
    switch (e) {
        case FlowEnd::Open:
            return "open";
        case FlowEnd::Fin:
            return "fin";
        case FlowEnd::ClientFinOnly:
            return "client-fin-only";
        case FlowEnd::ServerFinOnly:
            return "server-fin-only";
        case FlowEnd::ResetByClient:
            return "rst-by-client";
        case FlowEnd::ResetByServer:
            return "rst-by-server";
        case FlowEnd::Evicted:
            return "evicted";
    }
    return "?";
}

std::string_view tcpEventName(TcpEvent::Kind k) {
    switch (k) {
        case TcpEvent::Kind::Syn:
            return "SYN";
        case TcpEvent::Kind::Fin:
            return "FIN";
        case TcpEvent::Kind::Rst:
            return "RST";
        case TcpEvent::Kind::Retransmission:
            return "retransmission";
        case TcpEvent::Kind::PartialOverlap:
            return "partial-retransmission";
        case TcpEvent::Kind::OutOfOrder:
            return "out-of-order";
        case TcpEvent::Kind::Gap:
            return "gap";
        case TcpEvent::Kind::OverlapMismatch:
            return "overlap-mismatch";
        case TcpEvent::Kind::DataAfterFin:
            return "data-after-fin";
    }
    return "?";
}

// Side 0 sends from key.lo to key.hi, side 1 the other way.
struct FlowTable::Live {
    FlowKey key;
    std::size_t recordIndex = 0;
    std::array<std::unique_ptr<TcpReassembler>, 2> reassembler;
    std::array<std::uint64_t, 2> packets{};
    std::array<std::uint64_t, 2> payloadBytes{};
    std::array<std::optional<std::uint32_t>, 2> isn;
    std::array<bool, 2> fin{};
    std::array<bool, 2> rst{};
    std::optional<FlowEnd> resetBy;
    bool rolesKnown = false;
    bool clientIsLo = false;
    bool ended = false;
    std::unique_ptr<FlowConsumer> consumer;
    std::list<FlowKey>::iterator lru;

    Direction dirOf(int side) const {
        return (side == 0) == clientIsLo ? Direction::ClientToServer : Direction::ServerToClient;
    }
};

namespace {

class SideSink final : public ReassemblySink {
  public:
    SideSink(FlowConsumer* consumer, Direction dir) : m_consumer(consumer), m_dir(dir) {}
    void onBytes(std::uint64_t offset, ByteSpan data, TimestampNs ts,
                 std::uint64_t packet) override {
        if (m_consumer) m_consumer->onData(m_dir, offset, data, ts, packet);
    }
    void onGap(std::uint64_t offset, std::uint64_t length, TimestampNs ts) override {
        if (!m_consumer) return;
        m_consumer->onTcpEvent(TcpEvent{TcpEvent::Kind::Gap, m_dir, ts, 0, offset, length});
        m_consumer->onGap(m_dir, offset, length, ts);
    }
    void onOverlapMismatch(std::uint64_t offset, std::uint64_t length,
                           std::uint64_t packet) override {
        if (m_consumer) {
            m_consumer->onTcpEvent(
                TcpEvent{TcpEvent::Kind::OverlapMismatch, m_dir, 0, packet, offset, length});
        }
    }

  private:
    FlowConsumer* m_consumer;
    Direction m_dir;
};

}  // namespace

FlowTable::FlowTable(const Limits& limits, FlowConsumerFactory* factory)
    : m_limits(&limits), m_factory(factory) {}

FlowTable::~FlowTable() = default;

FlowTable::Live& FlowTable::createLive(const FlowKey& key, const TcpSegment& seg) {
    if (m_live.size() >= m_limits->maxFlows) evictOldest(seg.ts);
    auto live = std::make_unique<Live>();
    live->key = key;
    live->recordIndex = m_records.size();
    live->reassembler[0] = std::make_unique<TcpReassembler>(*m_limits, &m_outOfOrderBytes);
    live->reassembler[1] = std::make_unique<TcpReassembler>(*m_limits, &m_outOfOrderBytes);
    FlowRecord& rec = m_records.emplace_back();
    rec.id = m_stats.flows++;
    rec.firstPacket = seg.packetNumber;
    rec.firstTs = seg.ts;
    m_lru.push_front(key);
    live->lru = m_lru.begin();
    Live& ref = *live;
    m_live[key] = std::move(live);
    if (m_live.size() > m_stats.liveFlowsPeak) m_stats.liveFlowsPeak = m_live.size();
    return ref;
}

FlowTable::Live& FlowTable::liveFor(const FlowKey& key, const TcpSegment& seg) {
    const bool pureSyn = (seg.flags & tcpflag::Syn) && !(seg.flags & tcpflag::Ack);
    if (m_lastLive && !pureSyn && key == m_lastKey) {
        if (m_lru.begin() != m_lastLive->lru) m_lru.splice(m_lru.begin(), m_lru, m_lastLive->lru);
        return *m_lastLive;
    }
    Live& live = lookup(key, seg, pureSyn);
    m_lastKey = key;
    m_lastLive = &live;
    return live;
}

FlowTable::Live& FlowTable::lookup(const FlowKey& key, const TcpSegment& seg, bool pureSyn) {
    auto it = m_live.find(key);
    if (it == m_live.end()) return createLive(key, seg);
    Live& live = *it->second;
    if (pureSyn) {
        const int side = seg.src == key.lo ? 0 : 1;
        const bool sameSyn = live.isn[side] && *live.isn[side] == seg.seq;
        if (!sameSyn) {
            // The 4-tuple is reused by a new connection: the old one is over.
            if (!live.ended) {
                FlowRecord& rec = m_records[live.recordIndex];
                FlowEnd end = live.resetBy.value_or(FlowEnd::Open);
                if (!live.resetBy && rec.clientFin && rec.serverFin) end = FlowEnd::Fin;
                endFlow(live, end, seg.ts);
            }
            m_lru.erase(live.lru);
            if (m_lastLive == &live) m_lastLive = nullptr;
            m_live.erase(it);
            return createLive(key, seg);
        }
    }
    m_lru.splice(m_lru.begin(), m_lru, live.lru);
    return live;
}

void FlowTable::decideRoles(Live& live, const TcpSegment& seg) {
    FlowRecord& rec = m_records[live.recordIndex];
    const int side = seg.src == live.key.lo ? 0 : 1;
    std::optional<bool> senderIsClient;
    const bool syn = seg.flags & tcpflag::Syn;
    const bool ack = seg.flags & tcpflag::Ack;
    if (syn && !ack) {
        senderIsClient = true;
        rec.roleEvidence = RoleEvidence::Syn;
    } else if (syn && ack) {
        senderIsClient = false;
        rec.roleEvidence = RoleEvidence::SynAck;
    } else if (!seg.payload.empty()) {
        if (startsWithHttp2Preface(seg.payload)) {
            senderIsClient = true;
            rec.roleEvidence = RoleEvidence::Http2Preface;
        } else if (startsWithHttpRequestLine(seg.payload)) {
            senderIsClient = true;
            rec.roleEvidence = RoleEvidence::HttpRequest;
        } else if (startsWithHttpStatusLine(seg.payload)) {
            senderIsClient = false;
            rec.roleEvidence = RoleEvidence::HttpResponse;
        }
    }
    if (!senderIsClient) {
        // Called with a segment that proves nothing: fall back to the ephemeral-port rule.
        if (seg.payload.empty() && !syn) return;
        rec.roleEvidence = RoleEvidence::HigherPort;
        const Endpoint& src = seg.src;
        const Endpoint& dst = seg.dst;
        senderIsClient = src.port != dst.port ? src.port > dst.port : !(src < dst);
    }
    const bool senderIsLo = side == 0;
    live.clientIsLo = (*senderIsClient == senderIsLo);
    live.rolesKnown = true;
    rec.client = live.clientIsLo ? live.key.lo : live.key.hi;
    rec.server = live.clientIsLo ? live.key.hi : live.key.lo;
    if (m_factory) live.consumer = m_factory->create(rec);
}

void FlowTable::addSegment(const TcpSegment& seg) {
    ++m_stats.segments;
    const FlowKey key = FlowKey::of(seg.src, seg.dst);
    Live& live = liveFor(key, seg);
    FlowRecord& rec = m_records[live.recordIndex];
    rec.lastTs = seg.ts;
    const int side = seg.src == key.lo ? 0 : 1;
    ++live.packets[side];
    live.payloadBytes[side] += seg.payload.size();
    // After its own RST a side has nothing more to say; the other side may still talk (a server
    // often sends its last frames after the client's RST, and they belong in the transcript).
    if (live.ended || live.rst[side]) return;

    const bool syn = seg.flags & tcpflag::Syn;
    const bool fin = seg.flags & tcpflag::Fin;
    const bool rst = seg.flags & tcpflag::Rst;
    if (syn) {
        live.isn[side] = seg.seq;
        live.reassembler[side]->onSyn(seg.seq);
        if (!(seg.flags & tcpflag::Ack)) rec.handshakeSeen = true;
    }
    if (!live.rolesKnown && (syn || !seg.payload.empty())) decideRoles(live, seg);

    FlowConsumer* consumer = live.consumer.get();
    if (!live.rolesKnown) {
        // Only bare ACKs so far: nothing to deliver, but keep sequence state.
        SideSink none(nullptr, Direction::ClientToServer);
        live.reassembler[side]->addSegment(syn ? seg.seq + 1 : seg.seq, seg.payload, fin, seg.ts,
                                           seg.packetNumber, none);
        if (seg.flags & tcpflag::Ack) live.reassembler[1 - side]->onPeerAck(seg.ack, seg.ts, none);
        return;
    }
    const Direction dir = live.dirOf(side);
    SideSink sink(consumer, dir);
    const SegmentClass cls = live.reassembler[side]->addSegment(
        syn ? seg.seq + 1 : seg.seq, seg.payload, fin, seg.ts, seg.packetNumber, sink);
    if (consumer) {
        auto event = [&](TcpEvent::Kind k) {
            consumer->onTcpEvent(TcpEvent{k, dir, seg.ts, seg.packetNumber, 0, seg.payload.size()});
        };
        switch (cls) {
            case SegmentClass::Retransmission:
            case SegmentClass::BeforeStart:
                event(TcpEvent::Kind::Retransmission);
                break;
            case SegmentClass::PartialOverlap:
                event(TcpEvent::Kind::PartialOverlap);
                break;
            case SegmentClass::OutOfOrder:
                event(TcpEvent::Kind::OutOfOrder);
                break;
            case SegmentClass::AfterFin:
                event(TcpEvent::Kind::DataAfterFin);
                break;
            default:
                break;
        }
        if (syn) event(TcpEvent::Kind::Syn);
        if (fin) event(TcpEvent::Kind::Fin);
        if (rst) event(TcpEvent::Kind::Rst);
    }
    if (seg.flags & tcpflag::Ack) {
        SideSink peerSink(consumer, opposite(dir));
        live.reassembler[1 - side]->onPeerAck(seg.ack, seg.ts, peerSink);
    }
    if (fin) {
        live.fin[side] = true;
        (dir == Direction::ClientToServer ? rec.clientFin : rec.serverFin) = true;
    }
    if (rst) {
        live.rst[side] = true;
        if (!live.resetBy) {
            live.resetBy =
                dir == Direction::ClientToServer ? FlowEnd::ResetByClient : FlowEnd::ResetByServer;
        }
        live.reassembler[side]->flush(seg.ts, sink);
    }
    auto done = [&live](int s) {
        return live.rst[s] || (live.fin[s] && live.reassembler[s]->finReached());
    };
    if (done(0) && done(1)) endFlow(live, live.resetBy.value_or(FlowEnd::Fin), seg.ts);
}

void FlowTable::endFlow(Live& live, FlowEnd end, TimestampNs ts) {
    if (live.ended) return;
    FlowRecord& rec = m_records[live.recordIndex];
    if (!live.rolesKnown) {
        // Never carried a byte: name the roles by the port rule so the record is complete.
        live.clientIsLo =
            live.key.lo.port != live.key.hi.port ? live.key.lo.port > live.key.hi.port : false;
        live.rolesKnown = true;
        rec.client = live.clientIsLo ? live.key.lo : live.key.hi;
        rec.server = live.clientIsLo ? live.key.hi : live.key.lo;
        // Consumers hear of every connection the table lists, also those of bare ACKs or a
        // lone FIN (a capture's only packet of a connection, port 0 included).
        if (m_factory) live.consumer = m_factory->create(rec);
    }
    for (int side = 0; side < 2; ++side) {
        const Direction dir = live.dirOf(side);
        SideSink sink(live.consumer.get(), dir);
        live.reassembler[side]->flush(ts, sink);
        DirectionStats& ds = rec.stats(dir);
        ds.packets = live.packets[side];
        ds.payloadBytes = live.payloadBytes[side];
        ds.reassembly = live.reassembler[side]->stats();
    }
    rec.end = end;
    live.ended = true;
    if (live.consumer) live.consumer->onEnd(rec);
    live.consumer.reset();
    // Keep the entry (so late ACKs do not start a phantom connection) but drop its buffers.
    live.reassembler[0] = std::make_unique<TcpReassembler>(*m_limits, &m_outOfOrderBytes);
    live.reassembler[1] = std::make_unique<TcpReassembler>(*m_limits, &m_outOfOrderBytes);
}

void FlowTable::evictOldest(TimestampNs ts) {
    if (m_lru.empty()) return;
    const FlowKey key = m_lru.back();
    auto it = m_live.find(key);
    if (it != m_live.end()) {
        if (!it->second->ended) {
            ++m_stats.evictedFlows;
            endFlow(*it->second, FlowEnd::Evicted, ts);
        }
        if (m_lastLive == it->second.get()) m_lastLive = nullptr;
        m_live.erase(it);
    }
    m_lru.pop_back();
}

void FlowTable::finish(TimestampNs ts) {
    // In id order, so consumers see connections end deterministically.
    std::vector<Live*> open;
    for (auto& [key, live] : m_live) {
        if (!live->ended) open.push_back(live.get());
    }
    std::sort(open.begin(), open.end(),
              [](const Live* a, const Live* b) { return a->recordIndex < b->recordIndex; });
    for (Live* live : open) {
        const FlowRecord& rec = m_records[live->recordIndex];
        FlowEnd end = FlowEnd::Open;
        if (live->resetBy)
            end = *live->resetBy;
        else if (rec.clientFin && rec.serverFin)
            end = FlowEnd::Fin;
        else if (rec.clientFin)
            end = FlowEnd::ClientFinOnly;
        else if (rec.serverFin)
            end = FlowEnd::ServerFinOnly;
        endFlow(*live, end, ts);
    }
    flush();
}

void FlowTable::flush() {
    if (m_factory) m_factory->flush();
}

}  // namespace h2lens
