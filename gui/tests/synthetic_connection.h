#pragma once
// A decode batch made by hand for widget tests: one connection, frames added in any order (kept
// in time order on take()), streams as the decoder would report them.
#include <algorithm>
#include <cstdint>

#include "models/capture_data.h"

namespace h2lens::gui::test {

class SyntheticConnection {
  public:
    static constexpr TimestampNs kStart = 1'700'000'000'000'000'000;

    SyntheticConnection() {
        ConnectionInfo info;
        info.id = 0;
        m_batch.connections.push_back({info, kStart});
        m_frames.connId = 0;
    }
    // A frame of `type` (wire value) on `stream`; offsets follow each direction's byte stream.
    void frame(TimestampNs ts, std::uint32_t stream, std::uint8_t type, std::uint8_t flags,
               Direction d, std::uint32_t len) {
        FrameMark f;
        f.ts = ts;
        f.streamId = stream;
        f.type = type;
        f.flags = flags;
        f.dir = d;
        f.length = len;
        f.dataLength = type == 0 ? len : 0;
        f.offset = m_offset[static_cast<int>(d)];
        m_offset[static_cast<int>(d)] += len + 9;
        m_frames.frames.push_back(f);
    }
    void stream(StreamData s) { m_batch.streams.push_back(std::move(s)); }
    DecodeBatch take() {
        std::sort(m_frames.frames.begin(), m_frames.frames.end(),
                  [](const FrameMark& a, const FrameMark& b) { return a.ts < b.ts; });
        m_frames.lastTs = m_frames.frames.back().ts;
        m_batch.frames.push_back(std::move(m_frames));
        return std::move(m_batch);
    }

  private:
    DecodeBatch m_batch;
    DecodeBatch::Frames m_frames;
    std::uint64_t m_offset[2] = {24, 0};  // the client's preface comes first
};

}  // namespace h2lens::gui::test
