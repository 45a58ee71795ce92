#pragma once
// Packets from a network interface, through libpcap (pcap_create / pcap_activate), as a
// PacketSource. The source reads; it does not start threads or touch signals. Its one
// cross-thread entry point is stop(), which is safe from another thread or a signal handler
// (a write to an eventfd the reader polls beside the capture descriptor), so a capture thread
// can sit in next()/poll() while Ctrl-C ends it.
//
// Environment failures become a LiveCaptureError with a sentence a user can act on: the
// interface does not exist, no permission (how to grant cap_net_raw,cap_net_admin with setcap
// rather than running as root), the interface is down, the BPF filter does not compile (with
// libpcap's own text). libpcap warnings at activation are kept as Issues.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "capture/packet_source.h"

struct pcap;

namespace h2lens {

struct LiveOptions {
    std::string interface;    // as `h2lens interfaces` lists it; "any" is Linux's all-devices
    std::string filter;       // BPF filter expression (tcpdump syntax); empty: everything
    int snapLength = 262144;  // bytes kept per packet
    bool promiscuous = false;
    // Deliver each packet at once (TPACKET_V2) rather than per filled block (TPACKET_V3); see
    // `h2lens live --immediate` for what it costs.
    bool immediate = false;
    int bufferBytes = 64 << 20;  // kernel ring size; 0 keeps libpcap's default (2 MiB)
    int pollTimeoutMs = 100;     // longest poll() waits with no packet
};

// pcap_stats, widened to 64 bits across the 32-bit counters' wraps.
struct LiveStats {
    bool available = false;                // false when libpcap could not give counters
    std::uint64_t received = 0;            // ps_recv: packets that passed the filter
    std::uint64_t droppedByKernel = 0;     // ps_drop: no room in the capture buffer
    std::uint64_t droppedByInterface = 0;  // ps_ifdrop: dropped by the NIC or its driver
};

enum class LiveErrorKind : std::uint8_t {
    NoSuchInterface,
    PermissionDenied,
    InterfaceDown,
    BadFilter,
    Other,
};

class LiveCaptureError : public CaptureError {
  public:
    LiveCaptureError(LiveErrorKind kind, const std::string& message)
        : CaptureError(message), m_kind(kind) {}
    LiveErrorKind kind() const { return m_kind; }

  private:
    LiveErrorKind m_kind;
};

enum class LiveRead : std::uint8_t {
    Packet,   // `out` filled
    Timeout,  // nothing within pollTimeoutMs: a chance to check clocks and flags
    Stopped,  // stop() was called, or the capture failed (an Issue says why)
};

class LiveCapture : public PacketSource {
  public:
    // Opens and activates the interface and installs the filter. Throws LiveCaptureError.
    explicit LiveCapture(LiveOptions options);
    ~LiveCapture() override;
    LiveCapture(const LiveCapture&) = delete;
    LiveCapture& operator=(const LiveCapture&) = delete;

    // Waits at most options().pollTimeoutMs for one packet. `out.data` stays valid until the
    // next call. Once stop() was called it returns, without waiting, the packets the kernel
    // already holds (at most kMaxDrainPackets), then Stopped, and Stopped ever after.
    LiveRead poll(Packet& out);
    // Blocks until a packet arrives (Packet) or the capture is stopped or fails (End).
    ReadStatus next(Packet& out) override;
    // Ends the capture: the reading thread's poll()/next() returns Stopped/End promptly.
    // Async-signal-safe and thread-safe.
    void stop();
    static constexpr std::uint64_t kMaxDrainPackets = 100000;
    bool stopRequested() const { return m_stopRequested.load(std::memory_order_relaxed); }

    // Counters so far; call from the reading thread (libpcap handles are not thread-safe).
    LiveStats stats();

    std::vector<CaptureIssue> takeIssues() override { return std::exchange(m_issues, {}); }
    const std::vector<std::string>& decryptionSecrets() const override { return m_noSecrets; }
    std::uint64_t bytesRead() const override { return m_bytes; }

    const LiveOptions& options() const { return m_options; }
    std::uint32_t linkType() const { return m_linkType; }  // LINKTYPE_* of the interface
    int snapLength() const { return m_snapLength; }        // as granted by libpcap
    std::uint64_t packetsRead() const { return m_packets; }

  private:
    void closeHandle();
    bool waitReadable();  // false when the capture failed (an Issue says why)

    LiveOptions m_options;
    pcap* m_pcap = nullptr;
    int m_fd = -1;      // libpcap's selectable descriptor
    int m_wakeFd = -1;  // eventfd written by stop()
    std::atomic<bool> m_stopRequested{false};
    bool m_stopped = false;
    bool m_nanoseconds = false;
    std::uint32_t m_linkType = 0;
    int m_snapLength = 0;
    std::uint64_t m_packets = 0;
    std::uint64_t m_drained = 0;  // packets handed out after stop()
    bool m_drainWaited = false;   // for the block the kernel was filling at the stop
    int blockTimeoutMs() const { return std::min(m_options.pollTimeoutMs, 100); }
    std::uint64_t m_bytes = 0;
    std::uint32_t m_rawStats[3] = {0, 0, 0};
    LiveStats m_stats;
    std::vector<CaptureIssue> m_issues;
    std::vector<std::string> m_noSecrets;
};

// Compiles `filter` for a link type without opening anything (no rights needed). Returns
// libpcap's error text, or nothing when the filter is valid.
std::optional<std::string> checkCaptureFilter(const std::string& filter, std::uint32_t linkType,
                                              int snapLength = 262144);

// The sentence telling a user how to let h2lens capture without root, naming this executable.
std::string captureRightsHint();

}  // namespace h2lens
