#pragma once
// JSON text for the export layer's nlohmann::ordered_json trees, byte for byte what
// Json::dump(indent, ' ', false, error_handler_t::replace) writes, but fast on long strings:
// nlohmann escapes one code point at a time through a UTF-8 state machine, which made
// base64 and text bodies (hundreds of MB in a big export) the most expensive part of an export.
// Here runs of bytes that need no escaping are found eight at a time and copied whole; strings
// that are not valid UTF-8 are left to nlohmann so the replacement characters stay identical.
#include <ostream>
#include <string>
#include <string_view>

#include "export/transcript_json.h"

namespace h2lens {

// Appends `s` as a JSON string literal (quotes included).
void appendJsonString(std::string& out, std::string_view s);

// Appends `j`; indent < 0 is the compact one-line form, else pretty-printed with that many spaces,
// as if `j` were nested `level` deep (an element of an array written piece by piece).
void appendJson(std::string& out, const Json& j, int indent = -1, int level = 0);

// Writes `j` to `out` through a buffer of about 1 MiB, so a large document is never held twice.
void writeJson(std::ostream& out, const Json& j, int indent = -1);

}  // namespace h2lens
