#include "h2/frame_payload.h"

namespace h2lens {

namespace {

// RFC 9113 §7 error codes the RFC prescribes for each malformation.
constexpr std::uint32_t kProtocolError = 0x1;
constexpr std::uint32_t kFlowControlError = 0x3;
constexpr std::uint32_t kFrameSizeError = 0x6;

void fail(Frame& f, FrameErrorKind kind, std::string_view text, std::uint32_t code) {
    if (!f.error) f.error = FrameError{kind, text, code};
}

PriorityFields readPriority(ByteReader& r) {
    const std::uint32_t dep = r.be32();
    const std::uint8_t weight = r.u8();
    return PriorityFields{(dep >> 31) != 0, dep & 0x7fffffffu, weight};
}

// Strips pad length + padding (DATA, HEADERS, PUSH_PROMISE); `fixed` is the size of the
// mandatory fields that follow the pad length. Returns false when the padding does not fit.
bool readPadding(Frame& f, ByteReader& r, std::size_t fixed, std::string_view tooLong,
                 std::string_view tooShort) {
    if (!f.hasFlag(frame_flag::kPadded)) return true;
    f.padded = true;
    if (r.remaining() < 1 + fixed) {
        fail(f, FrameErrorKind::FrameTooShort, tooShort, kFrameSizeError);
        return false;
    }
    f.padLength = r.u8();
    if (f.padLength > r.remaining() - fixed) {
        fail(f, FrameErrorKind::PaddingTooLong, tooLong, kProtocolError);
        return false;
    }
    return true;
}

// The bytes left in `r` minus the padding.
ByteSpan unpadded(const Frame& f, ByteReader& r) {
    return r.take(r.remaining() - f.padLength);
}

void requireStream(Frame& f, std::string_view text) {
    if (f.streamId == 0) fail(f, FrameErrorKind::StreamIdZero, text, kProtocolError);
}
void requireConnection(Frame& f, std::string_view text) {
    if (f.streamId != 0) fail(f, FrameErrorKind::StreamIdNonZero, text, kProtocolError);
}

void decodeData(Frame& f, ByteReader& r) {
    requireStream(f, "DATA on stream 0 §6.1");
    if (!readPadding(f, r, 0, "PADDING_TOO_LONG §6.1", "DATA PADDED without pad length §6.1"))
        return;
    f.data = unpadded(f, r);
}

void decodeHeaders(Frame& f, ByteReader& r) {
    requireStream(f, "HEADERS on stream 0 §6.2");
    const bool prio = f.hasFlag(frame_flag::kPriority);
    const std::size_t fixed = prio ? 5 : 0;
    if (!readPadding(f, r, fixed, "PADDING_TOO_LONG §6.2",
                     "HEADERS too short for pad length and priority §6.2"))
        return;
    if (prio) {
        if (r.remaining() < 5) {
            fail(f, FrameErrorKind::FrameTooShort, "HEADERS too short for priority §6.2",
                 kFrameSizeError);
            return;
        }
        f.priority = readPriority(r);
        if (f.priority->dependency == f.streamId && f.streamId != 0)
            fail(f, FrameErrorKind::SelfDependency, "HEADERS stream depends on itself §5.3.1",
                 kProtocolError);
    }
    f.headerBlockFragment = unpadded(f, r);
}

void decodePriority(Frame& f, ByteReader& r) {
    requireStream(f, "PRIORITY on stream 0 §6.3");
    if (f.length != 5) {
        fail(f, FrameErrorKind::BadLength, "PRIORITY length != 5 §6.3", kFrameSizeError);
        return;
    }
    f.priority = readPriority(r);
    if (f.priority->dependency == f.streamId && f.streamId != 0)
        fail(f, FrameErrorKind::SelfDependency, "PRIORITY stream depends on itself §5.3.1",
             kProtocolError);
}

void decodeRstStream(Frame& f, ByteReader& r) {
    requireStream(f, "RST_STREAM on stream 0 §6.4");
    if (f.length != 4) {
        fail(f, FrameErrorKind::BadLength, "RST_STREAM length != 4 §6.4", kFrameSizeError);
        return;
    }
    f.errorCode = r.be32();
}

void checkSettingValue(Frame& f, const Setting& s) {
    switch (s.id) {
        case 0x2:  // ENABLE_PUSH
            if (s.value > 1)
                fail(f, FrameErrorKind::BadSettingValue, "SETTINGS_ENABLE_PUSH not 0 or 1 §6.5.2",
                     kProtocolError);
            break;
        case 0x4:  // INITIAL_WINDOW_SIZE
            if (s.value > 0x7fffffffu)
                fail(f, FrameErrorKind::BadSettingValue,
                     "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1 §6.5.2", kFlowControlError);
            break;
        case 0x5:  // MAX_FRAME_SIZE
            if (s.value < kDefaultMaxFrameSize || s.value > kMaxAllowedFrameSize)
                fail(f, FrameErrorKind::BadSettingValue,
                     "SETTINGS_MAX_FRAME_SIZE outside 16384..2^24-1 §6.5.2", kProtocolError);
            break;
        case 0x8:  // ENABLE_CONNECT_PROTOCOL
            if (s.value > 1)
                fail(f, FrameErrorKind::BadSettingValue,
                     "SETTINGS_ENABLE_CONNECT_PROTOCOL not 0 or 1 (RFC 8441 §3)", kProtocolError);
            break;
        case 0x9:  // NO_RFC7540_PRIORITIES
            if (s.value > 1)
                fail(f, FrameErrorKind::BadSettingValue,
                     "SETTINGS_NO_RFC7540_PRIORITIES not 0 or 1 (RFC 9218 §2.1)", kProtocolError);
            break;
        default:
            break;
    }
}

void decodeSettings(Frame& f, ByteReader& r) {
    requireConnection(f, "SETTINGS on a stream §6.5");
    if (f.hasFlag(frame_flag::kAck) && f.length != 0) {
        fail(f, FrameErrorKind::SettingsAckWithPayload, "SETTINGS with ACK and payload §6.5",
             kFrameSizeError);
        return;
    }
    if (f.length % 6 != 0) {
        fail(f, FrameErrorKind::BadLength, "SETTINGS length not a multiple of 6 §6.5",
             kFrameSizeError);
        return;
    }
    while (!r.empty()) {
        Setting s;
        s.id = r.be16();
        s.value = r.be32();
        checkSettingValue(f, s);
        f.settings.push_back(s);
    }
}

void decodePushPromise(Frame& f, ByteReader& r) {
    requireStream(f, "PUSH_PROMISE on stream 0 §6.6");
    if (!readPadding(f, r, 4, "PADDING_TOO_LONG §6.6",
                     "PUSH_PROMISE too short for pad length and promised id §6.6"))
        return;
    if (r.remaining() < 4) {
        fail(f, FrameErrorKind::FrameTooShort, "PUSH_PROMISE shorter than 4 bytes §6.6",
             kFrameSizeError);
        return;
    }
    f.promisedStreamId = r.be32() & 0x7fffffffu;
    f.headerBlockFragment = unpadded(f, r);
}

void decodePing(Frame& f, ByteReader& r) {
    requireConnection(f, "PING on a stream §6.7");
    if (f.length != 8) {
        fail(f, FrameErrorKind::BadLength, "PING length != 8 §6.7", kFrameSizeError);
        return;
    }
    const ByteSpan d = r.take(8);
    std::copy(d.begin(), d.end(), f.pingData.begin());
}

void decodeGoaway(Frame& f, ByteReader& r) {
    requireConnection(f, "GOAWAY on a stream §6.8");
    if (f.length < 8) {
        fail(f, FrameErrorKind::FrameTooShort, "GOAWAY shorter than 8 bytes §6.8", kFrameSizeError);
        return;
    }
    f.lastStreamId = r.be32() & 0x7fffffffu;
    f.errorCode = r.be32();
    f.debugData = r.rest();
}

void decodeWindowUpdate(Frame& f, ByteReader& r) {
    if (f.length != 4) {
        fail(f, FrameErrorKind::BadLength, "WINDOW_UPDATE length != 4 §6.9", kFrameSizeError);
        return;
    }
    f.windowIncrement = r.be32() & 0x7fffffffu;
    if (f.windowIncrement == 0)
        fail(f, FrameErrorKind::ZeroWindowIncrement, "WINDOW_UPDATE increment 0 §6.9",
             kProtocolError);
}

void decodeContinuation(Frame& f, ByteReader& r) {
    requireStream(f, "CONTINUATION on stream 0 §6.10");
    f.headerBlockFragment = r.rest();
}

// RFC 7838 §4 says malformed or misplaced ALTSVC frames are ignored, hence error code 0.
void decodeAltsvc(Frame& f, ByteReader& r) {
    if (f.length < 2) {
        fail(f, FrameErrorKind::FrameTooShort, "ALTSVC shorter than 2 bytes (RFC 7838 §4)", 0);
        return;
    }
    const std::uint16_t originLen = r.be16();
    if (originLen > r.remaining()) {
        fail(f, FrameErrorKind::FrameTooShort, "ALTSVC origin longer than payload (RFC 7838 §4)",
             0);
        return;
    }
    f.altSvcOrigin = r.take(originLen);
    f.altSvcValue = r.rest();
    if (f.streamId == 0 && originLen == 0)
        fail(f, FrameErrorKind::StreamIdZero, "ALTSVC on stream 0 without origin (RFC 7838 §4)", 0);
    if (f.streamId != 0 && originLen != 0)
        fail(f, FrameErrorKind::StreamIdNonZero, "ALTSVC on a stream with an origin (RFC 7838 §4)",
             0);
}

// RFC 8336 §2: ORIGIN on a stream is ignored.
void decodeOrigin(Frame& f, ByteReader& r) {
    if (f.streamId != 0)
        fail(f, FrameErrorKind::StreamIdNonZero, "ORIGIN on a stream (RFC 8336 §2)", 0);
    while (!r.empty()) {
        if (r.remaining() < 2) {
            fail(f, FrameErrorKind::FrameTooShort, "ORIGIN entry truncated (RFC 8336 §2)", 0);
            return;
        }
        const std::uint16_t len = r.be16();
        if (len > r.remaining()) {
            fail(f, FrameErrorKind::FrameTooShort, "ORIGIN entry truncated (RFC 8336 §2)", 0);
            return;
        }
        f.origins.push_back(r.take(len));
    }
}

void decodePriorityUpdate(Frame& f, ByteReader& r) {
    requireConnection(f, "PRIORITY_UPDATE on a stream (RFC 9218 §7.1)");
    if (f.length < 4) {
        fail(f, FrameErrorKind::FrameTooShort,
             "PRIORITY_UPDATE shorter than 4 bytes (RFC 9218 §7.1)", kFrameSizeError);
        return;
    }
    f.prioritizedStreamId = r.be32() & 0x7fffffffu;
    f.priorityFieldValue = r.rest();
    if (f.prioritizedStreamId == 0)
        fail(f, FrameErrorKind::ZeroStreamReference, "PRIORITY_UPDATE for stream 0 (RFC 9218 §7.1)",
             kProtocolError);
}

}  // namespace

void decodeFramePayload(Frame& f) {
    ByteReader r(f.payload);
    switch (f.frameType()) {
        case FrameType::Data:
            decodeData(f, r);
            break;
        case FrameType::Headers:
            decodeHeaders(f, r);
            break;
        case FrameType::Priority:
            decodePriority(f, r);
            break;
        case FrameType::RstStream:
            decodeRstStream(f, r);
            break;
        case FrameType::Settings:
            decodeSettings(f, r);
            break;
        case FrameType::PushPromise:
            decodePushPromise(f, r);
            break;
        case FrameType::Ping:
            decodePing(f, r);
            break;
        case FrameType::Goaway:
            decodeGoaway(f, r);
            break;
        case FrameType::WindowUpdate:
            decodeWindowUpdate(f, r);
            break;
        case FrameType::Continuation:
            decodeContinuation(f, r);
            break;
        case FrameType::Altsvc:
            decodeAltsvc(f, r);
            break;
        case FrameType::Origin:
            decodeOrigin(f, r);
            break;
        case FrameType::PriorityUpdate:
            decodePriorityUpdate(f, r);
            break;
    }
}

void resetPayloadFields(Frame& f) {
    f.padded = false;
    f.padLength = 0;
    f.priority.reset();
    f.promisedStreamId = 0;
    f.errorCode = 0;
    f.settings.clear();
    f.pingData = {};
    f.lastStreamId = 0;
    f.debugData = {};
    f.windowIncrement = 0;
    f.headerBlockFragment = {};
    f.data = {};
    f.altSvcOrigin = {};
    f.altSvcValue = {};
    f.origins.clear();
    f.prioritizedStreamId = 0;
    f.priorityFieldValue = {};
    f.error.reset();
    f.oversize = false;
}

}  // namespace h2lens
