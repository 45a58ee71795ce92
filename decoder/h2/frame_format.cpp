#include "h2/frame_format.h"

#include <fmt/format.h>

#include "h2/names.h"

namespace h2lens {

std::string describeFrame(const Frame& f) {
    std::string s =
        fmt::format("@{} {} len={} flags=0x{:02x}({}) stream={}", f.offset, frameTypeName(f.type),
                    f.length, f.flags, frameFlagNames(f.type, f.flags), f.streamId);
    if (f.reservedBit) s += " R";
    if (f.padded) s += fmt::format(" pad={}", f.padLength);
    if (f.priority)
        s += fmt::format(" prio={{excl={} dep={} weight={}}}", f.priority->exclusive,
                         f.priority->dependency, f.priority->weight);
    switch (f.frameType()) {
        case FrameType::Data:
            s += fmt::format(" data={}", hexString(f.data));
            break;
        case FrameType::Headers:
        case FrameType::Continuation:
            s += fmt::format(" block={}", hexString(f.headerBlockFragment));
            break;
        case FrameType::PushPromise:
            s += fmt::format(" promised={} block={}", f.promisedStreamId,
                             hexString(f.headerBlockFragment));
            break;
        case FrameType::RstStream:
            s += " error=" + errorCodeName(f.errorCode);
            break;
        case FrameType::Settings:
            s += " settings=[";
            for (std::size_t i = 0; i < f.settings.size(); ++i)
                s += fmt::format("{}{}={}", i ? "," : "", settingName(f.settings[i].id),
                                 f.settings[i].value);
            s += "]";
            break;
        case FrameType::Ping:
            s += " ping=" + hexString(f.pingData);
            break;
        case FrameType::Goaway:
            s += fmt::format(" last={} error={} debug={}", f.lastStreamId,
                             errorCodeName(f.errorCode), hexString(f.debugData));
            break;
        case FrameType::WindowUpdate:
            s += fmt::format(" increment={}", f.windowIncrement);
            break;
        case FrameType::Altsvc:
            s += fmt::format(" origin=\"{}\" value=\"{}\"", asStringView(f.altSvcOrigin),
                             asStringView(f.altSvcValue));
            break;
        case FrameType::Origin:
            s += " origins=[";
            for (std::size_t i = 0; i < f.origins.size(); ++i)
                s += fmt::format("{}\"{}\"", i ? "," : "", asStringView(f.origins[i]));
            s += "]";
            break;
        case FrameType::PriorityUpdate:
            s += fmt::format(" prioritized={} value=\"{}\"", f.prioritizedStreamId,
                             asStringView(f.priorityFieldValue));
            break;
        default:
            s += fmt::format(" payload={}", hexString(f.payload));
            break;
    }
    if (f.error) s += fmt::format(" ERROR[{}]", f.error->text);
    if (f.oversize) s += " OVERSIZE";
    return s;
}

std::string describeIssue(const FrameIssue& issue) {
    return fmt::format("@{} {} ({} bytes)", issue.offset, issue.message, issue.byteCount);
}

void RecordingFrameSink::onFrame(const Frame& f) {
    frames.push_back(Entry{f.type, f.flags, f.length, f.streamId, f.offset, f.error.has_value(),
                           describeFrame(f)});
}

}  // namespace h2lens
