#pragma once
// Just enough TLS to say what a connection is without keys: the ClientHello's SNI and ALPN
// offer, and the ServerHello's version (from supported_versions) and chosen ALPN when sent in
// the clear (TLS 1.2; TLS 1.3 encrypts EncryptedExtensions).
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"

namespace h2lens {

struct TlsHello {
    bool client = false;
    std::string sni;
    std::vector<std::string> alpn;  // offered (client) or chosen (server)
    std::uint16_t version = 0;      // legacy_version, or supported_versions when present
};

// `data` is the start of a direction's byte stream. Returns nullopt when it is not a TLS
// handshake record or the hello is not complete yet (call again with more bytes).
std::optional<TlsHello> parseTlsHello(ByteSpan data);
bool looksLikeTls(ByteSpan data);
std::string tlsVersionName(std::uint16_t v);

}  // namespace h2lens
