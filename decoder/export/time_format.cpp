#include "export/time_format.h"

#include <fmt/format.h>

#include <ctime>

namespace h2lens {

std::optional<TimeFormat> parseTimeFormat(std::string_view s) {
    if (s == "r") return TimeFormat::Relative;
    if (s == "a") return TimeFormat::Absolute;
    if (s == "ad") return TimeFormat::AbsoluteDate;
    if (s == "u") return TimeFormat::Utc;
    if (s == "ud") return TimeFormat::UtcDate;
    if (s == "e") return TimeFormat::Epoch;
    if (s == "d") return TimeFormat::Delta;
    return std::nullopt;
}

namespace {

std::string seconds(std::int64_t ns) {
    return fmt::format("{:11.6f}", static_cast<double>(ns) / 1e9);
}

std::string calendar(TimestampNs ts, bool utc, bool date) {
    // Floor division, so a time before 1970 still has a non-negative fraction.
    std::int64_t secs = ts / 1'000'000'000;
    std::int64_t ns = ts % 1'000'000'000;
    if (ns < 0) {
        ns += 1'000'000'000;
        --secs;
    }
    const std::time_t t = static_cast<std::time_t>(secs);
    std::tm tm{};
    if (utc)
        gmtime_r(&t, &tm);
    else
        localtime_r(&t, &tm);
    const std::string day =
        date ? fmt::format("{:04}-{:02}-{:02} ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) : "";
    return fmt::format("{}{:02}:{:02}:{:02}.{:06}", day, tm.tm_hour, tm.tm_min, tm.tm_sec,
                       ns / 1000);
}

}  // namespace

std::string TimeText::operator()(TimestampNs ts) {
    switch (m_format) {
        case TimeFormat::Relative:
            return seconds(ts - m_base);
        case TimeFormat::Delta: {
            const std::int64_t d = m_previous ? ts - *m_previous : 0;
            m_previous = ts;
            return seconds(d);
        }
        case TimeFormat::Epoch: {
            std::int64_t secs = ts / 1'000'000'000;
            std::int64_t ns = ts % 1'000'000'000;
            if (ns < 0) {
                ns += 1'000'000'000;
                --secs;
            }
            return fmt::format("{}.{:06}", secs, ns / 1000);
        }
        case TimeFormat::Absolute:
            return calendar(ts, false, false);
        case TimeFormat::AbsoluteDate:
            return calendar(ts, false, true);
        case TimeFormat::Utc:
            return calendar(ts, true, false);
        case TimeFormat::UtcDate:
            return calendar(ts, true, true);
    }
    return seconds(ts - m_base);
}

std::string TimeText::blank() const {
    switch (m_format) {
        case TimeFormat::Absolute:
        case TimeFormat::Utc:
            return std::string(15, ' ');
        case TimeFormat::AbsoluteDate:
        case TimeFormat::UtcDate:
            return std::string(26, ' ');
        case TimeFormat::Epoch:
            return std::string(17, ' ');
        default:
            return std::string(11, ' ');
    }
}

}  // namespace h2lens
