// Every frame type and every payload malformation, from hand-made bytes (RFC 9113 §6 layouts).
#include <catch2/catch.hpp>

#include "frame_test_support.h"
#include "h2/names.h"

using namespace h2lens;
using namespace h2lens::test;

namespace {

OneFrame decodeOne(const Bytes& bytes) {
    FrameDecoder dec(Limits{});
    CapturingSink sink;
    dec.feed(bytes, 42, sink);
    REQUIRE(sink.issues.empty());
    REQUIRE(sink.frames.size() == 1);
    return sink.frames.front();
}

std::string errorText(const OneFrame& o) {
    return o.frame.error ? std::string(o.frame.error->text) : std::string("none");
}

}  // namespace

TEST_CASE("DATA decodes plain and padded, and bad padding or stream 0 is an error",
          "[frame][data]") {
    SECTION("plain with END_STREAM") {
        auto o = decodeOne(frameBytes(0x0, 0x1, 3, str("hello")));
        CHECK(o.frame.frameType() == FrameType::Data);
        CHECK(o.frame.length == 5);
        CHECK(o.frame.streamId == 3);
        CHECK(o.frame.hasFlag(frame_flag::kEndStream));
        CHECK_FALSE(o.frame.padded);
        CHECK(o.data == str("hello"));
        CHECK(o.frame.ts == 42);
        CHECK(o.frame.offset == 0);
        CHECK_FALSE(o.frame.error);
    }
    SECTION("padded: data excludes pad length byte and padding") {
        auto o = decodeOne(frameBytes(0x0, 0x8, 1, cat({{3}, str("abc"), {0, 0, 0}})));
        CHECK(o.frame.padded);
        CHECK(o.frame.padLength == 3);
        CHECK(o.data == str("abc"));
        CHECK(o.payload.size() == 7);
        CHECK_FALSE(o.frame.error);
    }
    SECTION("padding that leaves an empty body is legal") {
        auto o = decodeOne(frameBytes(0x0, 0x8, 1, {2, 0, 0}));
        CHECK(o.data.empty());
        CHECK_FALSE(o.frame.error);
    }
    SECTION("pad length equal to the payload length is PADDING_TOO_LONG") {
        auto o = decodeOne(frameBytes(0x0, 0x8, 1, {3, 0, 0}));
        REQUIRE(o.frame.error);
        CHECK(o.frame.error->kind == FrameErrorKind::PaddingTooLong);
        CHECK(errorText(o) == "PADDING_TOO_LONG §6.1");
        CHECK(o.frame.error->h2ErrorCode == 0x1);
    }
    SECTION("PADDED with an empty payload") {
        auto o = decodeOne(frameBytes(0x0, 0x8, 1, {}));
        REQUIRE(o.frame.error);
        CHECK(o.frame.error->kind == FrameErrorKind::FrameTooShort);
    }
    SECTION("stream 0") {
        auto o = decodeOne(frameBytes(0x0, 0x0, 0, str("x")));
        CHECK(errorText(o) == "DATA on stream 0 §6.1");
        CHECK(o.data == str("x"));  // still decoded
    }
}

TEST_CASE("HEADERS decodes priority and padding, and its malformations are errors",
          "[frame][headers]") {
    SECTION("PRIORITY and PADDED together") {
        auto o = decodeOne(
            frameBytes(0x1, 0x2d, 5, cat({{2}, be32(0x80000003), {15}, {0x82, 0x86}, {0, 0}})));
        CHECK(o.frame.hasFlag(frame_flag::kEndHeaders));
        CHECK(o.frame.padLength == 2);
        REQUIRE(o.frame.priority);
        CHECK(o.frame.priority->exclusive);
        CHECK(o.frame.priority->dependency == 3);
        CHECK(o.frame.priority->weight == 15);
        CHECK(o.block == Bytes{0x82, 0x86});
        CHECK_FALSE(o.frame.error);
    }
    SECTION("no flags: whole payload is the fragment") {
        auto o = decodeOne(frameBytes(0x1, 0x0, 1, {0x82}));
        CHECK_FALSE(o.frame.priority);
        CHECK(o.block == Bytes{0x82});
    }
    SECTION("padding longer than what is left after the priority fields") {
        auto o = decodeOne(frameBytes(0x1, 0x28, 1, cat({{2}, be32(0), {0}, {0}})));
        CHECK(errorText(o) == "PADDING_TOO_LONG §6.2");
    }
    SECTION("PRIORITY flag but fewer than 5 bytes") {
        auto o = decodeOne(frameBytes(0x1, 0x20, 1, {0, 0, 0}));
        CHECK(o.frame.error->kind == FrameErrorKind::FrameTooShort);
    }
    SECTION("stream 0") {
        CHECK(errorText(decodeOne(frameBytes(0x1, 0x4, 0, {0x82}))) == "HEADERS on stream 0 §6.2");
    }
    SECTION("depends on itself") {
        auto o = decodeOne(frameBytes(0x1, 0x24, 7, cat({be32(7), {1}})));
        CHECK(o.frame.error->kind == FrameErrorKind::SelfDependency);
    }
}

TEST_CASE("PRIORITY decodes its dependency and weight, and a wrong length or stream 0 is an error",
          "[frame][priority]") {
    auto o = decodeOne(frameBytes(0x2, 0, 3, cat({be32(11), {200}})));
    REQUIRE(o.frame.priority);
    CHECK_FALSE(o.frame.priority->exclusive);
    CHECK(o.frame.priority->dependency == 11);
    CHECK(o.frame.priority->weight == 200);
    CHECK_FALSE(o.frame.error);
    CHECK(errorText(decodeOne(frameBytes(0x2, 0, 3, {0, 0, 0, 1}))) == "PRIORITY length != 5 §6.3");
    CHECK(errorText(decodeOne(frameBytes(0x2, 0, 3, Bytes(6, 0)))) == "PRIORITY length != 5 §6.3");
    CHECK(errorText(decodeOne(frameBytes(0x2, 0, 0, cat({be32(1), {1}})))) ==
          "PRIORITY on stream 0 §6.3");
    CHECK(decodeOne(frameBytes(0x2, 0, 0, cat({be32(1), {1}}))).frame.error->h2ErrorCode == 0x1);
}

TEST_CASE("RST_STREAM decodes its error code, and a wrong length or stream 0 is an error",
          "[frame][rst]") {
    auto o = decodeOne(frameBytes(0x3, 0, 9, be32(8)));
    CHECK(o.frame.errorCode == 8);
    CHECK(errorCodeName(o.frame.errorCode) == "CANCEL");
    CHECK_FALSE(o.frame.error);
    auto bad = decodeOne(frameBytes(0x3, 0, 9, {0, 0, 8}));
    CHECK(errorText(bad) == "RST_STREAM length != 4 §6.4");
    CHECK(bad.frame.error->h2ErrorCode == 0x6);
    CHECK(errorText(decodeOne(frameBytes(0x3, 0, 0, be32(0)))) == "RST_STREAM on stream 0 §6.4");
}

TEST_CASE(
    "SETTINGS keeps its values in order, unknown ids too, and reports bad lengths, an ACK with "
    "payload and bad values",
    "[frame][settings]") {
    SECTION("values in order, unknown ids kept") {
        auto o = decodeOne(frameBytes(
            0x4, 0, 0, cat({be16(1), be32(4096), be16(3), be32(100), be16(0x2a), be32(7)})));
        REQUIRE(o.frame.settings.size() == 3);
        CHECK(o.frame.settings[0] == Setting{1, 4096});
        CHECK(o.frame.settings[1] == Setting{3, 100});
        CHECK(o.frame.settings[2] == Setting{0x2a, 7});
        CHECK_FALSE(o.frame.error);
    }
    SECTION("ACK") {
        auto o = decodeOne(frameBytes(0x4, 0x1, 0, {}));
        CHECK(o.frame.hasFlag(frame_flag::kAck));
        CHECK_FALSE(o.frame.error);
    }
    SECTION("ACK with payload") {
        auto o = decodeOne(frameBytes(0x4, 0x1, 0, cat({be16(1), be32(0)})));
        CHECK(errorText(o) == "SETTINGS with ACK and payload §6.5");
        CHECK(o.frame.settings.empty());
    }
    SECTION("length not a multiple of 6") {
        auto o = decodeOne(frameBytes(0x4, 0, 0, Bytes(7, 0)));
        CHECK(errorText(o) == "SETTINGS length not a multiple of 6 §6.5");
        CHECK(o.frame.error->h2ErrorCode == 0x6);
    }
    SECTION("on a stream") {
        CHECK(errorText(decodeOne(frameBytes(0x4, 0, 1, {}))) == "SETTINGS on a stream §6.5");
    }
    SECTION("bad values: first reported, all settings kept") {
        auto o = decodeOne(frameBytes(
            0x4, 0, 0, cat({be16(2), be32(2), be16(4), be32(0x80000000), be16(5), be32(100)})));
        CHECK(o.frame.settings.size() == 3);
        CHECK(errorText(o) == "SETTINGS_ENABLE_PUSH not 0 or 1 §6.5.2");
        CHECK(errorText(decodeOne(frameBytes(0x4, 0, 0, cat({be16(4), be32(0x80000000)})))) ==
              "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1 §6.5.2");
        CHECK(errorText(decodeOne(frameBytes(0x4, 0, 0, cat({be16(5), be32(16383)})))) ==
              "SETTINGS_MAX_FRAME_SIZE outside 16384..2^24-1 §6.5.2");
        CHECK_FALSE(decodeOne(frameBytes(0x4, 0, 0, cat({be16(5), be32(16777215)}))).frame.error);
        CHECK(decodeOne(frameBytes(0x4, 0, 0, cat({be16(8), be32(2)}))).frame.error);
        CHECK(decodeOne(frameBytes(0x4, 0, 0, cat({be16(9), be32(2)}))).frame.error);
    }
}

TEST_CASE(
    "PUSH_PROMISE decodes the promised stream and block, padded or not, and reports its "
    "malformations",
    "[frame][push]") {
    auto o = decodeOne(frameBytes(0x5, 0x4, 1, cat({be32(0x80000002), {0x82, 0x84}})));
    CHECK(o.frame.promisedStreamId == 2);  // reserved bit masked
    CHECK(o.block == Bytes{0x82, 0x84});
    CHECK_FALSE(o.frame.error);
    auto padded = decodeOne(frameBytes(0x5, 0xc, 1, cat({{1}, be32(4), {0x82}, {0}})));
    CHECK(padded.frame.promisedStreamId == 4);
    CHECK(padded.block == Bytes{0x82});
    CHECK(padded.frame.padLength == 1);
    CHECK(errorText(decodeOne(frameBytes(0x5, 0xc, 1, cat({{2}, be32(4), {0}})))) ==
          "PADDING_TOO_LONG §6.6");
    CHECK(decodeOne(frameBytes(0x5, 0x4, 1, {0, 0})).frame.error->kind ==
          FrameErrorKind::FrameTooShort);
    CHECK(errorText(decodeOne(frameBytes(0x5, 0x4, 0, be32(2)))) ==
          "PUSH_PROMISE on stream 0 §6.6");
}

TEST_CASE("PING decodes its 8 bytes of data, and a wrong length or a stream is an error",
          "[frame][ping]") {
    auto o = decodeOne(frameBytes(0x6, 0x1, 0, {1, 2, 3, 4, 5, 6, 7, 8}));
    CHECK(o.frame.pingData == std::array<std::uint8_t, 8>{1, 2, 3, 4, 5, 6, 7, 8});
    CHECK(o.frame.hasFlag(frame_flag::kAck));
    CHECK_FALSE(o.frame.error);
    CHECK(errorText(decodeOne(frameBytes(0x6, 0, 0, Bytes(7, 0)))) == "PING length != 8 §6.7");
    CHECK(errorText(decodeOne(frameBytes(0x6, 0, 0, Bytes(9, 0)))) == "PING length != 8 §6.7");
    CHECK(errorText(decodeOne(frameBytes(0x6, 0, 1, Bytes(8, 0)))) == "PING on a stream §6.7");
}

TEST_CASE(
    "GOAWAY decodes its last stream id, error code and debug data, and a short frame or a stream "
    "is an error",
    "[frame][goaway]") {
    auto o = decodeOne(frameBytes(0x7, 0, 0, cat({be32(0x80000019), be32(2), str("bye")})));
    CHECK(o.frame.lastStreamId == 25);
    CHECK(errorCodeName(o.frame.errorCode) == "INTERNAL_ERROR");
    CHECK(o.debug == str("bye"));
    CHECK_FALSE(o.frame.error);
    CHECK(errorText(decodeOne(frameBytes(0x7, 0, 0, Bytes(7, 0)))) ==
          "GOAWAY shorter than 8 bytes §6.8");
    CHECK(errorText(decodeOne(frameBytes(0x7, 0, 3, Bytes(8, 0)))) == "GOAWAY on a stream §6.8");
}

TEST_CASE(
    "WINDOW_UPDATE decodes its increment without the reserved bit, and a wrong length or increment "
    "0 is an error",
    "[frame][window]") {
    auto o = decodeOne(frameBytes(0x8, 0, 0, be32(0x80010000)));
    CHECK(o.frame.windowIncrement == 65536);  // reserved bit masked
    CHECK_FALSE(o.frame.error);
    CHECK(decodeOne(frameBytes(0x8, 0, 5, be32(1))).frame.windowIncrement == 1);
    CHECK(errorText(decodeOne(frameBytes(0x8, 0, 0, {0, 0, 1}))) ==
          "WINDOW_UPDATE length != 4 §6.9");
    CHECK(errorText(decodeOne(frameBytes(0x8, 0, 0, Bytes(5, 1)))) ==
          "WINDOW_UPDATE length != 4 §6.9");
    CHECK(errorText(decodeOne(frameBytes(0x8, 0, 1, be32(0)))) == "WINDOW_UPDATE increment 0 §6.9");
}

TEST_CASE("CONTINUATION carries its block fragment and is an error on stream 0",
          "[frame][continuation]") {
    auto o = decodeOne(frameBytes(0x9, 0x4, 1, {0x41, 0x82}));
    CHECK(o.block == Bytes{0x41, 0x82});
    CHECK_FALSE(o.frame.error);
    CHECK(errorText(decodeOne(frameBytes(0x9, 0x4, 0, {0x82}))) ==
          "CONTINUATION on stream 0 §6.10");
}

TEST_CASE(
    "ALTSVC (RFC 7838) decodes its origin and value, on stream 0 or a stream, and reports its "
    "malformations",
    "[frame][altsvc]") {
    const Bytes origin = str("https://example.com");
    auto o = decodeOne(frameBytes(0xa, 0, 0, cat({be16(19), origin, str("h2=\":443\"")})));
    CHECK(o.altOrigin == origin);
    CHECK(o.altValue == str("h2=\":443\""));
    CHECK_FALSE(o.frame.error);
    auto onStream = decodeOne(frameBytes(0xa, 0, 3, cat({be16(0), str("h2=\":8443\"")})));
    CHECK(onStream.altOrigin.empty());
    CHECK(onStream.altValue == str("h2=\":8443\""));
    CHECK_FALSE(onStream.frame.error);
    CHECK(decodeOne(frameBytes(0xa, 0, 0, cat({be16(0), str("x")}))).frame.error->kind ==
          FrameErrorKind::StreamIdZero);
    CHECK(decodeOne(frameBytes(0xa, 0, 3, cat({be16(1), str("ab")}))).frame.error->kind ==
          FrameErrorKind::StreamIdNonZero);
    CHECK(decodeOne(frameBytes(0xa, 0, 0, cat({be16(9), str("ab")}))).frame.error->kind ==
          FrameErrorKind::FrameTooShort);
    CHECK(decodeOne(frameBytes(0xa, 0, 0, {1})).frame.error->kind == FrameErrorKind::FrameTooShort);
}

TEST_CASE("ORIGIN (RFC 8336) decodes its origin list and reports a cut entry or a stream id",
          "[frame][origin]") {
    auto o = decodeOne(
        frameBytes(0xc, 0, 0, cat({be16(5), str("https"), be16(0), be16(3), str("a.b")})));
    CHECK(o.origins == std::vector<std::string>{"https", "", "a.b"});
    CHECK_FALSE(o.frame.error);
    auto cut = decodeOne(frameBytes(0xc, 0, 0, cat({be16(5), str("htt")})));
    CHECK(cut.frame.error->kind == FrameErrorKind::FrameTooShort);
    CHECK(decodeOne(frameBytes(0xc, 0, 0, {0})).frame.error->kind == FrameErrorKind::FrameTooShort);
    CHECK(decodeOne(frameBytes(0xc, 0, 1, {})).frame.error->kind ==
          FrameErrorKind::StreamIdNonZero);
}

TEST_CASE(
    "PRIORITY_UPDATE (RFC 9218) decodes the prioritized stream and field value and reports its "
    "malformations",
    "[frame][priority_update]") {
    auto o = decodeOne(frameBytes(0x10, 0, 0, cat({be32(5), str("u=1, i")})));
    CHECK(o.frame.prioritizedStreamId == 5);
    CHECK(o.prioValue == str("u=1, i"));
    CHECK_FALSE(o.frame.error);
    CHECK(decodeOne(frameBytes(0x10, 0, 0, {0, 0, 1})).frame.error->kind ==
          FrameErrorKind::FrameTooShort);
    CHECK(decodeOne(frameBytes(0x10, 0, 3, be32(5))).frame.error->kind ==
          FrameErrorKind::StreamIdNonZero);
    CHECK(decodeOne(frameBytes(0x10, 0, 0, be32(0))).frame.error->kind ==
          FrameErrorKind::ZeroStreamReference);
}

TEST_CASE("An unknown frame type keeps its payload and the reserved bit is reported",
          "[frame][unknown]") {
    auto o = decodeOne(frameBytes(0xfa, 0x05, 0x80000000, str("ext")));
    CHECK(o.frame.type == 0xfa);
    CHECK(o.frame.flags == 0x05);
    CHECK(o.frame.streamId == 0);
    CHECK(o.frame.reservedBit);
    CHECK(o.payload == str("ext"));
    CHECK_FALSE(o.frame.error);
    CHECK(frameTypeName(o.frame.type) == "UNKNOWN(0xfa)");
}

TEST_CASE("A frame over SETTINGS_MAX_FRAME_SIZE is flagged as oversize and still decoded",
          "[frame][oversize]") {
    const Bytes body(16385, 0x61);
    FrameDecoder dec(Limits{});
    CapturingSink sink;
    dec.feed(frameBytes(0x0, 0, 1, body), 1, sink);
    REQUIRE(sink.frames.size() == 1);
    CHECK(sink.frames[0].frame.oversize);
    CHECK(sink.frames[0].data == body);
    dec.setMaxFrameSize(1 << 20);
    dec.feed(frameBytes(0x0, 0, 1, body), 2, sink);
    REQUIRE(sink.frames.size() == 2);
    CHECK_FALSE(sink.frames[1].frame.oversize);
    CHECK(sink.frames[1].frame.offset == 9 + 16385);
    CHECK(dec.stats().oversizeFrames == 1);
}
