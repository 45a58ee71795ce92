#pragma once
// One finished stream as the JSON row of `streams --json` and `live --json/--ndjson`: one
// writer, so the two can never differ again (they did: live had informational responses and
// endpoints, streams had neither).
#include "export/transcript_json.h"
#include "h2/h2_listener.h"

namespace h2lens {

// `base`: the capture's first packet (for "start"); values hidden as `redactor` says.
Json streamRowJson(const ConnectionInfo& conn, const StreamRecord& stream, TimestampNs base,
                   const Redactor& redactor);

}  // namespace h2lens
