#include "tls/tls_report.h"

#include <fmt/format.h>

namespace h2lens {

std::string_view tlsDecryptionName(TlsDecryption d) {
    switch (d) {
        case TlsDecryption::NotStarted:
            return "not started";
        case TlsDecryption::HandshakeMissing:
            return "handshake missing";
        case TlsDecryption::NoKey:
            return "no key";
        case TlsDecryption::UnsupportedCipherSuite:
            return "unsupported cipher suite";
        case TlsDecryption::UnsupportedVersion:
            return "unsupported version";
        case TlsDecryption::Ok:
            return "decrypted";
        case TlsDecryption::Failed:
            return "failed";
    }
    return "unknown";
}

std::string TlsReport::summary() const {
    std::string offered;
    for (const auto& a : alpnOffered) offered += (offered.empty() ? "" : ",") + a;
    std::string out = version ? tlsProtocolName(version) : "TLS";
    if (!cipherSuiteName.empty()) out += " " + cipherSuiteName;
    out += fmt::format(", SNI {}, ALPN {} (offered {})", sni.empty() ? "-" : sni,
                       alpnSelected.empty() ? "-" : alpnSelected, offered.empty() ? "-" : offered);
    if (helloRetryRequest) out += ", HelloRetryRequest";
    if (resumed) out += ", resumed";
    if (extendedMasterSecret) out += ", extended master secret";
    if (decrypted()) {
        out += ", decrypted";
    } else {
        out += ", not decrypted: " +
               (reason.empty() ? std::string(tlsDecryptionName(decryption)) : reason);
    }
    return out;
}

}  // namespace h2lens
