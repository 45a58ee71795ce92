#include "pipeline/tls_hello.h"

#include <fmt/format.h>

namespace h2lens {

bool looksLikeTls(ByteSpan d) {
    return d.size() >= 3 && d[0] == 0x16 && d[1] == 0x03 && d[2] <= 0x04;
}

std::string tlsVersionName(std::uint16_t v) {
    switch (v) {
        case 0x0301: return "TLS 1.0";
        case 0x0302: return "TLS 1.1";
        case 0x0303: return "TLS 1.2";
        case 0x0304: return "TLS 1.3";
        default: return fmt::format("0x{:04x}", v);
    }
}

std::optional<TlsHello> parseTlsHello(ByteSpan data) {
    if (!looksLikeTls(data) || data.size() < 5) return std::nullopt;
    const std::size_t recordLength = loadBe16(&data[3]);
    if (data.size() < 5 + recordLength) return std::nullopt;
    ByteReader r(data.subspan(5, recordLength));
    const std::uint8_t type = r.u8();
    if (type != 1 && type != 2) return std::nullopt;
    const std::uint32_t bodyLength = r.be24();
    // A hello larger than one record is rare; parse what this record holds.
    ByteReader h(r.take(std::min<std::size_t>(bodyLength, r.remaining())));
    TlsHello out;
    out.client = type == 1;
    out.version = h.be16();
    h.skip(32);  // random
    h.skip(h.u8());  // session id
    if (out.client) {
        h.skip(h.be16());  // cipher suites
        h.skip(h.u8());    // compression methods
    } else {
        h.skip(2);  // cipher suite
        h.skip(1);  // compression
    }
    if (h.failed() || h.remaining() < 2) return out;
    ByteReader ext(h.take(h.be16()));
    while (ext.remaining() >= 4) {
        const std::uint16_t extType = ext.be16();
        ByteReader e(ext.take(ext.be16()));
        if (extType == 0 && out.client) {  // server_name
            ByteReader list(e.take(e.be16()));
            while (list.remaining() >= 3) {
                const std::uint8_t nameType = list.u8();
                ByteSpan name = list.take(list.be16());
                if (nameType == 0) out.sni.assign(asStringView(name));
            }
        } else if (extType == 16) {  // application_layer_protocol_negotiation
            ByteReader list(e.take(e.be16()));
            while (list.remaining() >= 1) {
                ByteSpan p = list.take(list.u8());
                if (list.failed()) break;
                out.alpn.emplace_back(asStringView(p));
            }
        } else if (extType == 43) {  // supported_versions
            if (out.client) {
                ByteReader list(e.take(e.u8()));
                std::uint16_t best = 0;
                while (list.remaining() >= 2) {
                    const std::uint16_t v = list.be16();
                    if ((v & 0x0f0f) == 0x0a0a) continue;  // GREASE
                    best = std::max(best, v);
                }
                if (best) out.version = best;
            } else {
                out.version = e.be16();
            }
        }
    }
    return out;
}

}  // namespace h2lens
