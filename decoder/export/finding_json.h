#pragma once
// One audit finding as JSON, the same object in `h2lens audit --json` (after its file and
// connection keys), in a transcript connection's `findings`, and in NDJSON `finding` records
// (docs/audit.md, docs/transcript.md).
#include <nlohmann/json.hpp>

#include "audit/finding.h"

namespace h2lens {

// `first`/`last` are seconds since `base` (the capture's first packet), `first_time`/`last_time`
// seconds since the epoch, like a frame's `t` and `time`.
nlohmann::ordered_json findingJson(const Finding& f, TimestampNs base);

}  // namespace h2lens
