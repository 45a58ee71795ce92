#include "tls/hello_parser.h"

#include <algorithm>

#include "tls/tls_types.h"

namespace h2lens {

namespace {

constexpr TlsRandom kHelloRetryRequestRandom = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

bool readRandom(ByteReader& r, TlsRandom& out) {
    ByteSpan s = r.take(out.size());
    if (r.failed()) return false;
    std::copy(s.begin(), s.end(), out.begin());
    return true;
}

// ProtocolNameList: a 2-byte length, then 1-byte-length names.
bool readAlpnList(ByteSpan ext, std::vector<std::string>& out) {
    ByteReader e(ext);
    ByteReader list(e.take(e.be16()));
    if (e.failed()) return false;
    while (!list.empty()) {
        ByteSpan name = list.take(list.u8());
        if (list.failed()) return false;
        out.emplace_back(asStringView(name));
    }
    return true;
}

bool readSni(ByteSpan ext, std::string& out) {
    ByteReader e(ext);
    ByteReader list(e.take(e.be16()));
    if (e.failed()) return false;
    while (!list.empty()) {
        const std::uint8_t nameType = list.u8();
        ByteSpan name = list.take(list.be16());
        if (list.failed()) return false;
        if (nameType == 0 && out.empty()) out.assign(asStringView(name));
    }
    return true;
}

// Calls `each(type, data)` per extension; false when the block is malformed.
template <typename F>
bool forEachExtension(ByteReader& r, std::string& error, F&& each) {
    if (r.empty()) return true;  // extensions are optional before TLS 1.3
    ByteReader block(r.take(r.be16()));
    if (r.failed()) {
        error = "extensions block longer than the message";
        return false;
    }
    while (!block.empty()) {
        const std::uint16_t type = block.be16();
        ByteSpan data = block.take(block.be16());
        if (block.failed()) {
            error = "extension longer than the extensions block";
            return false;
        }
        if (!each(type, data)) {
            error = "malformed extension " + std::to_string(type);
            return false;
        }
    }
    return true;
}

}  // namespace

std::uint16_t ClientHelloInfo::maxVersion() const {
    if (supportedVersions.empty()) return legacyVersion;
    return *std::max_element(supportedVersions.begin(), supportedVersions.end());
}

std::optional<ClientHelloInfo> parseClientHello(ByteSpan body, std::string& error) {
    ByteReader r(body);
    ClientHelloInfo out;
    out.legacyVersion = r.be16();
    if (!readRandom(r, out.random)) {
        error = "ClientHello shorter than its random";
        return std::nullopt;
    }
    ByteSpan sid = r.take(r.u8());
    out.sessionId.assign(sid.begin(), sid.end());
    ByteReader suites(r.take(r.be16()));
    while (suites.remaining() >= 2) out.cipherSuites.push_back(suites.be16());
    r.skip(r.u8());  // compression methods
    if (r.failed()) {
        error = "ClientHello truncated before its extensions";
        return std::nullopt;
    }
    const bool ok = forEachExtension(r, error, [&out](std::uint16_t type, ByteSpan data) {
        out.extensions.push_back(type);
        switch (static_cast<TlsExtension>(type)) {
            case TlsExtension::ServerName:
                return readSni(data, out.sni);
            case TlsExtension::Alpn:
                return readAlpnList(data, out.alpn);
            case TlsExtension::ExtendedMasterSecret:
                out.extendedMasterSecret = true;
                return true;
            case TlsExtension::SessionTicket:
                out.sessionTicket = true;
                return true;
            case TlsExtension::PreSharedKey:
                out.preSharedKey = true;
                return true;
            case TlsExtension::EarlyData:
                out.earlyData = true;
                return true;
            case TlsExtension::SupportedVersions: {
                ByteReader e(data);
                ByteReader list(e.take(e.u8()));
                if (e.failed()) return false;
                while (list.remaining() >= 2) {
                    const std::uint16_t v = list.be16();
                    if (!isGrease(v)) out.supportedVersions.push_back(v);
                }
                return true;
            }
            default:
                return true;
        }
    });
    if (!ok) return std::nullopt;
    return out;
}

std::optional<ServerHelloInfo> parseServerHello(ByteSpan body, std::string& error) {
    ByteReader r(body);
    ServerHelloInfo out;
    out.legacyVersion = r.be16();
    if (!readRandom(r, out.random)) {
        error = "ServerHello shorter than its random";
        return std::nullopt;
    }
    out.helloRetryRequest = out.random == kHelloRetryRequestRandom;
    ByteSpan sid = r.take(r.u8());
    out.sessionId.assign(sid.begin(), sid.end());
    out.cipherSuite = r.be16();
    out.compression = r.u8();
    if (r.failed()) {
        error = "ServerHello truncated before its extensions";
        return std::nullopt;
    }
    const bool ok = forEachExtension(r, error, [&out](std::uint16_t type, ByteSpan data) {
        out.extensions.push_back(type);
        switch (static_cast<TlsExtension>(type)) {
            case TlsExtension::Alpn: {
                std::vector<std::string> list;
                if (!readAlpnList(data, list) || list.size() != 1) return false;
                out.alpn = list.front();
                return true;
            }
            case TlsExtension::ExtendedMasterSecret:
                out.extendedMasterSecret = true;
                return true;
            case TlsExtension::PreSharedKey:
                out.preSharedKey = true;
                return true;
            case TlsExtension::SupportedVersions: {
                ByteReader e(data);
                out.selectedVersion = e.be16();
                return !e.failed();
            }
            default:
                return true;
        }
    });
    if (!ok) return std::nullopt;
    return out;
}

std::optional<EncryptedExtensionsInfo> parseEncryptedExtensions(ByteSpan body, std::string& error) {
    ByteReader r(body);
    EncryptedExtensionsInfo out;
    if (r.remaining() < 2) {
        error = "EncryptedExtensions shorter than its length field";
        return std::nullopt;
    }
    const bool ok = forEachExtension(r, error, [&out](std::uint16_t type, ByteSpan data) {
        if (type == static_cast<std::uint16_t>(TlsExtension::Alpn)) {
            std::vector<std::string> list;
            if (!readAlpnList(data, list) || list.size() != 1) return false;
            out.alpn = list.front();
        } else if (type == static_cast<std::uint16_t>(TlsExtension::EarlyData)) {
            out.earlyData = true;
        }
        return true;
    });
    if (!ok) return std::nullopt;
    return out;
}

}  // namespace h2lens
