#include "h2/flood_watch.h"

#include <fmt/format.h>

namespace h2lens {

namespace {
constexpr TimestampNs kSecond = 1'000'000'000;
}

bool FloodWatch::reached(Recent& recent, TimestampNs ts, std::size_t limit) {
    auto& times = recent.times;
    times.push_back(ts);
    if (times.size() > limit) times.pop_front();
    while (!times.empty() && ts - times.front() > kSecond) times.pop_front();
    const bool atLimit = times.size() == limit;
    const bool crossed = atLimit && !recent.atLimit;
    recent.atLimit = atLimit;
    return crossed;
}

std::optional<FloodFinding> FloodWatch::clientReset(TimestampNs ts) {
    if (!reached(m_clientResets, ts, kRapidResetCount)) return std::nullopt;
    return FloodFinding{"RAPID_RESET", "RFC 9113 §10.5 (CVE-2023-44487)",
                        fmt::format("client reset {} streams within one second", kRapidResetCount)};
}

std::optional<FloodFinding> FloodWatch::settings(Direction from, TimestampNs ts) {
    if (!reached(m_settings[static_cast<int>(from)], ts, kControlFloodCount)) return std::nullopt;
    return FloodFinding{"SETTINGS_FLOOD", "RFC 9113 §10.5 (CVE-2019-9515)",
                        fmt::format("{} SETTINGS frames within one second", kControlFloodCount)};
}

std::optional<FloodFinding> FloodWatch::ping(Direction from, TimestampNs ts) {
    if (!reached(m_pings[static_cast<int>(from)], ts, kControlFloodCount)) return std::nullopt;
    return FloodFinding{"PING_FLOOD", "RFC 9113 §10.5 (CVE-2019-9512)",
                        fmt::format("{} PINGs within one second", kControlFloodCount)};
}

std::optional<FloodFinding> FloodWatch::continuation(std::uint32_t continuations) {
    if (continuations != kContinuationFlood) return std::nullopt;
    return FloodFinding{"CONTINUATION_FLOOD", "RFC 9113 §10.5",
                        fmt::format("{} CONTINUATION frames in one header block", continuations)};
}

}  // namespace h2lens
