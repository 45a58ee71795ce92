#include "models/priority_details.h"

#include <fmt/format.h>

#include "models/timeline_data.h"

namespace h2lens::gui {

namespace {

std::string changeText(const PriorityChange& c) {
    std::string what;
    switch (c.source) {
        case PrioritySource::HeadersFrame:
        case PrioritySource::PriorityFrame:
        case PrioritySource::IdleParent:
            what = fmt::format("weight {} on {}{}", c.weight,
                               c.parent == 0 ? "root" : std::to_string(c.parent),
                               c.exclusive ? ", exclusive" : "");
            break;
        case PrioritySource::RequestHeader:
        case PrioritySource::PriorityUpdate:
        case PrioritySource::ResponseHeader:
            what = fmt::format("urgency {}{}", c.urgency.urgency,
                               c.urgency.incremental ? ", incremental" : "");
            break;
    }
    return fmt::format(
        "{}: {}{}", prioritySourceName(c.source), what,
        c.ignored ? " (ignored: the server sent SETTINGS_NO_RFC7540_PRIORITIES)" : "");
}

}  // namespace

std::optional<PriorityDetails> priorityDetails(const ConnectionData& conn, const StreamData& stream,
                                               TimestampNs base) {
    const std::uint32_t id = stream.rec.id;
    const PriorityTree& tree = conn.summary.priorities;
    const PriorityNode* node = conn.done ? tree.find(id) : nullptr;
    const std::optional<StreamPriority> asked = streamPriority(conn, &stream, id);
    if (!asked) return std::nullopt;
    const StreamPriority& p = *asked;
    PriorityDetails d;
    d.summary = priorityText(p);
    if (node && p.rfc7540) {
        // The path from the root, as far as the tree knows it.
        std::string path = std::to_string(id);
        std::uint32_t up = node->parent;
        for (int hops = 0; up != 0 && hops < 64; ++hops) {
            path = std::to_string(up) + " → " + path;
            const PriorityNode* n = tree.find(up);
            if (!n) break;
            up = n->parent;
        }
        d.summary += fmt::format("; tree: root → {}", path);
        std::string kids;
        for (const auto& [sid, n] : tree.nodes()) {
            if (n.parent == id && sid != id)
                kids += fmt::format("{}{}", kids.empty() ? "" : ", ", sid);
        }
        if (!kids.empty()) d.summary += fmt::format("; children {}", kids);
    }
    if (node && node->serverApplied) {
        d.summary += fmt::format("; server applied urgency {}{}", node->serverApplied->urgency,
                                 node->serverApplied->incremental ? ", incremental" : "");
    }
    if (conn.done) {
        for (const PriorityChange& c : tree.history()) {
            if (c.stream != id) continue;
            d.changes.push_back(
                fmt::format("{:.6f} s  {}", static_cast<double>(c.ts - base) / 1e9, changeText(c)));
        }
        if (tree.historyCut() > 0)
            d.changes.push_back(
                fmt::format("(history cut: {} later changes not kept)", tree.historyCut()));
    }
    return d;
}

}  // namespace h2lens::gui
