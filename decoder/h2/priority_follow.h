#pragma once
// "Did the server follow the priorities?" for one connection, as one stated, simple measure:
//
//   Among the server's DATA frames, those sent while another stream was also *ready*, the
//   contended bytes; of those, the bytes sent to a stream while a ready stream of higher
//   priority was waiting, the out-of-order bytes. The share = out-of-order / contended.
//
// A stream is ready at a DATA frame when its response HEADERS had been sent, more of its DATA
// comes after that frame (the server had data for it), and the server was not stalled on that
// stream's flow-control window then. "Higher priority", with the priorities in force at the
// frame's time: RFC 9218, a lower urgency number; RFC 7540, an ancestor in the dependency tree
// (§5.3.1: a stream should get resources only when the streams it depends on cannot progress).
// Weights among siblings share resources in proportion (§5.3.2) and are not judged. A connection
// uses RFC 9218 when the client sent RFC 9218 signals and either no RFC 7540 ones or the server
// disabled them (SETTINGS_NO_RFC7540_PRIORITIES), else RFC 7540 when it sent those.
// Followed: out-of-order bytes at most 10% of the contended bytes. Limits in docs/priority.md.
#include <cstdint>
#include <map>
#include <string_view>
#include <vector>

#include "h2/h2_records.h"
#include "h2/priority_tree.h"

namespace h2lens {

enum class PriorityScheme : std::uint8_t { None, Rfc7540, Rfc9218 };
std::string_view prioritySchemeName(PriorityScheme s);  // "none", "rfc7540", "rfc9218"

struct PriorityFollowResult {
    PriorityScheme scheme = PriorityScheme::None;
    std::uint64_t dataBytes = 0;        // all server DATA payload (padding included) looked at
    std::uint64_t contendedBytes = 0;   // sent while another stream was ready
    std::uint64_t outOfOrderBytes = 0;  // sent while a ready stream of higher priority waited
    std::uint64_t framesCut = 0;        // server DATA frames past the log's bound, not measured
    // Measured: a scheme and some contended bytes; followed: out-of-order <= 10% of contended.
    bool measured() const { return scheme != PriorityScheme::None && contendedBytes > 0; }
    bool followed() const { return measured() && outOfOrderBytes * 10 <= contendedBytes; }
    double share() const {
        return contendedBytes ? static_cast<double>(outOfOrderBytes) / contendedBytes : 0.0;
    }
};

class PriorityFollow {
  public:
    // Server DATA frames are logged from the connection's first priority signal on (before it,
    // every stream had the defaults: nothing can be out of order), at most kMaxDataFrames.
    static constexpr std::size_t kMaxDataFrames = 1 << 18;
    static constexpr std::size_t kMaxCompared = 1024;  // pending streams looked at per DATA frame
    static constexpr std::size_t kMaxDepth = 1024;     // ancestors walked per DATA frame

    void responseStarted(std::uint32_t stream, TimestampNs ts);
    void serverData(std::uint32_t stream, std::uint32_t length, TimestampNs ts);
    void forget(std::uint32_t stream) { m_responseStart.erase(stream); }
    // `tree`: the connection's tree (its history and what it saw); `stalls`: the connection's.
    PriorityFollowResult measure(const PriorityTree& tree,
                                 const std::vector<FlowStall>& stalls) const;

  private:
    struct DataFrame {
        TimestampNs ts;
        std::uint32_t stream;
        std::uint32_t length;
    };
    std::vector<DataFrame> m_data;
    std::uint64_t m_cut = 0;
    std::map<std::uint32_t, TimestampNs> m_responseStart;
};

}  // namespace h2lens
