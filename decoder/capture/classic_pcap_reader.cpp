#include "capture/classic_pcap_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <utility>

namespace h2lens {
namespace {

constexpr std::size_t kRecordHeader = 16;
constexpr std::uint32_t kMicroMagic = 0xa1b2c3d4;
constexpr std::uint32_t kNanoMagic = 0xa1b23c4d;
constexpr std::uint32_t kModifiedMagic = 0xa1b2cd34;
constexpr std::uint32_t kLinkTypeMask = 0x03ffffff;  // the upper bits say whether an FCS follows

// libpcap's largest valid snapshot length for a link type (max_snaplen_for_dlt): a captured
// length above it is a damaged file, not a packet.
std::uint32_t maxSnapLength(std::uint32_t linkType) {
    switch (linkType) {
        case 231:  // LINKTYPE_DBUS
            return 128 * 1024 * 1024;
        case 279:  // LINKTYPE_EBHSCR
            return 8 * 1024 * 1024;
        case 249:  // LINKTYPE_USBPCAP
            return 1024 * 1024;
        default:
            return 262144;
    }
}

std::uint32_t byteSwap(std::uint32_t v) {
    return __builtin_bswap32(v);
}

}  // namespace

ClassicPcapReader::Header ClassicPcapReader::checkHeader(ByteSpan first24) {
    if (first24.size() < 4) return Header::NotPcap;
    const std::uint32_t le = loadLe32(first24.data());
    const bool known = le == kMicroMagic || le == kNanoMagic || byteSwap(le) == kMicroMagic ||
                       byteSwap(le) == kNanoMagic;
    if (!known) {
        return le == kModifiedMagic || byteSwap(le) == kModifiedMagic ? Header::Unsupported
                                                                      : Header::NotPcap;
    }
    if (first24.size() < kHeaderSize) return Header::Truncated;
    const bool big = le != kMicroMagic && le != kNanoMagic;
    const std::uint16_t major = big ? loadBe16(&first24[4]) : loadLe16(&first24[4]);
    const std::uint16_t minor = big ? loadBe16(&first24[6]) : loadLe16(&first24[6]);
    // 2.4 is what every writer since 1998 puts there; older minors swap caplen and len in some
    // writers, which libpcap knows how to undo.
    return major == 2 && minor == 4 ? Header::Ours : Header::Unsupported;
}

ClassicPcapReader::ClassicPcapReader(std::FILE* file, bool ownsFile, Bytes prefix, Options options)
    : m_input(file, ownsFile, std::move(prefix)), m_options(options) {}

ClassicPcapReader::ClassicPcapReader(ByteSpan memory, Options options)
    : m_input(memory), m_options(options) {}

std::vector<CaptureIssue> ClassicPcapReader::takeIssues() {
    return std::exchange(m_issues, {});
}

std::uint32_t ClassicPcapReader::u32(const std::uint8_t* p) const {
    return m_bigEndian ? loadBe32(p) : loadLe32(p);
}

void ClassicPcapReader::stop(std::string message) {
    m_issues.push_back(CaptureIssue{m_packetCount + 1, std::move(message)});
    m_stopped = true;
    m_failed = true;
}

bool ClassicPcapReader::readHeader() {
    m_started = true;
    const ByteSpan header = m_input.peek(kHeaderSize);
    switch (checkHeader(header)) {
        case Header::Ours:
            break;
        case Header::Truncated:
            stop(fmt::format("file truncated (the file header has {} of {} bytes)", header.size(),
                             kHeaderSize));
            return false;
        case Header::Unsupported:
        case Header::NotPcap:
            stop(
                "not a classic pcap file this reader takes (version 2.4, micro- or nanosecond "
                "timestamps)");
            return false;
    }
    const std::uint32_t le = loadLe32(header.data());
    m_bigEndian = le != kMicroMagic && le != kNanoMagic;
    m_nanoseconds = le == kNanoMagic || byteSwap(le) == kNanoMagic;
    const std::uint32_t snapLength = u32(&header[16]);
    m_linkType = u32(&header[20]) & kLinkTypeMask;
    // As libpcap: a snaplen of 0 or past the link type's maximum means that maximum; a record
    // longer than the snapshot but within the maximum is cut to the snapshot.
    const std::uint32_t maximum = maxSnapLength(m_linkType);
    m_snapshot = snapLength == 0 || snapLength > maximum ? maximum : snapLength;
    m_maxCapture = std::min(m_options.maxCaptureLength, maximum);
    m_input.consume(kHeaderSize);
    return true;
}

ReadStatus ClassicPcapReader::next(Packet& out) {
    if (!m_started && !readHeader()) return ReadStatus::End;
    if (m_stopped) return ReadStatus::End;
    const ByteSpan record = m_input.peek(kRecordHeader);
    if (record.size() < kRecordHeader) {
        if (m_input.readError() != 0) {
            stop(fmt::format("read error: {}", std::strerror(m_input.readError())));
        } else if (!record.empty()) {
            stop(fmt::format("file truncated (a packet header of {} of {} bytes)", record.size(),
                             kRecordHeader));
        }
        m_stopped = true;
        return ReadStatus::End;
    }
    const std::uint32_t seconds = u32(&record[0]);
    const std::uint32_t fraction = u32(&record[4]);
    const std::uint32_t capLength = u32(&record[8]);
    const std::uint32_t origLength = u32(&record[12]);
    if (capLength > m_maxCapture) {
        stop(
            fmt::format("captured length {} is above the {}-byte limit for this link type (a "
                        "corrupt packet header); the rest of the file is not read",
                        capLength, m_maxCapture));
        return ReadStatus::End;
    }
    const ByteSpan whole = m_input.peek(kRecordHeader + capLength);
    if (whole.size() < kRecordHeader + capLength) {
        if (m_input.readError() != 0) {
            stop(fmt::format("read error: {}", std::strerror(m_input.readError())));
        } else {
            stop(fmt::format("file truncated ({} of the packet's {} captured bytes)",
                             whole.size() - kRecordHeader, capLength));
        }
        return ReadStatus::End;
    }
    out.number = ++m_packetCount;
    out.ts = static_cast<TimestampNs>(seconds) * 1'000'000'000 +
             static_cast<TimestampNs>(fraction) * (m_nanoseconds ? 1 : 1000);
    out.linkType = m_linkType;
    out.originalLength = origLength;
    out.data = whole.subspan(kRecordHeader, std::min(capLength, m_snapshot));
    m_input.consume(kRecordHeader + capLength);
    return ReadStatus::Packet;
}

}  // namespace h2lens
