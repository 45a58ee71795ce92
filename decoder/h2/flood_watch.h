#pragma once
// The rates HTTP/2 attacks are made of (RFC 9113 §10.5), for one connection: client resets
// (rapid reset, CVE-2023-44487), SETTINGS and PINGs from either side (CVE-2019-9515, 9512),
// CONTINUATION frames in one header block (CVE-2024-27316 and its family). Each check says
// whether the event it is told about makes its count reach the threshold, exactly once per
// crossing, with the finding's name, reference and sentence; the engine raises the anomaly.
// Memory: the times of at most the threshold's number of recent events of each kind.
#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "common/bytes.h"
#include "common/direction.h"

namespace h2lens {

struct FloodFinding {
    std::string name;    // "RAPID_RESET", ...
    std::string rfc;     // "RFC 9113 §10.5 (CVE-2023-44487)"
    std::string detail;  // "client reset 100 streams within one second"
};

class FloodWatch {
  public:
    static constexpr std::size_t kRapidResetCount = 100;    // client resets within one second
    static constexpr std::size_t kControlFloodCount = 100;  // SETTINGS or PINGs per side per second
    static constexpr std::uint32_t kContinuationFlood = 64;  // CONTINUATION frames in one block

    std::optional<FloodFinding> clientReset(TimestampNs ts);
    std::optional<FloodFinding> settings(Direction from, TimestampNs ts);  // non-ACK SETTINGS
    std::optional<FloodFinding> ping(Direction from, TimestampNs ts);      // non-ACK PING
    // `continuations`: CONTINUATION frames of the header block so far, this one included.
    static std::optional<FloodFinding> continuation(std::uint32_t continuations);

  private:
    // The events of one kind in the last second, as far as the threshold needs: the `limit`
    // most recent are within the second exactly when at least `limit` are.
    struct Recent {
        std::deque<TimestampNs> times;
        bool atLimit = false;
    };
    // Counts one event in a one-second window; true exactly when the count reaches `limit`
    // from below.
    static bool reached(Recent& recent, TimestampNs ts, std::size_t limit);

    Recent m_clientResets;
    std::array<Recent, 2> m_settings;
    std::array<Recent, 2> m_pings;
};

}  // namespace h2lens
