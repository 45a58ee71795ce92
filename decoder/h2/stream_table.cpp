#include "h2/stream_table.h"

#include <algorithm>

namespace h2lens {

bool applyEndStream(StreamRecord& s, bool fromClient) {
    switch (s.state) {
        case StreamState::Open:
        case StreamState::Idle:
            s.state = fromClient ? StreamState::HalfClosedLocal : StreamState::HalfClosedRemote;
            return false;
        case StreamState::HalfClosedLocal:
            return !fromClient;
        case StreamState::HalfClosedRemote:
            return fromClient;
        default:
            return false;
    }
}

StreamRecord* StreamTable::find(std::uint32_t id) {
    auto it = m_open.find(id);
    return it == m_open.end() ? nullptr : &it->second;
}

StreamRecord& StreamTable::obtain(std::uint32_t id, bool& created) {
    auto [it, inserted] = m_open.try_emplace(id);
    created = inserted;
    if (inserted) it->second.id = id;
    return it->second;
}

void StreamTable::erase(std::uint32_t id) {
    auto it = m_open.find(id);
    if (it == m_open.end()) return;
    m_heldHeaderBytes -= it->second.heldHeaderBytes;
    m_open.erase(it);
}

void StreamTable::holdHeaders(StreamRecord& s, const HeaderBlock& block) {
    const std::size_t bytes = heldBytes(block);
    s.heldHeaderBytes += bytes;
    m_heldHeaderBytes += bytes;
}

StreamRecord* StreamTable::oldestExcept(std::uint32_t keep) {
    auto it = m_open.begin();
    if (it != m_open.end() && it->first == keep) ++it;
    return it == m_open.end() ? nullptr : &it->second;
}

void StreamTable::noteOpened(int initiator, std::uint32_t id) {
    m_highest[initiator] = std::max(m_highest[initiator], id);
}

void StreamTable::noteReset(std::uint32_t id, Direction by) {
    m_resetBy[id] = by;
    if (m_resetBy.size() > kMaxResetKept) m_resetBy.erase(m_resetBy.begin());
}

void StreamTable::noteCut(std::uint32_t id) {
    m_cut.insert(id);
    if (m_cut.size() > kMaxResetKept) m_cut.erase(m_cut.begin());
}

std::optional<Direction> StreamTable::resetBy(std::uint32_t id) const {
    auto it = m_resetBy.find(id);
    if (it == m_resetBy.end()) return std::nullopt;
    return it->second;
}

}  // namespace h2lens
