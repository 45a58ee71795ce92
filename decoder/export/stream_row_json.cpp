#include "export/stream_row_json.h"

#include "h2/names.h"

namespace h2lens {

Json streamRowJson(const ConnectionInfo& c, const StreamRecord& s, TimestampNs base,
                   const Redactor& redactor) {
    auto seconds = [](TimestampNs t, TimestampNs from) {
        return static_cast<double>(t - from) / 1e9;
    };
    Json j = {
        {"conn", c.id},      {"client", c.client.toString()},     {"server", c.server.toString()},
        {"stream", s.id},    {"state", streamStateName(s.state)}, {"end", streamEndName(s.end)},
        {"pushed", s.pushed}};
    if (s.request) j["request_headers"] = headerListJson(*s.request, redactor);
    for (const HeaderBlock& b : s.informational) {
        j["informational"].push_back(headerListJson(b, redactor));
    }
    if (s.response) j["response_headers"] = headerListJson(*s.response, redactor);
    if (s.requestTrailers) j["request_trailers"] = headerListJson(*s.requestTrailers, redactor);
    if (s.responseTrailers) j["response_trailers"] = headerListJson(*s.responseTrailers, redactor);
    j["request_body_bytes"] = s.requestBodyBytes;
    j["response_body_bytes"] = s.responseBodyBytes;
    if (s.end == StreamEnd::ResetByClient || s.end == StreamEnd::ResetByServer) {
        j["reset_error"] = errorCodeName(s.resetCode);
    }
    if (s.requestStart) {
        j["start"] = seconds(*s.requestStart, base);
        j["time"] = static_cast<double>(*s.requestStart) / 1e9;
    }
    if (s.closed && s.requestStart) j["duration"] = seconds(*s.closed, *s.requestStart);
    return j;
}

}  // namespace h2lens
