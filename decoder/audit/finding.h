#pragma once
// What the audit reports: one Finding per connection, sending peer and kind, with the figures
// an incident responder acts on (how many, how fast at the peak, when, which threshold, why it
// matters). Plain values, kept after the connection is gone.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/direction.h"
#include "net/tcp_segment.h"

namespace h2lens {

enum class FindingKind : std::uint8_t {
    RapidReset,         // CVE-2023-44487
    ContinuationFlood,  // CVE-2024-27316 and the 2024 CONTINUATION family
    HpackBomb,          // CVE-2016-6581
    SettingsFlood,      // CVE-2019-9515
    PingFlood,          // CVE-2019-9512
    EmptyFrameFlood,    // CVE-2019-9518
    ResetFlood,         // CVE-2019-9514
    SlowRead,           // CVE-2019-9511, CVE-2019-9517
    PriorityChurn,      // CVE-2019-9513
    StreamLimitBroken,  // RFC 9113 §5.1.2
};
inline constexpr int kFindingKinds = 10;

// Attack: traffic only an attacker (or a broken stack under its control) sends. Warning: what a
// slow or buggy peer may also do; worth a look, not proof.
enum class Severity : std::uint8_t { Warning, Attack };
std::string_view severityName(Severity s);  // "warning", "attack"

struct FindingKindInfo {
    std::string_view name;       // "rapid-reset": the --threshold name and the JSON "kind"
    std::string_view title;      // "rapid reset"
    std::string_view reference;  // "CVE-2023-44487, RFC 9113 §10.5"
    Severity severity;
    std::string_view countOne;   // what `count` counts, for 1: "stream reset ..."
    std::string_view countUnit;  // and for any other number: "streams reset ..."
    std::string_view peakUnit;   // what `peak` measures: "RST_STREAM/s"
};
const FindingKindInfo& kindInfo(FindingKind k);

struct Finding {
    std::uint64_t conn = 0;
    Endpoint client, server;
    Direction peer = Direction::ClientToServer;  // whose frames (or window) made the finding
    FindingKind kind = FindingKind::RapidReset;
    std::uint64_t count = 0;      // events of this kind from that peer on the connection
    std::uint64_t peak = 0;       // the largest value measured, in kindInfo(kind).peakUnit
    std::uint64_t threshold = 0;  // the value `peak` reached or passed
    std::string thresholdText;    // the threshold as given: "100/s", "64", "10s"
    TimestampNs first = 0;        // the span in which the threshold was crossed
    TimestampNs last = 0;
    std::string detail;  // one sentence: what was seen, and what the decoder cut

    Severity severity() const { return kindInfo(kind).severity; }
    const Endpoint& peerEndpoint() const {
        return peer == Direction::ClientToServer ? client : server;
    }
};

std::string_view peerName(Direction peer);  // "client", "server"

}  // namespace h2lens
