#pragma once
// Printable names of HTTP/2 wire values (RFC 9113 §6, §7, §6.5.2 and the extension RFCs).
// Unknown values are printed, never dropped: "UNKNOWN(0xfa)".
#include <cstdint>
#include <string>

namespace h2lens {

// "DATA", ..., "CONTINUATION", "ALTSVC", "ORIGIN", "PRIORITY_UPDATE", else "UNKNOWN(0xfa)".
std::string frameTypeName(std::uint8_t type);
bool isUnknownFrameType(std::uint8_t type);

// The flags defined for `type`, joined by '|' ("END_STREAM|PADDED"); bits the type does not
// define are appended as hex ("ACK|0x80"); "" when no bit is set.
std::string frameFlagNames(std::uint8_t type, std::uint8_t flags);

// RFC 9113 §7: "NO_ERROR" ... "HTTP_1_1_REQUIRED", else "UNKNOWN(0x..)".
std::string errorCodeName(std::uint32_t code);

// RFC 9113 §6.5.2 plus ENABLE_CONNECT_PROTOCOL (RFC 8441) and NO_RFC7540_PRIORITIES
// (RFC 9218), else "UNKNOWN(0x..)".
std::string settingName(std::uint16_t id);

}  // namespace h2lens
