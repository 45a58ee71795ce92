#include "export/grpc_messages.h"

#include <algorithm>

#include "export/content_decoding.h"

namespace h2lens {

bool isGrpcContentType(std::string_view ct) {
    constexpr std::string_view kPrefix = "application/grpc";
    if (ct.size() < kPrefix.size()) return false;
    for (std::size_t i = 0; i < kPrefix.size(); ++i) {
        const char c = ct[i] >= 'A' && ct[i] <= 'Z' ? static_cast<char>(ct[i] + 32) : ct[i];
        if (c != kPrefix[i]) return false;
    }
    // "application/grpc", "application/grpc+proto", "application/grpc-web", ...; not "grpcx".
    return ct.size() == kPrefix.size() || ct[kPrefix.size()] == '+' || ct[kPrefix.size()] == ';' ||
           ct[kPrefix.size()] == '-';
}

GrpcBody splitGrpcBody(ByteSpan body, std::string_view encoding, std::size_t maxMessages,
                       std::size_t maxMessageBytes) {
    GrpcBody out;
    const std::vector<std::string> codings = parseCodings(encoding);
    std::size_t pos = 0;
    while (body.size() - pos >= 5) {
        const std::uint8_t flag = body[pos];
        const std::uint32_t length = loadBe32(&body[pos + 1]);
        const std::size_t avail = std::min<std::size_t>(length, body.size() - pos - 5);
        if (out.messages.size() >= maxMessages) {
            ++out.droppedMessages;
        } else {
            GrpcMessage m;
            m.offset = pos;
            m.compressed = flag & 1;
            m.length = length;
            m.payloadComplete = avail == length;
            ByteSpan payload = body.subspan(pos + 5, avail);
            if (m.compressed) {
                if (codings.empty()) {
                    m.error = "compressed flag set but no grpc-encoding";
                    m.payload.assign(payload.begin(), payload.end());
                } else {
                    DecodedContent d = decodeContent(payload, codings, maxMessageBytes);
                    m.payload = std::move(d.bytes);
                    if (d.error) m.error = *d.error;
                }
            } else {
                m.payload.assign(payload.begin(),
                                 payload.begin() + std::min(avail, maxMessageBytes));
            }
            out.messages.push_back(std::move(m));
        }
        if (avail < length) {
            pos = body.size();
            break;
        }
        pos += 5 + length;
    }
    out.trailingBytes = body.size() - pos;
    return out;
}

}  // namespace h2lens
