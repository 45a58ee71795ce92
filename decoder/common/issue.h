#pragma once
// A problem found in the input (not in the environment): what was skipped or could not be
// decoded, tied to the packet that carried it. Parsers record these and go on; nothing throws.
#include <cstdint>
#include <string>

namespace h2lens {

struct Issue {
    std::uint64_t packetNumber = 0;  // 0 when it concerns the file, not one packet
    std::string message;
};

}  // namespace h2lens
