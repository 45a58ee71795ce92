#pragma once
// gRPC over HTTP/2 (grpc/grpc doc/PROTOCOL-HTTP2.md): a body is a sequence of
// Length-Prefixed-Messages: 1 byte compressed flag, 4 bytes big-endian length, the message.
// Compressed messages use the stream's grpc-encoding (gzip, deflate, zstd understood).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"

namespace h2lens {

struct GrpcMessage {
    std::uint64_t offset = 0;  // of the 5-byte prefix in the body
    bool compressed = false;
    std::uint32_t length = 0;          // as on the wire
    Bytes payload;                     // decompressed when compressed and the encoding is known
    bool payloadComplete = true;       // false when the body (or the retained part) ends inside it
    std::optional<std::string> error;  // decompression problem
};

struct GrpcBody {
    std::vector<GrpcMessage> messages;
    std::uint64_t trailingBytes = 0;    // bytes after the last whole prefix (cut body)
    std::uint64_t droppedMessages = 0;  // beyond `maxMessages`
};

bool isGrpcContentType(std::string_view contentType);

// `encoding` is the grpc-encoding header value ("" or "identity" for none).
GrpcBody splitGrpcBody(ByteSpan body, std::string_view encoding, std::size_t maxMessages,
                       std::size_t maxMessageBytes);

}  // namespace h2lens
