#pragma once
// Writes what h2lens captured as pcapng (libpcap 1.10's pcap_dump only writes classic pcap), so
// a live capture can be reopened by h2lens, Wireshark or tshark. One section; blocks in little-
// endian order with nanosecond timestamps (if_tsresol = 9); each interface may carry its name,
// description, capture filter and snap length, and an Interface Statistics Block records the
// counters a live capture ends with.
//
// Write errors (disk full, closed pipe) are the environment: the first one is kept, later calls
// do nothing, and the caller reads failed()/error() once it is convenient. Nothing throws after
// construction.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "capture/direct_file.h"
#include "capture/packet.h"
#include "capture/packet_source.h"

namespace h2lens {

struct PcapngInterface {
    std::uint32_t linkType = 1;    // LINKTYPE_* value
    std::uint32_t snapLength = 0;  // 0: no limit
    std::string name;              // if_name, e.g. "lo"
    std::string description;       // if_description
    std::string filter;            // if_filter as a libpcap filter expression
};

struct PcapngInterfaceStats {
    TimestampNs ts = 0;                               // when the counters were read
    std::optional<TimestampNs> start;                 // isb_starttime
    std::optional<TimestampNs> end;                   // isb_endtime
    std::optional<std::uint64_t> received;            // isb_ifrecv: seen by the capture
    std::optional<std::uint64_t> droppedByInterface;  // isb_ifdrop
    std::optional<std::uint64_t> droppedByOs;         // isb_osdrop: by the kernel buffer
    std::optional<std::uint64_t> delivered;           // isb_usrdeliv: handed to the user
};

class PcapngWriter {
  public:
    // Writes to `file` from its current position. `ownsFile`: fclose it on destruction.
    // `application` goes into shb_userappl. The Section Header Block is written at once.
    PcapngWriter(std::FILE* file, bool ownsFile, const std::string& application = "h2lens");
    // Creates (truncates) `path`; "-" is standard output. Throws CaptureError naming the path
    // when it cannot be created.
    static PcapngWriter open(const std::string& path, const std::string& application = "h2lens");
    // As open(), for a file only, written with O_DIRECT (see DirectFile): each flush() first
    // pads the file to a 4 KiB boundary with a filler block of a local-use block type
    // (kFillerBlock), which pcapng readers skip (h2lens, tshark, editcap drops it), so a reader
    // following the file always finds whole blocks.
    static PcapngWriter openDirect(const std::string& path,
                                   const std::string& application = "h2lens");
    static constexpr std::uint32_t kFillerBlock = 0x80004832;  // bit 31: local use; "H2"
    ~PcapngWriter();
    PcapngWriter(PcapngWriter&& other) noexcept;
    PcapngWriter& operator=(PcapngWriter&&) = delete;
    PcapngWriter(const PcapngWriter&) = delete;
    PcapngWriter& operator=(const PcapngWriter&) = delete;

    // Returns the interface id to pass to writePacket (0, 1, ... in order of addition).
    std::uint32_t addInterface(const PcapngInterface& iface);
    // An Enhanced Packet Block; `packet.linkType` is not checked against the interface.
    void writePacket(std::uint32_t interfaceId, const Packet& packet);
    void writeStats(std::uint32_t interfaceId, const PcapngInterfaceStats& stats);
    // A Decryption Secrets Block of NSS key log lines (each ending in '\n'): readers (h2lens,
    // Wireshark, tshark) use it for the TLS packets that follow it, with no key log beside the
    // file. Nothing is written for "".
    void writeTlsKeyLog(std::string_view lines);
    void flush();

    std::uint64_t bytesWritten() const { return m_written; }
    std::uint64_t packetsWritten() const { return m_packets; }
    std::uint64_t secretBlocksWritten() const { return m_secretBlocks; }
    bool failed() const { return !m_error.empty(); }
    // Whether openDirect's file is written around the page cache (false where refused).
    bool writesDirect() const { return m_direct && m_direct->direct(); }
    const std::string& error() const { return m_error; }

  private:
    PcapngWriter(std::unique_ptr<DirectFile> direct, const std::string& application);
    void writeSectionHeader(const std::string& application);
    bool emit(const std::uint8_t* data, std::size_t n);
    void writeBlock(std::uint32_t type);  // m_body holds the block body, options included
    void put16(std::uint16_t v);
    void put32(std::uint32_t v);
    void put64(std::uint64_t v);
    void putBytes(const std::uint8_t* data, std::size_t n);  // padded to 4
    void putStringOption(std::uint16_t code, const std::string& value);
    void putU64Option(std::uint16_t code, std::uint64_t value);
    void putTimestampOption(std::uint16_t code, TimestampNs ts);
    void endOptions();

    std::FILE* m_file = nullptr;
    bool m_owns = false;
    std::unique_ptr<DirectFile> m_direct;  // instead of m_file, from openDirect
    std::uint32_t m_interfaces = 0;
    std::uint64_t m_written = 0;
    std::uint64_t m_packets = 0;
    std::uint64_t m_secretBlocks = 0;
    std::string m_error;
    Bytes m_body;  // reused between blocks: no allocation per packet once warm
    Bytes m_block;
};

}  // namespace h2lens
