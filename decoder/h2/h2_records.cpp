#include "h2/h2_records.h"

#include "h2/h2_listener.h"

namespace h2lens {

void PeerSettings::apply(const Setting& s) {
    switch (s.id) {
        case 0x1: headerTableSize = s.value; break;
        case 0x2: enablePush = s.value; break;
        case 0x3: maxConcurrentStreams = s.value; break;
        case 0x4: initialWindowSize = s.value; break;
        case 0x5: maxFrameSize = s.value; break;
        case 0x6: maxHeaderListSize = s.value; break;
        default: break;
    }
}

std::string_view HeaderBlock::value(std::string_view name) const {
    for (const auto& f : fields) {
        if (f.nameKnown && f.name == name) return f.value;
    }
    return {};
}

std::size_t heldBytes(const HeaderBlock& block) {
    std::size_t bytes = sizeof(HeaderBlock) + block.fields.capacity() * sizeof(HeaderField);
    // Short strings live inside HeaderField; longer ones are allocated beside it.
    for (const HeaderField& f : block.fields)
        bytes += f.name.capacity() + f.value.capacity() + f.unknownRef.capacity();
    return bytes;
}

std::string_view streamStateName(StreamState s) {
    switch (s) {
        case StreamState::Idle: return "idle";
        case StreamState::ReservedLocal: return "reserved (local)";
        case StreamState::ReservedRemote: return "reserved (remote)";
        case StreamState::Open: return "open";
        case StreamState::HalfClosedLocal: return "half-closed (local)";
        case StreamState::HalfClosedRemote: return "half-closed (remote)";
        case StreamState::Closed: return "closed";
    }
    return "?";
}

StreamState mirroredState(StreamState s) {
    switch (s) {
        case StreamState::ReservedLocal: return StreamState::ReservedRemote;
        case StreamState::ReservedRemote: return StreamState::ReservedLocal;
        case StreamState::HalfClosedLocal: return StreamState::HalfClosedRemote;
        case StreamState::HalfClosedRemote: return StreamState::HalfClosedLocal;
        default: return s;
    }
}

std::string_view streamEndName(StreamEnd e) {
    switch (e) {
        case StreamEnd::Incomplete: return "incomplete";
        case StreamEnd::Complete: return "complete";
        case StreamEnd::ResetByClient: return "reset-by-client";
        case StreamEnd::ResetByServer: return "reset-by-server";
        case StreamEnd::RefusedByGoaway: return "refused-by-goaway";
    }
    return "?";
}

std::string_view detectionName(Http2Detection d) {
    switch (d) {
        case Http2Detection::None: return "none";
        case Http2Detection::PriorKnowledge: return "h2c";
        case Http2Detection::Upgrade: return "h2c-upgrade";
        case Http2Detection::MidStream: return "h2-midstream";
        case Http2Detection::Tls: return "tls";
        case Http2Detection::Http1: return "http/1.1";
        case Http2Detection::NotHttp: return "not-http";
    }
    return "?";
}

}  // namespace h2lens
