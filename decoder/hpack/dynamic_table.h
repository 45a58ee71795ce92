#pragma once
// The HPACK dynamic table of one direction (RFC 7541 section 2.3.2 and 4), extended for
// captures that begin mid-connection.
//
// Exact mode (capture saw the connection start): a FIFO of entries evicted by size, as the RFC
// says, but never holding more than Limits::maxHpackTableSize bytes whatever the peer announces.
//
// Mid-capture mode: the table held entries we never saw. The invariant kept is
//     the peer's real table == a prefix of (our known entries, newest first,
//                                           followed by the unseen pre-capture entries)
// Entries are evicted here only when the eviction is certain (size sums use lower bounds, the
// maximum size an upper bound), so every index that is valid for the peer resolves to the right
// entry, or to a pre-capture entry whose text we do not know. Pre-capture entries are numbered
// from the newest one (#1); new insertions and evictions never renumber them, since they are
// always the oldest and are evicted from their old end. An entry added with a name taken from a
// pre-capture entry has an unknown name, so its size is only a lower bound.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace h2lens {

struct DynamicEntry {
    std::string name, value;
    bool nameKnown = true;
    std::string unknownRef;  // identity of the pre-capture entry the name came from

    // RFC 7541 section 4.1 size; a lower bound when the name is unknown.
    std::size_t size() const { return name.size() + value.size() + 32; }
};

class DynamicTable {
  public:
    enum class Found : std::uint8_t {
        Entry,         // one of our entries
        PreCapture,    // an entry inserted before the capture began; text unknown
        DroppedByCap,  // we evicted it early because of the local cap
        Missing,       // not in the table: the encoder (or our state) is wrong
    };
    struct Lookup {
        Found found = Found::Missing;
        const DynamicEntry* entry = nullptr;  // Found::Entry
        std::size_t preCapture = 0;           // Found::PreCapture: 1 = newest pre-capture entry
    };

    // cap: Limits::maxHpackTableSize.
    explicit DynamicTable(std::size_t cap);

    // Empty table of exactly maxSize (a connection seen from its start).
    void resetExact(std::uint32_t maxSize);
    // Unknown pre-capture content; the maximum size is at most maxUpperBound.
    void resetUnknown(std::uint32_t maxUpperBound);

    // dynamicIndex: 1 = newest (HPACK index 62).
    Lookup find(std::uint64_t dynamicIndex) const;
    void insert(DynamicEntry entry);
    // A dynamic table size update: the maximum is exact from now on.
    void setMaxSize(std::uint32_t size);
    // The maximum is known to be at most bound (exactness unchanged).
    void lowerMaxSize(std::uint32_t bound);

    std::size_t entries() const { return m_count; }  // known entries (not pre-capture ones)
    const DynamicEntry& entry(std::size_t i) const;  // 0 = newest
    std::size_t size() const { return m_size; }      // lower bound unless sizeExact()
    bool sizeExact() const { return m_unknownNames == 0 && m_preCaptureBound == 0; }
    std::uint32_t maxSize() const { return m_maxSize; }  // upper bound unless maxSizeExact()
    bool maxSizeExact() const { return m_maxExact; }
    std::size_t preCaptureBound() const { return m_preCaptureBound; }  // at most this many left
    bool droppedByCap() const { return m_droppedByCap; }

  private:
    std::size_t slot(std::size_t i) const { return (m_oldest + m_count - 1 - i) % m_ring.size(); }
    std::size_t evictionLimit() const;
    void popOldest();
    void evict();
    void clear();

    std::size_t m_cap;
    std::vector<DynamicEntry> m_ring;  // circular; grows by doubling
    std::size_t m_oldest = 0;
    std::size_t m_count = 0;
    std::size_t m_size = 0;
    std::size_t m_unknownNames = 0;
    std::uint32_t m_maxSize = 4096;
    bool m_maxExact = true;
    std::size_t m_preCaptureBound = 0;
    bool m_droppedByCap = false;
};

}  // namespace h2lens
