#pragma once
// Classic pcap files through libpcap (the only code in h2lens that links it). Timestamps are
// requested in nanosecond precision, so microsecond and nanosecond files both give exact
// TimestampNs. A read error or truncated file becomes one Issue ("packet N: file truncated
// (libpcap: ...)") and End; libpcap's own text is kept in the message.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "capture/packet_source.h"

struct pcap;

namespace h2lens {

class LibpcapReader : public PacketSource {
  public:
    // Opens `path`. Throws CaptureError ("<path>: <libpcap error>") when libpcap refuses it.
    explicit LibpcapReader(const std::string& path);
    // Reads a stream whose first bytes were already taken (format detection on stdin or a
    // pipe): `prefix` is replayed before the rest of `file`. `file` is not closed. `name` is
    // used in error messages.
    LibpcapReader(std::FILE* file, Bytes prefix, const std::string& name);
    ~LibpcapReader() override;
    LibpcapReader(const LibpcapReader&) = delete;
    LibpcapReader& operator=(const LibpcapReader&) = delete;

    ReadStatus next(Packet& out) override;
    std::vector<CaptureIssue> takeIssues() override { return std::exchange(m_issues, {}); }
    const std::vector<std::string>& decryptionSecrets() const override { return m_noSecrets; }
    std::uint64_t bytesRead() const override;
    std::uint64_t fileSize() const override { return m_fileSize; }
    bool readFailed() const override { return m_failed; }

    // The LINKTYPE_* value for a libpcap DLT_* value (they differ for a few, e.g. DLT_RAW).
    static std::uint32_t linkTypeFromDlt(int dlt);

  private:
    struct StreamState;

    static constexpr std::size_t kReadBufferSize = 1 << 20;
    std::unique_ptr<char[]> m_readBuffer;  // stdio buffer of the capture's FILE; outlives it
    pcap* m_pcap = nullptr;
    std::unique_ptr<StreamState> m_stream;  // only for prefixed streams
    std::uint32_t m_linkType = 0;
    std::uint64_t m_packetCount = 0;
    std::uint64_t m_fileSize = 0;
    bool m_done = false;
    bool m_failed = false;
    std::vector<CaptureIssue> m_issues;
    std::vector<std::string> m_noSecrets;
};

}  // namespace h2lens
