#include "h2/priority_tree.h"

namespace h2lens {

std::string_view prioritySourceName(PrioritySource s) {
    switch (s) {
        case PrioritySource::HeadersFrame:
            return "HEADERS";
        case PrioritySource::PriorityFrame:
            return "PRIORITY";
        case PrioritySource::IdleParent:
            return "idle parent";
        case PrioritySource::RequestHeader:
            return "priority header";
        case PrioritySource::PriorityUpdate:
            return "PRIORITY_UPDATE";
        case PrioritySource::ResponseHeader:
            return "response priority header";
    }
    return "?";
}

PriorityNode* PriorityTree::node(std::uint32_t stream) {
    auto it = m_nodes.find(stream);
    if (it != m_nodes.end()) return &it->second;
    if (m_nodes.size() >= kMaxNodes) return nullptr;
    return &m_nodes[stream];
}

const PriorityNode* PriorityTree::find(std::uint32_t stream) const {
    auto it = m_nodes.find(stream);
    return it == m_nodes.end() ? nullptr : &it->second;
}

bool PriorityTree::isAncestor(std::uint32_t ancestor, std::uint32_t stream) const {
    if (ancestor == stream) return false;
    // Bounded: the tree has no cycles, but never trust that blindly, and a chain built by a
    // hostile client must not make every signal slow.
    std::size_t steps = 0;
    for (const PriorityNode* n = find(stream); n && steps < kMaxDepth; ++steps) {
        if (n->parent == ancestor) return true;
        if (n->parent == 0) return false;
        n = find(n->parent);
    }
    return ancestor == 0;
}

void PriorityTree::record(const PriorityChange& c) {
    if (m_history.size() < kMaxHistory) {
        m_history.push_back(c);
    } else {
        ++m_historyCut;
    }
}

void PriorityTree::open(std::uint32_t stream) {
    if (stream != 0 && signalled() && !node(stream)) ++m_dropped;
}

void PriorityTree::place(std::uint32_t stream, std::uint32_t parent, std::uint16_t weight,
                         bool exclusive) {
    PriorityNode* n = node(stream);
    if (!n) return;
    // §5.3.3: a new parent inside the stream's own subtree first moves up to the stream's
    // former parent, with its weight.
    if (parent != 0 && isAncestor(stream, parent)) {
        const std::uint32_t former = n->parent;
        m_nodes[parent].parent = former;
    }
    if (exclusive) {
        for (auto& [id, other] : m_nodes) {
            if (id != stream && other.parent == parent) other.parent = stream;
        }
    }
    n = &m_nodes[stream];
    n->parent = parent;
    n->weight = weight;
    n->exclusive = exclusive;
    n->rfc7540 = true;
}

bool PriorityTree::depend(TimestampNs ts, std::uint32_t stream, const PriorityFields& f,
                          PrioritySource source) {
    if (stream == 0) return true;
    if (f.dependency == stream) return false;
    m_saw7540 = true;
    PriorityChange c;
    c.ts = ts;
    c.stream = stream;
    c.source = source;
    c.parent = f.dependency;
    c.weight = static_cast<std::uint16_t>(f.weight + 1);
    c.exclusive = f.exclusive;
    c.ignored = m_noRfc7540;
    if (c.ignored) {
        open(stream);
        record(c);
        return true;
    }
    if (f.dependency != 0 && !find(f.dependency)) {
        if (!node(f.dependency)) {
            ++m_dropped;
            return true;
        }
        PriorityChange idle;
        idle.ts = ts;
        idle.stream = f.dependency;
        idle.source = PrioritySource::IdleParent;
        record(idle);
    }
    if (!find(stream) && !node(stream)) {
        ++m_dropped;
        return true;
    }
    record(c);
    place(stream, c.parent, c.weight, c.exclusive);
    return true;
}

bool PriorityTree::prioritize(TimestampNs ts, std::uint32_t stream, std::string_view fieldValue,
                              PrioritySource source) {
    if (stream == 0) return true;
    const auto p = parsePriorityField(fieldValue);
    if (!p) return false;
    PriorityNode* n = node(stream);
    if (!n) {
        ++m_dropped;
        return true;
    }
    if (source != PrioritySource::ResponseHeader) m_saw9218 = true;
    PriorityChange c;
    c.ts = ts;
    c.stream = stream;
    c.source = source;
    c.urgency = *p;
    record(c);
    apply9218(*n, c);
    return true;
}

void PriorityTree::apply9218(PriorityNode& n, const PriorityChange& c) {
    if (c.source == PrioritySource::ResponseHeader) {
        n.serverApplied = c.urgency;
    } else {
        n.urgency = c.urgency;
        n.rfc9218 = true;
    }
}

void PriorityTree::apply(const PriorityChange& c) {
    switch (c.source) {
        case PrioritySource::IdleParent:
            if (!node(c.stream)) ++m_dropped;
            break;
        case PrioritySource::HeadersFrame:
        case PrioritySource::PriorityFrame:
            m_saw7540 = true;
            if (c.ignored) {
                open(c.stream);
            } else {
                if (c.parent != 0 && !find(c.parent)) open(c.parent);
                place(c.stream, c.parent, c.weight, c.exclusive);
            }
            break;
        case PrioritySource::RequestHeader:
        case PrioritySource::PriorityUpdate:
        case PrioritySource::ResponseHeader:
            if (c.source != PrioritySource::ResponseHeader) m_saw9218 = true;
            if (PriorityNode* n = node(c.stream)) apply9218(*n, c);
            break;
    }
    record(c);
}

PriorityTree PriorityTree::at(const std::vector<PriorityChange>& history, TimestampNs ts) {
    PriorityTree t;
    for (const PriorityChange& c : history) {
        if (c.ts > ts) continue;
        t.apply(c);
    }
    return t;
}

}  // namespace h2lens
