#pragma once
// One-line text of a decoded frame with every field of its type, for logs, test diffs and the
// CLI. Deterministic: two frames print the same exactly when they decoded the same.
#include <string>

#include "h2/frame.h"
#include "h2/frame_sink.h"

namespace h2lens {

// e.g. "@24 SETTINGS len=12 flags=0x00() stream=0 settings=[MAX_CONCURRENT_STREAMS=100,...]".
// Spans print as hex (payload bytes only for unknown types). Timestamps are not printed.
std::string describeFrame(const Frame& f);

std::string describeIssue(const FrameIssue& issue);

// Keeps a printable copy of everything a FrameDecoder reports (the recording listener tests use).
class RecordingFrameSink : public FrameSink {
  public:
    struct Entry {
        std::uint8_t type;
        std::uint8_t flags;
        std::uint32_t length;
        std::uint32_t streamId;
        std::uint64_t offset;
        bool malformed;
        std::string text;  // describeFrame()
    };
    void onFrame(const Frame& f) override;
    void onIssue(const FrameIssue& issue) override { issues.push_back(issue); }

    std::vector<Entry> frames;
    std::vector<FrameIssue> issues;
};

}  // namespace h2lens
