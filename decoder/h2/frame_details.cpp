#include "h2/frame_details.h"

#include <fmt/format.h>

#include "h2/names.h"

namespace h2lens {

namespace {

std::string typeDetails(const Frame& f) {
    switch (f.frameType()) {
        case FrameType::Settings: {
            std::string s = fmt::format("(niv={})", f.settings.size());
            for (const Setting& x : f.settings)
                s += fmt::format(" [{}:{}]", settingName(x.id), x.value);
            return s;
        }
        case FrameType::WindowUpdate:
            return fmt::format("(window_size_increment={})", f.windowIncrement);
        case FrameType::RstStream:
            return fmt::format("(error_code={})", errorCodeName(f.errorCode));
        case FrameType::Goaway:
            return fmt::format("(last_stream_id={}, error_code={}, opaque_data={})", f.lastStreamId,
                               errorCodeName(f.errorCode), asStringView(f.debugData));
        case FrameType::Ping:
            return fmt::format("(opaque_data={})", hexString(f.pingData));
        case FrameType::PushPromise:
            return fmt::format("(promised_stream_id={})", f.promisedStreamId);
        case FrameType::Priority:
        case FrameType::Headers:
            if (f.priority) {
                return fmt::format("(dep_stream_id={}, weight={}, exclusive={})",
                                   f.priority->dependency, f.priority->weight + 1,
                                   f.priority->exclusive ? 1 : 0);
            }
            return {};
        case FrameType::Altsvc:
            return fmt::format("(origin={}, field_value={})", asStringView(f.altSvcOrigin),
                               asStringView(f.altSvcValue));
        case FrameType::Origin: {
            std::string s = fmt::format("(norigins={})", f.origins.size());
            for (ByteSpan o : f.origins) s += fmt::format(" [{}]", asStringView(o));
            return s;
        }
        case FrameType::PriorityUpdate:
            return fmt::format("(prioritized_stream_id={}, priority_field_value={})",
                               f.prioritizedStreamId, asStringView(f.priorityFieldValue));
        default:
            return {};
    }
}

}  // namespace

std::string frameDetails(const Frame& f) {
    std::string s = typeDetails(f);
    // What can be wrong with any frame, after its own fields.
    std::string marks;
    if (f.padded) marks += fmt::format("{}pad_length={}", marks.empty() ? "" : ", ", f.padLength);
    if (f.oversize)
        marks += std::string(marks.empty() ? "" : ", ") + "above SETTINGS_MAX_FRAME_SIZE";
    if (f.reservedBit) marks += std::string(marks.empty() ? "" : ", ") + "reserved bit set";
    if (!marks.empty()) s += (s.empty() ? "" : " ") + ("[" + marks + "]");
    return s;
}

std::string frameProblem(const Frame& f) {
    return f.error ? fmt::format("MALFORMED: {}", f.error->text) : std::string();
}

}  // namespace h2lens
