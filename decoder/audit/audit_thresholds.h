#pragma once
// The thresholds of every audit finding, with defaults that give no finding on ordinary
// traffic (every capture in ../shared and samples/, h2load with 100 concurrent streams
// included), and the NAME=VALUE syntax of `h2lens audit --threshold`. A threshold of 0 ("off")
// turns its finding off. Rates are per second of capture time (see rate_window.h).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "audit/finding.h"

namespace h2lens {

struct AuditThresholds {
    std::uint64_t rapidReset = 100;  // client resets per second of streams opened just before
    std::uint64_t rapidResetAgeNs = 100'000'000;  // "just before": within 100 ms
    std::uint64_t continuationFrames = 64;        // CONTINUATION frames in one header block
    std::uint64_t headerBlockBytes = 256 * 1024;  // bytes of one header block on the wire
    std::uint64_t hpackBytesPerSecond = 4 << 20;  // decoded header bytes per second ...
    std::uint64_t hpackRatio = 100;               // ... at this many times their wire size
    std::uint64_t settingsFlood = 100;            // non-ACK SETTINGS per second, one sender
    std::uint64_t pingFlood = 100;                // non-ACK PINGs per second, one sender
    std::uint64_t emptyFrames = 100;  // empty DATA/HEADERS/CONTINUATION without END_STREAM /s
    std::uint64_t resetFlood = 100;   // RST_STREAM per second, one sender (rapid resets aside)
    std::uint64_t slowReadNs = 10'000'000'000;  // time one stream's sender waited for window
    std::uint64_t priorityChurn = 100;          // PRIORITY + PRIORITY_UPDATE per second
    // Streams open at once above the peer's SETTINGS_MAX_CONCURRENT_STREAMS (1: the first one).
    std::uint64_t streamLimitExcess = 1;

    // "rapid-reset=50/s", "slow-read=2s", "hpack-bomb=1MiB/s", "continuation-flood=off", ...
    // Throws std::invalid_argument with a sentence naming the problem and what is accepted.
    void set(std::string_view assignment);
    // The threshold `kind` is judged by, as `set` takes it ("100/s", "10s", "256KiB").
    std::string text(FindingKind kind) const;
    std::uint64_t value(FindingKind kind) const;

    struct Entry {
        std::string_view name;
        std::string_view help;     // one line for --help
        std::string defaultValue;  // as `set` takes it
    };
    static const std::vector<Entry>& names();
};

}  // namespace h2lens
