#include "capture/pcapng_writer.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace h2lens {

namespace {

constexpr std::uint32_t kSectionHeader = 0x0a0d0d0a;
constexpr std::uint32_t kInterfaceDescription = 1;
constexpr std::uint32_t kInterfaceStatistics = 5;
constexpr std::uint32_t kEnhancedPacket = 6;
constexpr std::uint32_t kDecryptionSecrets = 0x0000000a;
constexpr std::uint32_t kSecretsTlsKeyLog = 0x544c534b;  // "TLSK": NSS key log lines
constexpr std::uint32_t kByteOrderMagic = 0x1a2b3c4d;

constexpr std::uint16_t kOptEnd = 0;
constexpr std::uint16_t kShbUserAppl = 4;
constexpr std::uint16_t kIfName = 2;
constexpr std::uint16_t kIfDescription = 3;
constexpr std::uint16_t kIfTsresol = 9;
constexpr std::uint16_t kIfFilter = 11;
constexpr std::uint16_t kIsbStartTime = 2;
constexpr std::uint16_t kIsbEndTime = 3;
constexpr std::uint16_t kIsbIfRecv = 4;
constexpr std::uint16_t kIsbIfDrop = 5;
constexpr std::uint16_t kIsbOsDrop = 7;
constexpr std::uint16_t kIsbUsrDeliv = 8;

void storeLe32(std::uint8_t* p, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

}  // namespace

PcapngWriter::PcapngWriter(std::FILE* file, bool ownsFile, const std::string& application)
    : m_file(file), m_owns(ownsFile) {
    writeSectionHeader(application);
}

PcapngWriter::PcapngWriter(std::unique_ptr<DirectFile> direct, const std::string& application)
    : m_direct(std::move(direct)) {
    writeSectionHeader(application);
}

void PcapngWriter::writeSectionHeader(const std::string& application) {
    put32(kByteOrderMagic);
    put16(1);                  // major version
    put16(0);                  // minor version
    put64(~std::uint64_t{0});  // section length not given: we stream
    if (!application.empty()) putStringOption(kShbUserAppl, application);
    endOptions();
    writeBlock(kSectionHeader);
}

PcapngWriter PcapngWriter::open(const std::string& path, const std::string& application) {
    if (path == "-") return PcapngWriter(stdout, false, application);
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (file == nullptr) {
        throw CaptureError(fmt::format("{}: cannot create: {}", path, std::strerror(errno)));
    }
    return PcapngWriter(file, true, application);
}

PcapngWriter PcapngWriter::openDirect(const std::string& path, const std::string& application) {
    std::string error;
    std::unique_ptr<DirectFile> file = DirectFile::create(path, error);
    if (!file) throw CaptureError(fmt::format("{}: cannot create: {}", path, error));
    return PcapngWriter(std::move(file), application);
}

PcapngWriter::PcapngWriter(PcapngWriter&& other) noexcept
    : m_file(std::exchange(other.m_file, nullptr)),
      m_owns(std::exchange(other.m_owns, false)),
      m_direct(std::move(other.m_direct)),
      m_interfaces(other.m_interfaces),
      m_written(other.m_written),
      m_packets(other.m_packets),
      m_secretBlocks(other.m_secretBlocks),
      m_error(std::move(other.m_error)),
      m_body(std::move(other.m_body)),
      m_block(std::move(other.m_block)) {}

PcapngWriter::~PcapngWriter() {
    if (m_direct) flush();
    if (m_file == nullptr) return;
    flush();
    if (m_owns) std::fclose(m_file);
}

std::uint32_t PcapngWriter::addInterface(const PcapngInterface& iface) {
    put16(static_cast<std::uint16_t>(iface.linkType));
    put16(0);
    put32(iface.snapLength);
    if (!iface.name.empty()) putStringOption(kIfName, iface.name);
    if (!iface.description.empty()) putStringOption(kIfDescription, iface.description);
    const std::uint8_t nanoseconds = 9;
    put16(kIfTsresol);
    put16(1);
    putBytes(&nanoseconds, 1);
    if (!iface.filter.empty()) {
        // if_filter: a first byte of 0 says "libpcap filter string".
        std::string value(1, '\0');
        value += iface.filter;
        putStringOption(kIfFilter, value);
    }
    endOptions();
    writeBlock(kInterfaceDescription);
    return m_interfaces++;
}

void PcapngWriter::writePacket(std::uint32_t interfaceId, const Packet& packet) {
    // Straight from the packet in three writes, not through m_body and m_block: at 1 GB/s of
    // 64 KiB packets those two copies of every packet were what made `live --write-only` fall
    // behind.
    ++m_packets;
    const std::size_t n = packet.data.size();
    const std::size_t pad = (4 - n % 4) % 4;
    const std::size_t total = 32 + n + pad;
    const auto ts = static_cast<std::uint64_t>(packet.ts);
    std::uint8_t head[28];
    storeLe32(head, kEnhancedPacket);
    storeLe32(head + 4, static_cast<std::uint32_t>(total));
    storeLe32(head + 8, interfaceId);
    storeLe32(head + 12, static_cast<std::uint32_t>(ts >> 32));
    storeLe32(head + 16, static_cast<std::uint32_t>(ts));
    storeLe32(head + 20, static_cast<std::uint32_t>(n));
    storeLe32(head + 24, packet.originalLength);
    std::uint8_t tail[8] = {};  // the padding, then the block length again
    storeLe32(tail + pad, static_cast<std::uint32_t>(total));
    if (!emit(head, sizeof head) || (n > 0 && !emit(packet.data.data(), n)) || !emit(tail, pad + 4))
        return;
    m_written += total;
}

void PcapngWriter::writeStats(std::uint32_t interfaceId, const PcapngInterfaceStats& stats) {
    const auto ts = static_cast<std::uint64_t>(stats.ts);
    put32(interfaceId);
    put32(static_cast<std::uint32_t>(ts >> 32));
    put32(static_cast<std::uint32_t>(ts));
    if (stats.start) putTimestampOption(kIsbStartTime, *stats.start);
    if (stats.end) putTimestampOption(kIsbEndTime, *stats.end);
    if (stats.received) putU64Option(kIsbIfRecv, *stats.received);
    if (stats.droppedByInterface) putU64Option(kIsbIfDrop, *stats.droppedByInterface);
    if (stats.droppedByOs) putU64Option(kIsbOsDrop, *stats.droppedByOs);
    if (stats.delivered) putU64Option(kIsbUsrDeliv, *stats.delivered);
    endOptions();
    writeBlock(kInterfaceStatistics);
}

void PcapngWriter::writeTlsKeyLog(std::string_view lines) {
    if (lines.empty()) return;
    put32(kSecretsTlsKeyLog);
    put32(static_cast<std::uint32_t>(lines.size()));
    putBytes(reinterpret_cast<const std::uint8_t*>(lines.data()), lines.size());
    writeBlock(kDecryptionSecrets);
    ++m_secretBlocks;
}

void PcapngWriter::flush() {
    if (failed()) return;
    if (m_direct) {
        if (m_direct->direct() && m_direct->unaligned() != 0) {
            // The smallest block is 12 bytes: a gap shorter than that takes the next 4 KiB too.
            std::size_t filler = DirectFile::kAlign - m_direct->unaligned();
            if (filler < 12) filler += DirectFile::kAlign;
            m_body.assign(filler - 12, 0);
            writeBlock(kFillerBlock);
        }
        if (!m_direct->flush()) m_error = m_direct->error();
        return;
    }
    if (m_file == nullptr) return;
    if (std::fflush(m_file) != 0) m_error = std::strerror(errno);
}

bool PcapngWriter::emit(const std::uint8_t* data, std::size_t n) {
    if (failed()) return false;
    if (m_direct) {
        if (!m_direct->append(data, n)) m_error = m_direct->error();
    } else if (m_file == nullptr) {
        return false;
    } else if (std::fwrite(data, 1, n, m_file) != n) {
        m_error = errno != 0 ? std::strerror(errno) : "short write";
    }
    return !failed();
}

void PcapngWriter::writeBlock(std::uint32_t type) {
    const std::size_t total = 12 + m_body.size();
    m_block.resize(total);
    storeLe32(m_block.data(), type);
    storeLe32(m_block.data() + 4, static_cast<std::uint32_t>(total));
    if (!m_body.empty()) std::memcpy(m_block.data() + 8, m_body.data(), m_body.size());
    storeLe32(m_block.data() + total - 4, static_cast<std::uint32_t>(total));
    m_body.clear();
    if (emit(m_block.data(), total)) m_written += total;
}

void PcapngWriter::put16(std::uint16_t v) {
    m_body.push_back(static_cast<std::uint8_t>(v));
    m_body.push_back(static_cast<std::uint8_t>(v >> 8));
}

void PcapngWriter::put32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) m_body.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void PcapngWriter::put64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) m_body.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void PcapngWriter::putBytes(const std::uint8_t* data, std::size_t n) {
    m_body.insert(m_body.end(), data, data + n);
    m_body.resize(m_body.size() + ((4 - n % 4) % 4), 0);
}

void PcapngWriter::putStringOption(std::uint16_t code, const std::string& value) {
    // Option lengths are 16 bits; longer text is cut rather than making the block unreadable.
    const std::size_t n = std::min<std::size_t>(value.size(), 0xfff0);
    put16(code);
    put16(static_cast<std::uint16_t>(n));
    putBytes(reinterpret_cast<const std::uint8_t*>(value.data()), n);
}

void PcapngWriter::putU64Option(std::uint16_t code, std::uint64_t value) {
    put16(code);
    put16(8);
    put64(value);
}

void PcapngWriter::putTimestampOption(std::uint16_t code, TimestampNs ts) {
    const auto v = static_cast<std::uint64_t>(ts);
    put16(code);
    put16(8);
    put32(static_cast<std::uint32_t>(v >> 32));
    put32(static_cast<std::uint32_t>(v));
}

void PcapngWriter::endOptions() {
    put16(kOptEnd);
    put16(0);
}

}  // namespace h2lens
