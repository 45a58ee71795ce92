#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace h2lens {

// "1 stream", "2 streams": a count and the noun it takes, for every line h2lens prints.
std::string plural(std::uint64_t n, std::string_view one, std::string_view many);

}  // namespace h2lens
