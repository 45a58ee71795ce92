#pragma once
// The text form of one HTTP/2 frame, shared by `h2lens frames` and `h2lens live --view frames`
// so the two can never drift apart: an `nghttp -v`-like line with the type's fields, then one
// indented line per header field of a completed header block (and its HPACK error, if any).
#include <string>
#include <string_view>

#include "export/transcript_json.h"
#include "h2/h2_listener.h"

namespace h2lens::cli {

// How lines are dressed: header values hidden (--redact), ANSI colour by direction (--color).
struct FrameTextStyle {
    const Redactor* redactor = nullptr;
    bool color = false;
};

// "[   0.000123] conn 0 c2s stream 1 HEADERS flags=0x05 (END_STREAM | END_HEADERS) length=38
// (dep_stream_id=0, weight=16, exclusive=0)\n              :method: GET\n..." Times are seconds
// since `base` (the capture's first packet). Every line ends in '\n'.
std::string frameText(const FrameEvent& ev, TimestampNs base);
// The same with the time as given (TimeText) between the brackets.
std::string frameText(const FrameEvent& ev, std::string_view time, const FrameTextStyle& style);

// "[   0.000123] conn 0 s2c stream 3 ANOMALY NAME RFC 9113 §x.y: detail\n"
std::string anomalyText(const ConnectionInfo& conn, const Anomaly& anomaly, TimestampNs base);
std::string anomalyText(const ConnectionInfo& conn, const Anomaly& anomaly, std::string_view time,
                        const FrameTextStyle& style);

}  // namespace h2lens::cli
