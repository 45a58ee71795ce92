#pragma once
// ClientHello, ServerHello (incl. HelloRetryRequest) and EncryptedExtensions bodies
// (RFC 8446 §4.1–§4.3, RFC 5246 §7.4.1): the fields an analyst and the key schedule need.
// Parsers take the message body (after the 4-byte handshake header) and never read past it;
// a truncated or malformed body yields nullopt and a reason, extensions after a bad one are
// not read.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"

namespace h2lens {

using TlsRandom = std::array<std::uint8_t, 32>;

// Extension code points used here (IANA TLS ExtensionType registry).
enum class TlsExtension : std::uint16_t {
    ServerName = 0,
    Alpn = 16,
    ExtendedMasterSecret = 23,
    SessionTicket = 35,
    PreSharedKey = 41,
    EarlyData = 42,
    SupportedVersions = 43,
    KeyShare = 51,
};

struct ClientHelloInfo {
    std::uint16_t legacyVersion = 0;
    TlsRandom random{};
    Bytes sessionId;
    std::vector<std::uint16_t> cipherSuites;
    std::string sni;                               // host_name entry of server_name
    std::vector<std::string> alpn;                 // offered protocols, in order
    std::vector<std::uint16_t> supportedVersions;  // GREASE values dropped
    std::vector<std::uint16_t> extensions;         // types in order, GREASE included
    bool extendedMasterSecret = false;
    bool sessionTicket = false;  // session_ticket extension present (RFC 5077)
    bool preSharedKey = false;   // TLS 1.3 resumption offered
    bool earlyData = false;      // TLS 1.3 0-RTT offered

    // The highest version offered: supported_versions when present, else legacy_version.
    std::uint16_t maxVersion() const;
};

struct ServerHelloInfo {
    std::uint16_t legacyVersion = 0;
    TlsRandom random{};
    Bytes sessionId;
    std::uint16_t cipherSuite = 0;
    std::uint8_t compression = 0;
    std::uint16_t selectedVersion = 0;  // supported_versions, 0 when absent
    std::string alpn;                   // TLS 1.2 (TLS 1.3 sends it in EncryptedExtensions)
    std::vector<std::uint16_t> extensions;
    bool helloRetryRequest = false;  // random is the RFC 8446 §4.1.3 magic value
    bool extendedMasterSecret = false;
    bool preSharedKey = false;  // TLS 1.3 resumption accepted

    std::uint16_t version() const { return selectedVersion ? selectedVersion : legacyVersion; }
};

struct EncryptedExtensionsInfo {
    std::string alpn;
    bool earlyData = false;
};

std::optional<ClientHelloInfo> parseClientHello(ByteSpan body, std::string& error);
std::optional<ServerHelloInfo> parseServerHello(ByteSpan body, std::string& error);
std::optional<EncryptedExtensionsInfo> parseEncryptedExtensions(ByteSpan body, std::string& error);

inline bool isGrease(std::uint16_t v) {
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

}  // namespace h2lens
