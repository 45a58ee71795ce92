#pragma once
// A pcapng reader of our own (no libpcap), because libpcap refuses files whose interfaces have
// different link types and never exposes Decryption Secrets Blocks.
//
// Understands: Section Header Blocks in either byte order, several sections per file (each
// resets the interface list); Interface Description Blocks (link type, snaplen, if_tsresol in
// decimal or power-of-two form, if_tsoffset); Enhanced, Simple and obsolete Packet Blocks;
// Decryption Secrets Blocks of type TLS key log (lines exposed via decryptionSecrets(), empty
// lines dropped, CR LF accepted). A Simple Packet Block has no timestamp and gets the previous
// packet's.
// Every other block (name resolution, statistics, custom, unknown) is skipped by its length.
//
// Refuses, with an Issue and End: a file not starting with a Section Header Block, a block
// length under 12, not a multiple of 4, or above maxBlockBytes (memory stays bounded), a section
// of an unknown major version, a truncated block (the Issue names the packet number). A bad
// packet inside a well-framed block (unknown interface, captured length past the block) is
// reported and skipped; the packet number is still consumed, so later numbers match Wireshark's.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "capture/byte_input.h"
#include "capture/packet_source.h"

namespace h2lens {

struct PcapngOptions {
    // Largest block accepted; one block is held in memory at a time.
    std::size_t maxBlockBytes = 64 * 1024 * 1024;
};

class PcapngReader : public PacketSource {
  public:
    using Options = PcapngOptions;
    static constexpr std::uint32_t kMagic = 0x0a0d0d0a;  // Section Header Block type

    // Reads `file` (a regular file, a pipe or stdin); `prefix` are bytes already read from it.
    PcapngReader(std::FILE* file, bool ownsFile, Bytes prefix = {}, Options options = {});
    // Reads a buffer that must outlive the reader (fuzzer, tests).
    explicit PcapngReader(ByteSpan memory, Options options = {});

    ReadStatus next(Packet& out) override;
    std::vector<CaptureIssue> takeIssues() override;
    bool readFailed() const override { return m_failed; }
    const std::vector<std::string>& decryptionSecrets() const override { return m_secrets; }
    std::uint64_t bytesRead() const override { return m_input.position(); }
    std::uint64_t fileSize() const override { return m_input.totalSize(); }

  private:
    struct Interface {
        std::uint32_t linkType = 0;
        std::uint32_t snapLength = 0;
        bool binaryResolution = false;  // if_tsresol: 2^-exp instead of 10^-exp seconds
        std::uint8_t resolutionExponent = 6;
        std::int64_t offsetSeconds = 0;  // if_tsoffset
    };
    enum class BlockResult : std::uint8_t { Packet, Skipped, Stop };

    BlockResult readBlock(Packet& out);
    bool readSectionHeader(ByteSpan block);
    void readInterface(ByteSpan body);
    BlockResult readEnhancedPacket(ByteSpan body, Packet& out);
    BlockResult readSimplePacket(ByteSpan body, Packet& out);
    BlockResult readObsoletePacket(ByteSpan body, Packet& out);
    void readSecrets(ByteSpan body);
    BlockResult deliver(std::uint32_t interfaceId, std::uint64_t ticks, std::uint32_t capLength,
                        std::uint32_t origLength, ByteSpan data, const char* blockName,
                        Packet& out);
    TimestampNs toNanoseconds(const Interface& iface, std::uint64_t ticks) const;
    std::uint16_t u16(const std::uint8_t* p) const;
    std::uint32_t u32(const std::uint8_t* p) const;
    std::uint64_t u64(const std::uint8_t* p) const;
    void issue(std::uint64_t packetNumber, std::string message);
    void stop(std::uint64_t packetNumber, std::string message);

    ByteInput m_input;
    Options m_options;
    bool m_bigEndian = false;
    bool m_stopped = false;
    bool m_failed = false;  // stopped by stop(): the rest could not be read
    std::uint64_t m_packetCount = 0;
    std::uint64_t m_sectionCount = 0;
    TimestampNs m_lastTimestamp = 0;
    std::vector<Interface> m_interfaces;
    std::vector<std::string> m_secrets;
    std::vector<CaptureIssue> m_issues;
};

}  // namespace h2lens
