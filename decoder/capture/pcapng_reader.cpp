#include "capture/pcapng_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <utility>

namespace h2lens {
namespace {

constexpr std::uint32_t kInterfaceDescription = 0x00000001;
constexpr std::uint32_t kObsoletePacket = 0x00000002;
constexpr std::uint32_t kSimplePacket = 0x00000003;
constexpr std::uint32_t kEnhancedPacket = 0x00000006;
constexpr std::uint32_t kDecryptionSecrets = 0x0000000a;
constexpr std::uint32_t kTlsKeyLog = 0x544c534b;
constexpr std::uint16_t kOptEnd = 0;
constexpr std::uint16_t kOptTsResol = 9;
constexpr std::uint16_t kOptTsOffset = 14;
constexpr std::size_t kBlockOverhead = 12;  // type, leading and trailing total length

std::size_t padTo4(std::size_t n) {
    return (n + 3) & ~std::size_t{3};
}

}  // namespace

PcapngReader::PcapngReader(std::FILE* file, bool ownsFile, Bytes prefix, Options options)
    : m_input(file, ownsFile, std::move(prefix)), m_options(options) {}

PcapngReader::PcapngReader(ByteSpan memory, Options options)
    : m_input(memory), m_options(options) {}

std::vector<CaptureIssue> PcapngReader::takeIssues() {
    return std::exchange(m_issues, {});
}

ReadStatus PcapngReader::next(Packet& out) {
    while (!m_stopped) {
        switch (readBlock(out)) {
            case BlockResult::Packet:
                return ReadStatus::Packet;
            case BlockResult::Skipped:
                break;
            case BlockResult::Stop:
                m_stopped = true;
                break;
        }
    }
    return ReadStatus::End;
}

void PcapngReader::issue(std::uint64_t packetNumber, std::string message) {
    m_issues.push_back(CaptureIssue{packetNumber, std::move(message)});
}

void PcapngReader::stop(std::uint64_t packetNumber, std::string message) {
    issue(packetNumber, std::move(message));
    m_stopped = true;
    m_failed = true;
}

std::uint16_t PcapngReader::u16(const std::uint8_t* p) const {
    return m_bigEndian ? loadBe16(p) : loadLe16(p);
}
std::uint32_t PcapngReader::u32(const std::uint8_t* p) const {
    return m_bigEndian ? loadBe32(p) : loadLe32(p);
}
std::uint64_t PcapngReader::u64(const std::uint8_t* p) const {
    std::uint64_t a = u32(p);
    std::uint64_t b = u32(p + 4);
    return m_bigEndian ? (a << 32) | b : (b << 32) | a;
}

PcapngReader::BlockResult PcapngReader::readBlock(Packet& out) {
    const std::uint64_t nextPacket = m_packetCount + 1;
    ByteSpan head = m_input.peek(kBlockOverhead);
    if (m_input.readError() != 0 && head.size() < kBlockOverhead) {
        stop(nextPacket, fmt::format("read error: {}", std::strerror(m_input.readError())));
        return BlockResult::Stop;
    }
    if (head.empty()) {
        if (m_sectionCount == 0) stop(0, "empty input: no pcapng Section Header Block");
        return BlockResult::Stop;
    }
    if (head.size() < kBlockOverhead) {
        stop(nextPacket, fmt::format("file truncated: {} trailing bytes at offset {} "
                                     "are too short for a block header",
                                     head.size(), m_input.position()));
        return BlockResult::Stop;
    }
    // The Section Header type reads the same in both byte orders; its byte-order magic then
    // decides how to read everything up to the next Section Header.
    if (loadLe32(head.data()) == kMagic) {
        std::uint32_t bom = loadBe32(head.data() + 8);
        if (bom == 0x1a2b3c4d) {
            m_bigEndian = true;
        } else if (bom == 0x4d3c2b1a) {
            m_bigEndian = false;
        } else {
            stop(nextPacket, fmt::format("Section Header Block at offset {} has an invalid "
                                         "byte-order magic 0x{:08x}",
                                         m_input.position(), bom));
            return BlockResult::Stop;
        }
    } else if (m_sectionCount == 0) {
        stop(0, fmt::format("not a pcapng file: first block type 0x{:08x} is not a Section "
                            "Header Block",
                            loadLe32(head.data())));
        return BlockResult::Stop;
    }

    const std::uint32_t type = u32(head.data());
    const std::uint32_t length = u32(head.data() + 4);
    if (length < kBlockOverhead || length % 4 != 0 || length > m_options.maxBlockBytes) {
        stop(nextPacket, fmt::format("block of type 0x{:08x} at offset {} has an "
                                     "invalid length {} (must be a multiple of 4 in [12, {}]); "
                                     "reading stops here",
                                     type, m_input.position(), length, m_options.maxBlockBytes));
        return BlockResult::Stop;
    }
    ByteSpan block = m_input.peek(length);
    if (block.size() < length) {
        stop(nextPacket, fmt::format("file truncated: block of type 0x{:08x} at offset "
                                     "{} needs {} bytes, only {} present",
                                     type, m_input.position(), length, block.size()));
        return BlockResult::Stop;
    }
    const std::uint64_t offset = m_input.position();
    // Packet data points into the input's buffer, which consume() leaves in place until the
    // next peek(), so the span handed out below outlives this call as the contract says.
    m_input.consume(length);
    if (u32(block.data() + length - 4) != length) {
        issue(nextPacket, fmt::format("block of type 0x{:08x} at offset {}: trailing length {} "
                                      "differs from leading length {}",
                                      type, offset, u32(block.data() + length - 4), length));
    }
    ByteSpan body = block.subspan(8, length - kBlockOverhead);
    switch (type) {
        case kMagic:
            return readSectionHeader(body) ? BlockResult::Skipped : BlockResult::Stop;
        case kInterfaceDescription:
            readInterface(body);
            return BlockResult::Skipped;
        case kEnhancedPacket:
            return readEnhancedPacket(body, out);
        case kSimplePacket:
            return readSimplePacket(body, out);
        case kObsoletePacket:
            return readObsoletePacket(body, out);
        case kDecryptionSecrets:
            readSecrets(body);
            return BlockResult::Skipped;
        default:
            return BlockResult::Skipped;
    }
}

bool PcapngReader::readSectionHeader(ByteSpan body) {
    if (body.size() < 16) {
        stop(m_packetCount + 1, fmt::format("Section Header Block too short ({} bytes)",
                                            body.size() + kBlockOverhead));
        return false;
    }
    std::uint16_t major = u16(body.data() + 4);
    std::uint16_t minor = u16(body.data() + 6);
    if (major != 1) {
        stop(m_packetCount + 1,
             fmt::format("pcapng section version {}.{} is not supported (only 1.x)", major, minor));
        return false;
    }
    ++m_sectionCount;
    m_interfaces.clear();
    return true;
}

void PcapngReader::readInterface(ByteSpan body) {
    const std::uint64_t nextPacket = m_packetCount + 1;
    if (body.size() < 8) {
        issue(nextPacket, fmt::format("Interface Description Block {} too short ({} bytes); "
                                      "packets on it will be skipped",
                                      m_interfaces.size(), body.size() + kBlockOverhead));
        m_interfaces.push_back(Interface{.linkType = 0xffffffff});
        return;
    }
    Interface iface;
    iface.linkType = u16(body.data());
    iface.snapLength = u32(body.data() + 4);
    std::size_t pos = 8;
    while (body.size() - pos >= 4) {
        const std::uint16_t code = u16(body.data() + pos);
        const std::uint16_t len = u16(body.data() + pos + 2);
        pos += 4;
        if (code == kOptEnd) break;
        if (body.size() - pos < len) {
            issue(nextPacket, fmt::format("Interface Description Block {}: option {} of {} "
                                          "bytes runs past the block; rest of options ignored",
                                          m_interfaces.size(), code, len));
            break;
        }
        const std::uint8_t* value = body.data() + pos;
        if (code == kOptTsResol && len >= 1) {
            iface.binaryResolution = (value[0] & 0x80) != 0;
            iface.resolutionExponent = value[0] & 0x7f;
        } else if (code == kOptTsOffset && len >= 8) {
            iface.offsetSeconds = static_cast<std::int64_t>(u64(value));
        }
        pos += std::min(padTo4(len), body.size() - pos);
    }
    m_interfaces.push_back(iface);
}

TimestampNs PcapngReader::toNanoseconds(const Interface& iface, std::uint64_t ticks) const {
    using Wide = unsigned __int128;
    Wide ns = 0;
    if (iface.binaryResolution) {
        ns = (Wide{ticks} * 1'000'000'000u) >> iface.resolutionExponent;
    } else if (iface.resolutionExponent <= 9) {
        Wide scale = 1;
        for (int i = iface.resolutionExponent; i < 9; ++i) scale *= 10;
        ns = Wide{ticks} * scale;
    } else if (iface.resolutionExponent - 9 < 20) {
        std::uint64_t divisor = 1;
        for (int i = 9; i < iface.resolutionExponent; ++i) divisor *= 10;
        ns = ticks / divisor;
    }
    // Garbage resolutions and offsets wrap instead of trapping; real ones fit easily.
    return static_cast<TimestampNs>(static_cast<std::uint64_t>(ns) +
                                    static_cast<std::uint64_t>(iface.offsetSeconds) *
                                        1'000'000'000u);
}

PcapngReader::BlockResult PcapngReader::deliver(std::uint32_t interfaceId, std::uint64_t ticks,
                                                std::uint32_t capLength, std::uint32_t origLength,
                                                ByteSpan data, const char* blockName, Packet& out) {
    const std::uint64_t number = ++m_packetCount;
    if (interfaceId >= m_interfaces.size()) {
        issue(number, fmt::format("{} refers to interface {} but the section "
                                  "describes {}; packet skipped",
                                  blockName, interfaceId, m_interfaces.size()));
        return BlockResult::Skipped;
    }
    if (capLength > data.size()) {
        issue(number, fmt::format("{} captured length {} exceeds its block ({} "
                                  "bytes); packet skipped",
                                  blockName, capLength, data.size()));
        return BlockResult::Skipped;
    }
    const Interface& iface = m_interfaces[interfaceId];
    out.number = number;
    out.ts = toNanoseconds(iface, ticks);
    out.linkType = iface.linkType;
    out.originalLength = origLength;
    out.data = data.first(capLength);
    m_lastTimestamp = out.ts;
    return BlockResult::Packet;
}

PcapngReader::BlockResult PcapngReader::readEnhancedPacket(ByteSpan body, Packet& out) {
    if (body.size() < 20) {
        const std::uint64_t number = ++m_packetCount;
        issue(number, fmt::format("Enhanced Packet Block too short ({} bytes); "
                                  "packet skipped",
                                  body.size() + kBlockOverhead));
        return BlockResult::Skipped;
    }
    const std::uint8_t* p = body.data();
    std::uint64_t ticks = (std::uint64_t{u32(p + 4)} << 32) | u32(p + 8);
    return deliver(u32(p), ticks, u32(p + 12), u32(p + 16), body.subspan(20),
                   "Enhanced Packet Block", out);
}

PcapngReader::BlockResult PcapngReader::readObsoletePacket(ByteSpan body, Packet& out) {
    if (body.size() < 20) {
        const std::uint64_t number = ++m_packetCount;
        issue(number, fmt::format("Packet Block too short ({} bytes); packet skipped",
                                  body.size() + kBlockOverhead));
        return BlockResult::Skipped;
    }
    const std::uint8_t* p = body.data();
    std::uint64_t ticks = (std::uint64_t{u32(p + 4)} << 32) | u32(p + 8);
    return deliver(u16(p), ticks, u32(p + 12), u32(p + 16), body.subspan(20), "Packet Block", out);
}

PcapngReader::BlockResult PcapngReader::readSimplePacket(ByteSpan body, Packet& out) {
    if (body.size() < 4) {
        const std::uint64_t number = ++m_packetCount;
        issue(number, "Simple Packet Block too short; packet skipped");
        return BlockResult::Skipped;
    }
    const std::uint32_t origLength = u32(body.data());
    ByteSpan data = body.subspan(4);
    std::uint32_t capLength =
        static_cast<std::uint32_t>(std::min<std::size_t>(origLength, data.size()));
    if (!m_interfaces.empty() && m_interfaces[0].snapLength != 0) {
        capLength = std::min(capLength, m_interfaces[0].snapLength);
    }
    // A Simple Packet Block has no timestamp: it inherits the previous packet's, which keeps
    // the timeline monotonic (libpcap gives it 0).
    const TimestampNs previous = m_lastTimestamp;
    const BlockResult result =
        deliver(0, 0, capLength, origLength, data, "Simple Packet Block", out);
    if (result == BlockResult::Packet) out.ts = m_lastTimestamp = previous;
    return result;
}

void PcapngReader::readSecrets(ByteSpan body) {
    const std::uint64_t nextPacket = m_packetCount + 1;
    if (body.size() < 8) {
        issue(nextPacket, "Decryption Secrets Block too short; ignored");
        return;
    }
    const std::uint32_t type = u32(body.data());
    const std::uint32_t length = u32(body.data() + 4);
    if (length > body.size() - 8) {
        issue(nextPacket, fmt::format("Decryption Secrets Block: secrets length {} exceeds its "
                                      "block ({} bytes); ignored",
                                      length, body.size() - 8));
        return;
    }
    if (type != kTlsKeyLog) {
        issue(nextPacket, fmt::format("Decryption Secrets Block of type UNKNOWN(0x{:08x}) "
                                      "ignored (only TLS key logs are used)",
                                      type));
        return;
    }
    std::string_view text = asStringView(body.subspan(8, length));
    while (!text.empty()) {
        std::size_t eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!line.empty()) m_secrets.emplace_back(line);
    }
}

}  // namespace h2lens
