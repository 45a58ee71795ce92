#pragma once
// Classic pcap (the 24-byte file header and 16-byte packet records of libpcap's savefile
// format) read by us rather than libpcap, because libpcap reads every packet through stdio:
// two copies of each byte and two calls per packet, about as long as the whole HTTP/2 decode of
// a capture of large segments. Through ByteInput a regular file is mapped and packets are views
// into it. libpcap (`LibpcapReader`) stays the reader of every variant this one does not take
// (checkHeader says which) and the reference it is tested against, packet for packet.
//
// Understands: version 2.4 files with microsecond (0xa1b2c3d4) or nanosecond (0xa1b23c4d)
// timestamps in either byte order. The link type is the header's LINKTYPE_* value without the
// FCS bits. Lengths as libpcap takes them: a record longer than the header's snaplen is cut to
// it (its original length kept); a captured length above libpcap's maximum for the link type
// (262,144 for most) ends the capture with an Issue, as a damaged file (memory stays bounded; a
// corrupt record would otherwise swallow the rest of the file as one packet). So does a packet
// record cut short ("file truncated").
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "capture/byte_input.h"
#include "capture/packet_source.h"

namespace h2lens {

struct ClassicPcapOptions {
    // Largest captured length accepted, below libpcap's own per-link-type maximum (the fuzzer
    // lowers it to keep runs cheap).
    std::uint32_t maxCaptureLength = 128 * 1024 * 1024;
};

class ClassicPcapReader : public PacketSource {
  public:
    using Options = ClassicPcapOptions;
    static constexpr std::size_t kHeaderSize = 24;

    enum class Header : std::uint8_t {
        Ours,         // a file this reader takes
        Truncated,    // fewer than 24 bytes
        Unsupported,  // a pcap this reader leaves to libpcap (another version, "modified" format)
        NotPcap,
    };
    static Header checkHeader(ByteSpan first24);

    // Reads `file` (a regular file, a pipe or stdin); `prefix` are bytes already read from it.
    ClassicPcapReader(std::FILE* file, bool ownsFile, Bytes prefix = {}, Options options = {});
    // Reads a buffer that must outlive the reader (fuzzer, tests).
    explicit ClassicPcapReader(ByteSpan memory, Options options = {});

    ReadStatus next(Packet& out) override;
    std::vector<CaptureIssue> takeIssues() override;
    bool readFailed() const override { return m_failed; }
    const std::vector<std::string>& decryptionSecrets() const override { return m_noSecrets; }
    std::uint64_t bytesRead() const override { return m_input.position(); }
    std::uint64_t fileSize() const override { return m_input.totalSize(); }

  private:
    bool readHeader();
    std::uint32_t u32(const std::uint8_t* p) const;
    void stop(std::string message);

    ByteInput m_input;
    Options m_options;
    bool m_started = false;
    bool m_stopped = false;
    bool m_failed = false;
    bool m_bigEndian = false;
    bool m_nanoseconds = false;
    std::uint32_t m_linkType = 0;
    std::uint32_t m_snapshot = 0;
    std::uint32_t m_maxCapture = 0;
    std::uint64_t m_packetCount = 0;
    std::vector<CaptureIssue> m_issues;
    std::vector<std::string> m_noSecrets;
};

}  // namespace h2lens
