#include "hpack/dynamic_table.h"

#include <algorithm>
#include <utility>

namespace h2lens {

namespace {
constexpr std::size_t kEntryOverhead = 32;
}

DynamicTable::DynamicTable(std::size_t cap) : m_cap(cap), m_ring(16) {}

void DynamicTable::clear() {
    for (std::size_t i = 0; i < m_count; ++i) m_ring[slot(i)] = DynamicEntry{};
    m_oldest = m_count = m_size = m_unknownNames = 0;
}

void DynamicTable::resetExact(std::uint32_t maxSize) {
    clear();
    m_maxSize = maxSize;
    m_maxExact = true;
    m_preCaptureBound = 0;
    m_droppedByCap = false;
}

void DynamicTable::resetUnknown(std::uint32_t maxUpperBound) {
    clear();
    m_maxSize = maxUpperBound;
    m_maxExact = false;
    m_preCaptureBound = maxUpperBound / kEntryOverhead;
    m_droppedByCap = false;
}

DynamicTable::Lookup DynamicTable::find(std::uint64_t dynamicIndex) const {
    Lookup r;
    if (dynamicIndex == 0) return r;
    if (dynamicIndex <= m_count) {
        r.found = Found::Entry;
        r.entry = &m_ring[slot(static_cast<std::size_t>(dynamicIndex - 1))];
    } else if (dynamicIndex - m_count <= m_preCaptureBound) {
        r.found = Found::PreCapture;
        r.preCapture = static_cast<std::size_t>(dynamicIndex - m_count);
    } else if (m_droppedByCap) {
        r.found = Found::DroppedByCap;
    }
    return r;
}

const DynamicEntry& DynamicTable::entry(std::size_t i) const {
    return m_ring[slot(i)];
}

std::size_t DynamicTable::evictionLimit() const {
    return std::min<std::size_t>(m_maxSize, m_cap);
}

void DynamicTable::popOldest() {
    DynamicEntry& e = m_ring[m_oldest];
    m_size -= e.size();
    if (!e.nameKnown) --m_unknownNames;
    e = DynamicEntry{};
    m_oldest = (m_oldest + 1) % m_ring.size();
    --m_count;
    // Pre-capture entries are older than any of ours: they went first.
    m_preCaptureBound = 0;
}

void DynamicTable::evict() {
    const std::size_t limit = evictionLimit();
    while (m_size > limit && m_count > 0) {
        // Above m_maxSize the peer evicted too; between the cap and m_maxSize only we did.
        if (m_size <= m_maxSize) m_droppedByCap = true;
        popOldest();
    }
    // Every entry takes at least 32 bytes, which bounds how many pre-capture ones still fit.
    const std::size_t room = m_maxSize > m_size ? m_maxSize - m_size : 0;
    m_preCaptureBound = std::min(m_preCaptureBound, room / kEntryOverhead);
}

void DynamicTable::insert(DynamicEntry entry) {
    const std::size_t size = entry.size();
    if (size > evictionLimit()) {
        // RFC 7541 section 4.4: an entry larger than the table empties it and is not added.
        if (size <= m_maxSize) m_droppedByCap = true;
        clear();
        m_preCaptureBound = 0;
        return;
    }
    if (m_count == m_ring.size()) {
        std::vector<DynamicEntry> grown(m_ring.size() * 2);
        for (std::size_t i = 0; i < m_count; ++i)
            grown[m_count - 1 - i] = std::move(m_ring[slot(i)]);
        m_ring = std::move(grown);
        m_oldest = 0;
    }
    if (!entry.nameKnown) ++m_unknownNames;
    m_size += size;
    m_ring[(m_oldest + m_count) % m_ring.size()] = std::move(entry);
    ++m_count;
    evict();
}

void DynamicTable::setMaxSize(std::uint32_t size) {
    m_maxSize = size;
    m_maxExact = true;
    evict();
}

void DynamicTable::lowerMaxSize(std::uint32_t bound) {
    m_maxSize = std::min(m_maxSize, bound);
    evict();
}

}  // namespace h2lens
