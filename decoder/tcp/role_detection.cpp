#include "tcp/role_detection.h"

#include <array>
#include <string_view>

namespace h2lens {

bool startsWithHttp2Preface(ByteSpan payload) {
    // The fixed part of the preface; a segment may hold only its beginning.
    constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    const std::string_view s = asStringView(payload);
    const std::size_t n = std::min(s.size(), kPreface.size());
    return n >= 4 && s.substr(0, n) == kPreface.substr(0, n);
}

bool startsWithHttpRequestLine(ByteSpan payload) {
    static constexpr std::array<std::string_view, 9> kMethods = {
        "GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE "};
    const std::string_view s = asStringView(payload);
    for (std::string_view m : kMethods) {
        if (s.starts_with(m)) return s.find(" HTTP/1.") != std::string_view::npos;
    }
    return false;
}

bool startsWithHttpStatusLine(ByteSpan payload) {
    const std::string_view s = asStringView(payload);
    return s.starts_with("HTTP/1.") && s.size() >= 12;
}

}  // namespace h2lens
