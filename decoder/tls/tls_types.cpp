#include "tls/tls_types.h"

#include <fmt/format.h>

namespace h2lens {

namespace {
std::string unknown8(std::uint8_t v) {
    return fmt::format("UNKNOWN(0x{:02x})", v);
}
}  // namespace

std::string tlsContentTypeName(std::uint8_t type) {
    switch (static_cast<TlsContentType>(type)) {
        case TlsContentType::ChangeCipherSpec:
            return "change_cipher_spec";
        case TlsContentType::Alert:
            return "alert";
        case TlsContentType::Handshake:
            return "handshake";
        case TlsContentType::ApplicationData:
            return "application_data";
        case TlsContentType::Heartbeat:
            return "heartbeat";
    }
    return unknown8(type);
}

std::string tlsHandshakeTypeName(std::uint8_t type) {
    switch (static_cast<TlsHandshakeType>(type)) {
        case TlsHandshakeType::HelloRequest:
            return "hello_request";
        case TlsHandshakeType::ClientHello:
            return "client_hello";
        case TlsHandshakeType::ServerHello:
            return "server_hello";
        case TlsHandshakeType::NewSessionTicket:
            return "new_session_ticket";
        case TlsHandshakeType::EndOfEarlyData:
            return "end_of_early_data";
        case TlsHandshakeType::EncryptedExtensions:
            return "encrypted_extensions";
        case TlsHandshakeType::Certificate:
            return "certificate";
        case TlsHandshakeType::ServerKeyExchange:
            return "server_key_exchange";
        case TlsHandshakeType::CertificateRequest:
            return "certificate_request";
        case TlsHandshakeType::ServerHelloDone:
            return "server_hello_done";
        case TlsHandshakeType::CertificateVerify:
            return "certificate_verify";
        case TlsHandshakeType::ClientKeyExchange:
            return "client_key_exchange";
        case TlsHandshakeType::Finished:
            return "finished";
        case TlsHandshakeType::CertificateStatus:
            return "certificate_status";
        case TlsHandshakeType::KeyUpdate:
            return "key_update";
        case TlsHandshakeType::MessageHash:
            return "message_hash";
    }
    return unknown8(type);
}

std::string tlsAlertDescriptionName(std::uint8_t d) {
    switch (d) {
        case 0:
            return "close_notify";
        case 10:
            return "unexpected_message";
        case 20:
            return "bad_record_mac";
        case 22:
            return "record_overflow";
        case 40:
            return "handshake_failure";
        case 42:
            return "bad_certificate";
        case 43:
            return "unsupported_certificate";
        case 44:
            return "certificate_revoked";
        case 45:
            return "certificate_expired";
        case 46:
            return "certificate_unknown";
        case 47:
            return "illegal_parameter";
        case 48:
            return "unknown_ca";
        case 49:
            return "access_denied";
        case 50:
            return "decode_error";
        case 51:
            return "decrypt_error";
        case 70:
            return "protocol_version";
        case 71:
            return "insufficient_security";
        case 80:
            return "internal_error";
        case 86:
            return "inappropriate_fallback";
        case 90:
            return "user_canceled";
        case 100:
            return "no_renegotiation";
        case 109:
            return "missing_extension";
        case 110:
            return "unsupported_extension";
        case 112:
            return "unrecognized_name";
        case 113:
            return "bad_certificate_status_response";
        case 115:
            return "unknown_psk_identity";
        case 116:
            return "certificate_required";
        case 120:
            return "no_application_protocol";
        default:
            return unknown8(d);
    }
}

std::string describeTlsAlert(const TlsAlert& a) {
    const char* level = a.level == 1 ? "warning" : a.level == 2 ? "fatal" : nullptr;
    return fmt::format("{} {}", level ? std::string(level) : unknown8(a.level),
                       tlsAlertDescriptionName(a.description));
}

std::string tlsProtocolName(std::uint16_t v) {
    switch (v) {
        case 0x0300:
            return "SSL 3.0";
        case kTls10:
            return "TLS 1.0";
        case kTls11:
            return "TLS 1.1";
        case kTls12:
            return "TLS 1.2";
        case kTls13:
            return "TLS 1.3";
        default:
            return fmt::format("UNKNOWN(0x{:04x})", v);
    }
}

}  // namespace h2lens
