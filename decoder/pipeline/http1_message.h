#pragma once
// The head of an HTTP/1.x message, for h2c Upgrade (RFC 7540 §3.2): request line or status
// line and header fields. Only what the upgrade needs; h2lens does not decode HTTP/1 traffic.
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "h2/frame.h"

namespace h2lens {

struct Http1Head {
    std::string method, target;                                // request
    int status = 0;                                            // response
    std::vector<std::pair<std::string, std::string>> headers;  // names lowercased, wire order
    std::size_t headLength = 0;  // bytes up to and including the blank line
    std::string_view header(std::string_view name) const;
    bool hasToken(std::string_view name, std::string_view token) const;
};

// nullopt until the blank line has arrived (or when `data` is not an HTTP/1 head).
std::optional<Http1Head> parseHttp1Head(ByteSpan data, bool request);
// HTTP2-Settings: base64url of a SETTINGS payload. nullopt when it does not decode.
std::optional<std::vector<Setting>> decodeHttp2SettingsHeader(std::string_view value);

}  // namespace h2lens
