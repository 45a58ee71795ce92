#pragma once
// TLS wire vocabulary shared by the record layer, the handshake parser and the session:
// content types, handshake types, alerts and protocol versions, with names that keep unknown
// values visible as UNKNOWN(0x2a).
#include <cstdint>
#include <string>

namespace h2lens {

enum class TlsContentType : std::uint8_t {
    ChangeCipherSpec = 20,
    Alert = 21,
    Handshake = 22,
    ApplicationData = 23,
    Heartbeat = 24,
};

enum class TlsHandshakeType : std::uint8_t {
    HelloRequest = 0,
    ClientHello = 1,
    ServerHello = 2,
    NewSessionTicket = 4,
    EndOfEarlyData = 5,
    EncryptedExtensions = 8,
    Certificate = 11,
    ServerKeyExchange = 12,
    CertificateRequest = 13,
    ServerHelloDone = 14,
    CertificateVerify = 15,
    ClientKeyExchange = 16,
    Finished = 20,
    CertificateStatus = 22,
    KeyUpdate = 24,
    MessageHash = 254,
};

// Protocol versions as they appear on the wire (legacy_version / supported_versions).
inline constexpr std::uint16_t kTls10 = 0x0301;
inline constexpr std::uint16_t kTls11 = 0x0302;
inline constexpr std::uint16_t kTls12 = 0x0303;
inline constexpr std::uint16_t kTls13 = 0x0304;

struct TlsAlert {
    std::uint8_t level = 0;        // 1 warning, 2 fatal
    std::uint8_t description = 0;  // RFC 8446 §6 AlertDescription
    bool encrypted = false;        // read from a decrypted record
};

std::string tlsContentTypeName(std::uint8_t type);
std::string tlsHandshakeTypeName(std::uint8_t type);
std::string tlsAlertDescriptionName(std::uint8_t description);
// "warning close_notify", "fatal bad_record_mac", ...
std::string describeTlsAlert(const TlsAlert& alert);
// "TLS 1.2", "TLS 1.3", "SSL 3.0", GREASE and others as UNKNOWN(0x7f1c).
std::string tlsProtocolName(std::uint16_t version);

}  // namespace h2lens
