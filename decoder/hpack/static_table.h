#pragma once
// The 61-entry HPACK static table (RFC 7541 Appendix A).
#include <cstdint>
#include <string_view>

namespace h2lens {

struct StaticEntry {
    std::string_view name, value;
};

inline constexpr std::uint32_t kStaticTableSize = 61;

// index in 1..kStaticTableSize.
const StaticEntry& staticEntry(std::uint32_t index);

}  // namespace h2lens
