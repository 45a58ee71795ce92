#pragma once
// What the details pane says about one stream's priority: its place in the connection's RFC 7540
// tree (the path from the root, its weight, its children), its RFC 9218 urgency, what the
// server said it applied, and every change the client (or server) made to it, with its time.
#include <optional>
#include <string>
#include <vector>

#include "models/capture_data.h"

namespace h2lens::gui {

struct PriorityDetails {
    std::string summary;               // one line
    std::vector<std::string> changes;  // oldest first, "0.001234 s  PRIORITY frame: ..."
};

// Nothing when the client sent no priority signal for the stream. `base`: the capture's start.
std::optional<PriorityDetails> priorityDetails(const ConnectionData& conn, const StreamData& stream,
                                               TimestampNs base);

}  // namespace h2lens::gui
