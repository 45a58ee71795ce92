#include <catch2/catch.hpp>

#include "h2/names.h"

using namespace h2lens;

TEST_CASE("Frame types have their RFC names, and unknown types are named by their number",
          "[frame][names]") {
    CHECK(frameTypeName(0x0) == "DATA");
    CHECK(frameTypeName(0x3) == "RST_STREAM");
    CHECK(frameTypeName(0x8) == "WINDOW_UPDATE");
    CHECK(frameTypeName(0x9) == "CONTINUATION");
    CHECK(frameTypeName(0xa) == "ALTSVC");
    CHECK(frameTypeName(0xb) == "UNKNOWN(0xb)");
    CHECK(frameTypeName(0xc) == "ORIGIN");
    CHECK(frameTypeName(0x10) == "PRIORITY_UPDATE");
    CHECK(frameTypeName(0xfa) == "UNKNOWN(0xfa)");
    CHECK(isUnknownFrameType(0xfa));
    CHECK_FALSE(isUnknownFrameType(0x10));
}

TEST_CASE("Flag names depend on the frame type", "[frame][names]") {
    CHECK(frameFlagNames(0x0, 0x09) == "END_STREAM|PADDED");
    CHECK(frameFlagNames(0x1, 0x25) == "END_STREAM|END_HEADERS|PRIORITY");
    CHECK(frameFlagNames(0x4, 0x01) == "ACK");
    CHECK(frameFlagNames(0x6, 0x01) == "ACK");
    CHECK(frameFlagNames(0x5, 0x0c) == "END_HEADERS|PADDED");
    CHECK(frameFlagNames(0x9, 0x04) == "END_HEADERS");
    CHECK(frameFlagNames(0x8, 0x00) == "");
    CHECK(frameFlagNames(0x4, 0x81) == "ACK|0x80");
    CHECK(frameFlagNames(0xfa, 0x05) == "0x05");
}

TEST_CASE(
    "Error codes and settings have their RFC names, and unknown ones are named by their number",
    "[frame][names]") {
    CHECK(errorCodeName(0x0) == "NO_ERROR");
    CHECK(errorCodeName(0x6) == "FRAME_SIZE_ERROR");
    CHECK(errorCodeName(0xb) == "ENHANCE_YOUR_CALM");
    CHECK(errorCodeName(0xd) == "HTTP_1_1_REQUIRED");
    CHECK(errorCodeName(0xe) == "UNKNOWN(0xe)");
    CHECK(errorCodeName(0xdeadbeef) == "UNKNOWN(0xdeadbeef)");
    CHECK(settingName(1) == "HEADER_TABLE_SIZE");
    CHECK(settingName(6) == "MAX_HEADER_LIST_SIZE");
    CHECK(settingName(7) == "UNKNOWN(0x7)");
    CHECK(settingName(8) == "ENABLE_CONNECT_PROTOCOL");
    CHECK(settingName(9) == "NO_RFC7540_PRIORITIES");
    CHECK(settingName(0x2a) == "UNKNOWN(0x2a)");
}
