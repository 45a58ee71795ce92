#pragma once
// A pull interface over capture files (and later live interfaces). Sources never throw for bad
// data inside a file: they report it as a CaptureIssue and go on where they can. Environment
// failures (cannot open, not a capture at all) throw CaptureError from the factory.
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "capture/packet.h"
#include "common/issue.h"

namespace h2lens {

class CaptureError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

using CaptureIssue = Issue;

enum class ReadStatus : std::uint8_t { Packet, End };

class PacketSource {
public:
    virtual ~PacketSource() = default;
    // Fills `out` and returns Packet, or End at the end of the capture (also after a truncated
    // file, which is reported as an issue). `out.data` stays valid until the next call.
    virtual ReadStatus next(Packet& out) = 0;
    // Issues found since the last call (moved out).
    virtual std::vector<CaptureIssue> takeIssues() = 0;
    // TLS key log lines found in pcapng Decryption Secrets Blocks so far (NSS key log format).
    virtual const std::vector<std::string>& decryptionSecrets() const = 0;
    // Bytes of the capture consumed so far, for progress reporting (0 when unknown).
    virtual std::uint64_t bytesRead() const = 0;
    // Reading stopped before the end of the input because the rest could not be read (a
    // truncated or corrupt file, a read error): what followed is lost. Reported as an issue too.
    virtual bool readFailed() const { return false; }
    // Total size of the capture in bytes when known (a regular file), else 0; with bytesRead()
    // it gives a progress fraction.
    virtual std::uint64_t fileSize() const { return 0; }
};

}  // namespace h2lens
