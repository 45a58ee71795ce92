#include "audit/finding.h"

#include <array>

namespace h2lens {

namespace {
constexpr std::array<FindingKindInfo, kFindingKinds> kKinds{{
    {"rapid-reset", "rapid reset", "CVE-2023-44487, RFC 9113 §10.5", Severity::Attack,
     "stream reset by the client right after opening it",
     "streams reset by the client right after opening them", "rapid resets/s"},
    {"continuation-flood", "CONTINUATION flood", "CVE-2024-27316, RFC 9113 §6.10", Severity::Attack,
     "header block over the threshold", "header blocks over the threshold",
     "CONTINUATION frames in one block"},
    {"hpack-bomb", "HPACK bomb", "CVE-2016-6581, RFC 7541 §7.3", Severity::Attack,
     "header block decoded at the ratio or more", "header blocks decoded at the ratio or more",
     "decoded header bytes/s"},
    {"settings-flood", "SETTINGS flood", "CVE-2019-9515, RFC 9113 §10.5", Severity::Attack,
     "SETTINGS frame", "SETTINGS frames", "SETTINGS/s"},
    {"ping-flood", "PING flood", "CVE-2019-9512, RFC 9113 §10.5", Severity::Attack, "PING", "PINGs",
     "PINGs/s"},
    {"empty-frames", "empty frame flood", "CVE-2019-9518, RFC 9113 §10.5", Severity::Attack,
     "empty DATA, HEADERS or CONTINUATION frame", "empty DATA, HEADERS and CONTINUATION frames",
     "empty frames/s"},
    {"reset-flood", "reset flood", "CVE-2019-9514, RFC 9113 §10.5", Severity::Attack,
     "RST_STREAM frame", "RST_STREAM frames", "RST_STREAM/s"},
    {"slow-read", "slow read / zero window", "CVE-2019-9511, CVE-2019-9517, RFC 9113 §6.9",
     Severity::Warning, "flow-control stall", "flow-control stalls", "ms stalled on one stream"},
    {"priority-churn", "priority churn", "CVE-2019-9513, RFC 9113 §5.3.2", Severity::Attack,
     "PRIORITY or PRIORITY_UPDATE frame", "PRIORITY and PRIORITY_UPDATE frames",
     "priority frames/s"},
    {"stream-limit", "stream limit broken", "RFC 9113 §5.1.2", Severity::Warning,
     "stream opened above the limit", "streams opened above the limit", "open streams"},
}};
}  // namespace

std::string_view severityName(Severity s) {
    return s == Severity::Attack ? "attack" : "warning";
}

const FindingKindInfo& kindInfo(FindingKind k) {
    return kKinds[static_cast<std::size_t>(k)];
}

std::string_view peerName(Direction peer) {
    return peer == Direction::ClientToServer ? "client" : "server";
}

}  // namespace h2lens
