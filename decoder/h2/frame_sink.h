#pragma once
// What the FrameDecoder reports: complete frames, and problems with the byte stream itself
// (preface mismatch, bytes skipped while searching for a frame boundary, frames lost in a gap,
// frames above the hard payload cap). Frame-level malformations travel in Frame::error instead.
#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "h2/frame.h"

namespace h2lens {

enum class FrameIssueKind : std::uint8_t {
    PrefaceMismatch,  // client direction did not start with the connection preface (§3.4)
    Resynced,         // frame-sync search found a boundary; byteCount = bytes skipped
    FrameLost,        // a gap swallowed (part of) a frame; byteCount = bytes of it not seen
    PrefaceLost,      // a gap swallowed (part of) the preface
    FrameTooLarge,    // declared length above Limits::maxFramePayload; searching for sync
    SyncAbandoned,    // a gap interrupted frame-sync search; byteCount = bytes skipped so far
    Truncated,        // finish() inside a frame or the preface; byteCount = bytes of it seen
};

struct FrameIssue {
    FrameIssueKind kind;
    std::uint64_t offset = 0;  // stream offset the issue concerns
    TimestampNs ts = 0;
    std::uint64_t byteCount = 0;  // see FrameIssueKind
    std::string message;          // human-readable, with the RFC section where one applies
};

class FrameSink {
  public:
    virtual ~FrameSink() = default;
    // `frame` and every span in it are valid only during the call.
    virtual void onFrame(const Frame& frame) = 0;
    virtual void onIssue(const FrameIssue& issue) = 0;
};

}  // namespace h2lens
