#include "common/plural.h"

#include <fmt/format.h>

namespace h2lens {

std::string plural(std::uint64_t n, std::string_view one, std::string_view many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
}

}  // namespace h2lens
