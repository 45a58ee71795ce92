#pragma once
// Protocol Buffers wire format decoded without a .proto (like `protoc --decode_raw`): field
// numbers, wire types, varints, fixed values, and length-delimited fields shown as a nested
// message when they parse as one, else as a string when they are UTF-8 text, else as bytes.
// Never throws; input that is not protobuf yields ok=false and the fields read before the error.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"

namespace h2lens {

enum class ProtoWireType : std::uint8_t {
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    StartGroup = 3,
    EndGroup = 4,
    Fixed32 = 5,
};

struct ProtoField {
    std::uint32_t number = 0;
    ProtoWireType wireType = ProtoWireType::Varint;
    std::uint64_t varint = 0;  // Varint, Fixed64, Fixed32 values
    Bytes bytes;               // LengthDelimited payload
    // LengthDelimited only: how it was interpreted.
    enum class Shape : std::uint8_t { Scalar, Message, String, Bytes } shape = Shape::Scalar;
    std::vector<ProtoField> children;  // Message, or the fields of a group
};

struct ProtoMessage {
    std::vector<ProtoField> fields;
    bool ok = true;
    std::string error;  // first problem, with its byte offset
};

// `depth` bounds nesting (guessing nested messages recursively on hostile input is quadratic).
ProtoMessage decodeProtobufRaw(ByteSpan bytes, int maxDepth = 16);

std::string_view protoWireTypeName(ProtoWireType t);

}  // namespace h2lens
