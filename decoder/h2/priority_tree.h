#pragma once
// The priorities one connection's client asked for, rebuilt as a server would (RFC 9113 §5.3,
// which deprecates but keeps RFC 7540 §5.3's scheme, and RFC 9218's extensible priorities):
//
// * RFC 7540 §5.3 dependency tree: every stream starts with the default priority (parent 0,
//   weight 16, §5.3.5). HEADERS with the PRIORITY flag and PRIORITY frames set parent, weight
//   (wire 0-255 = weight 1-256) and the exclusive flag: an exclusive insertion makes the new
//   stream the only child of its parent and the former children its own (§5.3.1). Depending on
//   a stream not in the tree (idle, or closed and forgotten) creates that stream as an idle node
//   with the default priority (§5.3.4, as nghttp2 does). Reprioritising moves the stream with its
//   subtree; when the new parent is a descendant, that parent first moves up to the stream's
//   former parent, keeping its weight (§5.3.3). A stream depending on itself changes nothing
//   (RFC 9113 §5.3.1: a stream error; the engine reports the anomaly).
// * RFC 9218: urgency 0-7 (default 3) and incremental (default false), from the `priority`
//   request header and PRIORITY_UPDATE frames (§7.1, for request and push streams alike); a
//   response's `priority` header is what the server says it applied (§5), kept beside it.
// * SETTINGS_NO_RFC7540_PRIORITIES = 1 from the server (RFC 9218 §2.1): later RFC 7540 signals
//   are recorded in the history (marked ignored) but do not change the tree.
//
// Every change is kept with its time (the history), so the tree can be rebuilt at any moment.
// Streams stay in the tree after they close (a server may keep them, §5.3.4; dependencies on them
// keep working). Memory is bounded: at most kMaxNodes streams (signals for more are counted, not
// applied) and kMaxHistory changes (later ones are applied but not recorded: `historyCut` counts
// them, and a tree rebuilt from the history after that point is the one at the cut).
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "common/bytes.h"
#include "common/direction.h"
#include "h2/frame.h"
#include "h2/priority_signal.h"

namespace h2lens {

enum class PrioritySource : std::uint8_t {
    HeadersFrame,    // HEADERS with the PRIORITY flag (RFC 7540 §6.2)
    PriorityFrame,   // PRIORITY (RFC 7540 §6.3)
    IdleParent,      // created with the default priority as another stream's parent (§5.3.4)
    RequestHeader,   // `priority` request header (RFC 9218 §5)
    PriorityUpdate,  // PRIORITY_UPDATE (RFC 9218 §7.1)
    ResponseHeader,  // `priority` response header (RFC 9218 §5): what the server applied
};
std::string_view prioritySourceName(PrioritySource s);

// One stream's place and parameters.
struct PriorityNode {
    std::uint32_t parent = 0;
    std::uint16_t weight = 16;  // RFC value, 1-256
    bool exclusive = false;     // of the last RFC 7540 signal that placed it
    bool rfc7540 = false;       // an RFC 7540 signal named it (not only the defaults)
    Rfc9218Priority urgency;    // RFC 9218 parameters asked for (defaults until a signal)
    bool rfc9218 = false;       // a `priority` header or PRIORITY_UPDATE named it
    std::optional<Rfc9218Priority> serverApplied;  // from the response's `priority` header
};

// One change, in capture order.
struct PriorityChange {
    TimestampNs ts = 0;
    std::uint32_t stream = 0;
    PrioritySource source = PrioritySource::PriorityFrame;
    // RFC 7540 sources (HeadersFrame, PriorityFrame, IdleParent)
    std::uint32_t parent = 0;
    std::uint16_t weight = 16;
    bool exclusive = false;
    // RFC 9218 sources
    Rfc9218Priority urgency;
    // An RFC 7540 signal after the server sent SETTINGS_NO_RFC7540_PRIORITIES = 1 (not applied).
    bool ignored = false;
};

class PriorityTree {
  public:
    static constexpr std::size_t kMaxNodes = 8192;
    static constexpr std::size_t kMaxDepth = 1024;  // ancestors walked (a deeper chain is cut)
    static constexpr std::size_t kMaxHistory = 100000;

    // HEADERS' priority block or a PRIORITY frame. False (and nothing changes) for a stream
    // that depends on itself.
    bool depend(TimestampNs ts, std::uint32_t stream, const PriorityFields& f,
                PrioritySource source);
    // A `priority` header value or PRIORITY_UPDATE's field value; false when it is not a valid
    // Structured Fields dictionary (nothing changes).
    bool prioritize(TimestampNs ts, std::uint32_t stream, std::string_view fieldValue,
                    PrioritySource source);
    // The stream exists from now on (HEADERS without a priority block): default priority. Before
    // the connection's first signal streams are not stored (a missing stream has the defaults),
    // so a connection without priorities keeps no node.
    void open(std::uint32_t stream);
    // SETTINGS_NO_RFC7540_PRIORITIES from the server.
    void setServerNoRfc7540(bool value) { m_noRfc7540 = value; }
    bool serverNoRfc7540() const { return m_noRfc7540; }

    const std::map<std::uint32_t, PriorityNode>& nodes() const { return m_nodes; }
    const PriorityNode* find(std::uint32_t stream) const;
    bool isAncestor(std::uint32_t ancestor, std::uint32_t stream) const;  // proper ancestor
    const std::vector<PriorityChange>& history() const { return m_history; }
    std::uint64_t historyCut() const { return m_historyCut; }
    std::uint64_t droppedSignals() const { return m_dropped; }
    bool sawRfc7540() const { return m_saw7540; }
    bool sawRfc9218() const { return m_saw9218; }
    bool signalled() const { return m_saw7540 || m_saw9218; }

    // Replays one change of another tree's history (what `at` and the follow measure use).
    void apply(const PriorityChange& c);
    // The tree as it was at `ts` (changes at `ts` included), rebuilt from `history`.
    static PriorityTree at(const std::vector<PriorityChange>& history, TimestampNs ts);

  private:
    PriorityNode* node(std::uint32_t stream);  // created with the defaults; nullptr when full
    void place(std::uint32_t stream, std::uint32_t parent, std::uint16_t weight, bool exclusive);
    void record(const PriorityChange& c);
    static void apply9218(PriorityNode& n, const PriorityChange& c);

    std::map<std::uint32_t, PriorityNode> m_nodes;
    std::vector<PriorityChange> m_history;
    std::uint64_t m_historyCut = 0;
    std::uint64_t m_dropped = 0;
    bool m_noRfc7540 = false;
    bool m_saw7540 = false;
    bool m_saw9218 = false;
};

}  // namespace h2lens
