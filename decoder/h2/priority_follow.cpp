#include "h2/priority_follow.h"

#include <algorithm>
#include <set>

namespace h2lens {

std::string_view prioritySchemeName(PriorityScheme s) {
    switch (s) {
        case PriorityScheme::None:
            return "none";
        case PriorityScheme::Rfc7540:
            return "rfc7540";
        case PriorityScheme::Rfc9218:
            return "rfc9218";
    }
    return "?";
}

void PriorityFollow::responseStarted(std::uint32_t stream, TimestampNs ts) {
    if (m_responseStart.size() < PriorityTree::kMaxNodes) m_responseStart.try_emplace(stream, ts);
}

void PriorityFollow::serverData(std::uint32_t stream, std::uint32_t length, TimestampNs ts) {
    if (m_data.size() >= kMaxDataFrames) {
        ++m_cut;
        return;
    }
    m_data.push_back(DataFrame{ts, stream, length});
}

PriorityFollowResult PriorityFollow::measure(const PriorityTree& tree,
                                             const std::vector<FlowStall>& stalls) const {
    PriorityFollowResult r;
    r.framesCut = m_cut;
    if (tree.sawRfc9218() && (!tree.sawRfc7540() || tree.serverNoRfc7540())) {
        r.scheme = PriorityScheme::Rfc9218;
    } else if (tree.sawRfc7540()) {
        r.scheme = PriorityScheme::Rfc7540;
    }
    // The last DATA frame of each stream: a stream is ready until then.
    std::map<std::uint32_t, std::size_t> last;
    for (std::size_t i = 0; i < m_data.size(); ++i) last[m_data[i].stream] = i;
    std::map<std::uint32_t, std::vector<const FlowStall*>> serverStalls;
    for (const FlowStall& s : stalls) {
        if (s.sender == Direction::ServerToClient && s.streamId != 0) {
            serverStalls[s.streamId].push_back(&s);
        }
    }
    auto stalledAt = [&](std::uint32_t stream, TimestampNs ts) {
        auto it = serverStalls.find(stream);
        if (it == serverStalls.end()) return false;
        return std::any_of(it->second.begin(), it->second.end(), [&](const FlowStall* s) {
            return s->start <= ts && (!s->end || ts < *s->end);
        });
    };
    // Streams by the time their response started, to add them to `pending` as time passes.
    std::vector<std::pair<TimestampNs, std::uint32_t>> starts;
    for (const auto& [id, ts] : m_responseStart) {
        if (last.count(id)) starts.emplace_back(ts, id);
    }
    std::sort(starts.begin(), starts.end());
    std::size_t nextStart = 0;
    std::set<std::uint32_t> pending;
    PriorityTree asked;  // the tree replayed up to each frame's time
    const auto& history = tree.history();
    std::size_t nextChange = 0;
    auto urgency = [&](std::uint32_t id) {
        const PriorityNode* n = asked.find(id);
        return n ? n->urgency.urgency : Rfc9218Priority{}.urgency;
    };
    for (std::size_t i = 0; i < m_data.size(); ++i) {
        const DataFrame& f = m_data[i];
        while (nextChange < history.size() && history[nextChange].ts <= f.ts) {
            asked.apply(history[nextChange++]);
        }
        while (nextStart < starts.size() && starts[nextStart].first <= f.ts) {
            pending.insert(starts[nextStart++].second);
        }
        r.dataBytes += f.length;
        // Bounded work per frame whatever the capture: at most kMaxCompared ready streams are
        // compared (RFC 9218), at most kMaxDepth ancestors walked (RFC 7540).
        bool contended = false, outOfOrder = false;
        std::size_t compared = 0;
        for (std::uint32_t x : pending) {
            if (++compared > kMaxCompared) break;
            if (x == f.stream || stalledAt(x, f.ts)) continue;
            contended = true;
            if (r.scheme != PriorityScheme::Rfc9218) break;
            if (urgency(x) < urgency(f.stream)) {
                outOfOrder = true;
                break;
            }
        }
        if (contended && r.scheme == PriorityScheme::Rfc7540) {
            const PriorityNode* n = asked.find(f.stream);
            for (std::size_t depth = 0; n && n->parent != 0 && depth < kMaxDepth; ++depth) {
                if (pending.count(n->parent) && !stalledAt(n->parent, f.ts)) {
                    outOfOrder = true;
                    break;
                }
                n = asked.find(n->parent);
            }
        }
        if (contended) r.contendedBytes += f.length;
        if (outOfOrder) r.outOfOrderBytes += f.length;
        if (last[f.stream] == i) pending.erase(f.stream);
    }
    return r;
}

}  // namespace h2lens
