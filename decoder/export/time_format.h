#pragma once
// How times are printed in text views (`frames`, `streams`, `follow`), with tshark's -t letters:
// r relative to the capture's first packet (the default), a absolute local time of day,
// ad with the date, u / ud the same in UTC, e epoch seconds, d delta from the previous time
// printed. Microsecond resolution, as tshark shows pcap times.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"

namespace h2lens {

enum class TimeFormat : std::uint8_t {
    Relative,
    Absolute,
    AbsoluteDate,
    Utc,
    UtcDate,
    Epoch,
    Delta
};

// "r", "a", "ad", "u", "ud", "e", "d"; nullopt for anything else.
std::optional<TimeFormat> parseTimeFormat(std::string_view letters);

class TimeText {
  public:
    explicit TimeText(TimeFormat format = TimeFormat::Relative) : m_format(format) {}
    TimeFormat format() const { return m_format; }
    // Time zero of relative times: the capture's first packet.
    void setBase(TimestampNs base) { m_base = base; }
    // The text for `ts`. Delta times count from the previous call's time (0 on the first).
    std::string operator()(TimestampNs ts);
    // Spaces as wide as a relative or delta time, for lines without a time.
    std::string blank() const;

  private:
    TimeFormat m_format;
    TimestampNs m_base = 0;
    std::optional<TimestampNs> m_previous;
};

}  // namespace h2lens
