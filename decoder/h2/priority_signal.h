#pragma once
// RFC 9218 priority parameters as carried in the `priority` header field and in PRIORITY_UPDATE
// frames: a Structured Fields dictionary (RFC 8941 §3.2) whose `u` (urgency, 0..7, default 3)
// and `i` (incremental, boolean, default false) members count; unknown members are ignored
// (RFC 9218 §4), members of the wrong type or out of range are ignored (§4.1, §4.2).
#include <cstdint>
#include <optional>
#include <string_view>

namespace h2lens {

struct Rfc9218Priority {
    std::uint8_t urgency = 3;
    bool incremental = false;
    bool operator==(const Rfc9218Priority&) const = default;
};

// nullopt when the field is not a valid dictionary (RFC 8941: the whole field is then ignored).
std::optional<Rfc9218Priority> parsePriorityField(std::string_view value);

}  // namespace h2lens
