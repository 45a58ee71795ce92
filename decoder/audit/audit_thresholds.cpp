#include "audit/audit_thresholds.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <optional>
#include <stdexcept>

namespace h2lens {

namespace {

enum class Unit : std::uint8_t { Rate, Count, Bytes, ByteRate, Duration, Ratio };

struct Field {
    std::string_view name;
    Unit unit;
    std::uint64_t AuditThresholds::*member;
    std::string_view help;
};

const std::vector<Field>& fields() {
    using T = AuditThresholds;
    static const std::vector<Field> kFields{
        {"rapid-reset", Unit::Rate, &T::rapidReset,
         "client resets per second of streams it opened within rapid-reset-age"},
        {"rapid-reset-age", Unit::Duration, &T::rapidResetAgeNs,
         "how soon after opening a reset counts as rapid"},
        {"continuation-flood", Unit::Count, &T::continuationFrames,
         "CONTINUATION frames in one header block"},
        {"continuation-bytes", Unit::Bytes, &T::headerBlockBytes,
         "bytes of one header block (HEADERS + CONTINUATION) on the wire"},
        {"hpack-bomb", Unit::ByteRate, &T::hpackBytesPerSecond,
         "decoded header bytes per second (at hpack-ratio times their wire size)"},
        {"hpack-ratio", Unit::Ratio, &T::hpackRatio, "decoded header bytes per wire byte"},
        {"settings-flood", Unit::Rate, &T::settingsFlood, "SETTINGS frames per second"},
        {"ping-flood", Unit::Rate, &T::pingFlood, "PING frames per second"},
        {"empty-frames", Unit::Rate, &T::emptyFrames,
         "empty DATA, HEADERS and CONTINUATION frames without END_STREAM per second"},
        {"reset-flood", Unit::Rate, &T::resetFlood, "RST_STREAM frames per second"},
        {"slow-read", Unit::Duration, &T::slowReadNs,
         "time a sender waited for flow-control window on one stream"},
        {"priority-churn", Unit::Rate, &T::priorityChurn,
         "PRIORITY and PRIORITY_UPDATE frames per second"},
        {"stream-limit", Unit::Count, &T::streamLimitExcess,
         "streams open at once above the peer's SETTINGS_MAX_CONCURRENT_STREAMS"},
    };
    return kFields;
}

std::string_view unitSyntax(Unit u) {
    switch (u) {
        case Unit::Rate:
            return "a count per second (100/s or 100)";
        case Unit::Count:
            return "a whole number";
        case Unit::Bytes:
            return "a size (262144, 256KiB, 1MiB)";
        case Unit::ByteRate:
            return "a size per second (4MiB/s)";
        case Unit::Duration:
            return "a duration (100ms, 10s, 2.5s)";
        case Unit::Ratio:
            return "a ratio (100 or 100x)";
    }
    return "";
}

bool consumeSuffix(std::string_view& s, std::string_view suffix) {
    if (s.size() < suffix.size() || s.substr(s.size() - suffix.size()) != suffix) return false;
    s.remove_suffix(suffix.size());
    return true;
}

std::optional<std::uint64_t> wholeNumber(std::string_view s) {
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

std::optional<std::uint64_t> parseValue(Unit unit, std::string_view s) {
    if (s == "off") return 0;
    switch (unit) {
        case Unit::Rate:
            consumeSuffix(s, "/s");
            return wholeNumber(s);
        case Unit::Count:
            return wholeNumber(s);
        case Unit::Ratio:
            consumeSuffix(s, "x");
            return wholeNumber(s);
        case Unit::ByteRate:
            consumeSuffix(s, "/s");
            [[fallthrough]];
        case Unit::Bytes: {
            std::uint64_t scale = 1;
            if (consumeSuffix(s, "KiB"))
                scale = 1024;
            else if (consumeSuffix(s, "MiB"))
                scale = 1024 * 1024;
            else if (consumeSuffix(s, "GiB"))
                scale = 1024 * 1024 * 1024;
            else
                consumeSuffix(s, "B");
            const auto v = wholeNumber(s);
            if (!v || *v > UINT64_MAX / scale) return std::nullopt;
            return *v * scale;
        }
        case Unit::Duration: {
            double scale = 0;
            if (consumeSuffix(s, "ms"))
                scale = 1e6;
            else if (consumeSuffix(s, "us"))
                scale = 1e3;
            else if (consumeSuffix(s, "s"))
                scale = 1e9;
            else
                return std::nullopt;  // a bare number could be seconds or milliseconds
            double v = 0;
            const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
            if (ec != std::errc() || end != s.data() + s.size() || s.empty() || !(v >= 0) ||
                v * scale > 1e18)
                return std::nullopt;
            return static_cast<std::uint64_t>(std::llround(v * scale));
        }
    }
    return std::nullopt;
}

std::string bytesText(std::uint64_t v) {
    if (v != 0 && v % (1024 * 1024) == 0) return fmt::format("{}MiB", v / (1024 * 1024));
    if (v != 0 && v % 1024 == 0) return fmt::format("{}KiB", v / 1024);
    return fmt::format("{}", v);
}

std::string valueText(Unit unit, std::uint64_t v) {
    if (v == 0) return "off";
    switch (unit) {
        case Unit::Rate:
            return fmt::format("{}/s", v);
        case Unit::Count:
            return fmt::format("{}", v);
        case Unit::Ratio:
            return fmt::format("{}x", v);
        case Unit::Bytes:
            return bytesText(v);
        case Unit::ByteRate:
            return bytesText(v) + "/s";
        case Unit::Duration:
            if (v % 1'000'000'000 == 0) return fmt::format("{}s", v / 1'000'000'000);
            if (v % 1'000'000 == 0) return fmt::format("{}ms", v / 1'000'000);
            return fmt::format("{}us", v / 1000);
    }
    return "";
}

const Field& fieldFor(FindingKind kind) {
    static constexpr std::string_view kByKind[kFindingKinds] = {
        "rapid-reset",  "continuation-flood", "hpack-bomb", "settings-flood", "ping-flood",
        "empty-frames", "reset-flood",        "slow-read",  "priority-churn", "stream-limit"};
    for (const Field& f : fields()) {
        if (f.name == kByKind[static_cast<int>(kind)]) return f;
    }
    return fields().front();
}

}  // namespace

void AuditThresholds::set(std::string_view assignment) {
    const auto eq = assignment.find('=');
    if (eq == std::string_view::npos) {
        throw std::invalid_argument(fmt::format(
            "--threshold '{}': expected NAME=VALUE, e.g. rapid-reset=100/s", assignment));
    }
    const std::string_view name = assignment.substr(0, eq);
    const std::string_view value = assignment.substr(eq + 1);
    for (const Field& f : fields()) {
        if (f.name != name) continue;
        const auto v = parseValue(f.unit, value);
        if (!v) {
            throw std::invalid_argument(fmt::format("--threshold {}: '{}' is not {}, or off", name,
                                                    value, unitSyntax(f.unit)));
        }
        this->*f.member = *v;
        return;
    }
    std::string known;
    for (const Field& f : fields()) known += (known.empty() ? "" : ", ") + std::string(f.name);
    throw std::invalid_argument(
        fmt::format("--threshold: no threshold called '{}' (known: {})", name, known));
}

std::uint64_t AuditThresholds::value(FindingKind kind) const {
    return this->*fieldFor(kind).member;
}

std::string AuditThresholds::text(FindingKind kind) const {
    const Field& f = fieldFor(kind);
    return valueText(f.unit, this->*f.member);
}

const std::vector<AuditThresholds::Entry>& AuditThresholds::names() {
    static const std::vector<Entry> kEntries = [] {
        std::vector<Entry> out;
        const AuditThresholds defaults;
        for (const Field& f : fields())
            out.push_back({f.name, f.help, valueText(f.unit, defaults.*f.member)});
        return out;
    }();
    return kEntries;
}

}  // namespace h2lens
