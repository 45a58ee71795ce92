#pragma once
// Undoes HTTP content codings (RFC 9110 §8.4): gzip (and x-gzip), deflate (zlib, or raw DEFLATE
// as some servers send), br and zstd, stacked in any order ("gzip, br" is decoded br first).
// Output is capped so a compression bomb cannot exhaust memory; problems are reported in the
// result, never thrown.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"

namespace h2lens {

struct DecodedContent {
    std::vector<std::string> codings;  // as listed in the header, lowercased, identity dropped
    Bytes bytes;
    bool truncated = false;            // output reached the cap
    std::optional<std::string> error;  // first failure (unknown coding, corrupt or cut input)
};

// Splits a content-encoding (or grpc-encoding) value into codings, lowercased.
std::vector<std::string> parseCodings(std::string_view headerValue);
// True when every coding is one decodeContent understands.
bool supportedCodings(const std::vector<std::string>& codings);

// Decodes `input` encoded with `codings` (in the order they were applied).
DecodedContent decodeContent(ByteSpan input, const std::vector<std::string>& codings,
                             std::size_t maxOutput);

// One coding at a time; `error` is set on failure. `incomplete` input (cut by a capture gap or
// a retention cap) decodes as far as it goes and is reported as an error "input ends early".
Bytes decodeGzipOrDeflate(ByteSpan input, bool gzip, std::size_t maxOutput, bool& truncated,
                          std::optional<std::string>& error);
Bytes decodeBrotli(ByteSpan input, std::size_t maxOutput, bool& truncated,
                   std::optional<std::string>& error);
Bytes decodeZstd(ByteSpan input, std::size_t maxOutput, bool& truncated,
                 std::optional<std::string>& error);

}  // namespace h2lens
