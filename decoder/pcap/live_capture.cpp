#include "pcap/live_capture.h"

#include <net/if.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

#include <climits>
#include <cstring>

#include <fmt/format.h>

#include "pcap/libpcap_reader.h"

namespace h2lens {

namespace {

std::string executablePath() {
    char buf[PATH_MAX] = {};
    const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return "\"$(command -v h2lens)\"";
    return std::string(buf, static_cast<std::size_t>(n));
}

int dltFromLinkType(std::uint32_t linkType) {
    return linkType == 101 ? DLT_RAW : static_cast<int>(linkType);
}

bool interfaceExists(const std::string& name) {
    return name == "any" || if_nametoindex(name.c_str()) != 0;
}

// pcap_activate's results and the sentence each deserves.
[[noreturn]] void throwActivateError(int rc, const std::string& iface, const std::string& text) {
    const std::string detail = text.empty() ? std::string(pcap_statustostr(rc)) : text;
    switch (rc) {
        case PCAP_ERROR_NO_SUCH_DEVICE:
            throw LiveCaptureError(
                LiveErrorKind::NoSuchInterface,
                fmt::format("no capture interface named '{}' (`h2lens interfaces` lists them)",
                            iface));
        case PCAP_ERROR_PERM_DENIED:
        case PCAP_ERROR_PROMISC_PERM_DENIED:
            // Without rights libpcap cannot even tell whether the interface exists.
            if (!interfaceExists(iface)) throwActivateError(PCAP_ERROR_NO_SUCH_DEVICE, iface, text);
            throw LiveCaptureError(LiveErrorKind::PermissionDenied,
                                   fmt::format("no permission to capture on '{}' ({}). {}", iface,
                                               detail, captureRightsHint()));
        case PCAP_ERROR_IFACE_NOT_UP:
            throw LiveCaptureError(
                LiveErrorKind::InterfaceDown,
                fmt::format("interface '{}' is down (bring it up, e.g. `ip link set {} up`)", iface,
                            iface));
        default:
            if (!interfaceExists(iface)) throwActivateError(PCAP_ERROR_NO_SUCH_DEVICE, iface, text);
            throw LiveCaptureError(LiveErrorKind::Other,
                                   fmt::format("cannot capture on '{}': {}", iface, detail));
    }
}

}  // namespace

std::string captureRightsHint() {
    return fmt::format(
        "Instead of running h2lens as root, grant it the capture rights once: "
        "sudo setcap cap_net_raw,cap_net_admin=eip {}",
        executablePath());
}

std::optional<std::string> checkCaptureFilter(const std::string& filter, std::uint32_t linkType,
                                              int snapLength) {
    pcap_t* dead = pcap_open_dead(dltFromLinkType(linkType), snapLength);
    if (dead == nullptr) return std::string("libpcap could not open a dead handle");
    bpf_program program{};
    std::optional<std::string> error;
    if (pcap_compile(dead, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
        error = pcap_geterr(dead);
    } else {
        pcap_freecode(&program);
    }
    pcap_close(dead);
    return error;
}

LiveCapture::LiveCapture(LiveOptions options) : m_options(std::move(options)) {
    const std::string& iface = m_options.interface;
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    m_pcap = pcap_create(iface.c_str(), errbuf);
    if (m_pcap == nullptr) {
        throw LiveCaptureError(LiveErrorKind::Other,
                               fmt::format("cannot capture on '{}': {}", iface, errbuf));
    }
    try {
        pcap_set_snaplen(m_pcap, m_options.snapLength);
        pcap_set_promisc(m_pcap, m_options.promiscuous ? 1 : 0);
        // Also how long the kernel keeps a TPACKET_V3 block it is filling before handing it
        // over: at most 100 ms behind, whatever the poll timeout.
        pcap_set_timeout(m_pcap, blockTimeoutMs());
        pcap_set_immediate_mode(m_pcap, m_options.immediate ? 1 : 0);
        if (m_options.bufferBytes > 0) pcap_set_buffer_size(m_pcap, m_options.bufferBytes);
        m_nanoseconds = pcap_set_tstamp_precision(m_pcap, PCAP_TSTAMP_PRECISION_NANO) == 0;

        const int rc = pcap_activate(m_pcap);
        if (rc < 0) throwActivateError(rc, iface, pcap_geterr(m_pcap));
        if (rc > 0) {
            m_issues.push_back(CaptureIssue{
                0, fmt::format("{}: {} ({})", iface, pcap_statustostr(rc), pcap_geterr(m_pcap))});
        }
        m_nanoseconds = pcap_get_tstamp_precision(m_pcap) == PCAP_TSTAMP_PRECISION_NANO;
        // libpcap's own wait has no timeout in immediate mode, so we wait ourselves: the
        // handle is non-blocking and poll() watches it beside an eventfd that stop() writes.
        m_fd = pcap_get_selectable_fd(m_pcap);
        if (m_fd < 0 || pcap_setnonblock(m_pcap, 1, errbuf) != 0) {
            throw LiveCaptureError(
                LiveErrorKind::Other,
                fmt::format("cannot capture on '{}': no pollable descriptor ({})", iface, errbuf));
        }
        m_wakeFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (m_wakeFd < 0) {
            throw LiveCaptureError(
                LiveErrorKind::Other,
                fmt::format("cannot capture on '{}': eventfd: {}", iface, std::strerror(errno)));
        }
        m_linkType = LibpcapReader::linkTypeFromDlt(pcap_datalink(m_pcap));
        m_snapLength = pcap_snapshot(m_pcap);

        if (!m_options.filter.empty()) {
            bpf_u_int32 net = 0;
            bpf_u_int32 mask = PCAP_NETMASK_UNKNOWN;
            if (pcap_lookupnet(iface.c_str(), &net, &mask, errbuf) != 0) {
                mask = PCAP_NETMASK_UNKNOWN;  // only "ip broadcast" needs it
            }
            bpf_program program{};
            if (pcap_compile(m_pcap, &program, m_options.filter.c_str(), 1, mask) != 0) {
                throw LiveCaptureError(LiveErrorKind::BadFilter,
                                       fmt::format("bad capture filter '{}': {}", m_options.filter,
                                                   pcap_geterr(m_pcap)));
            }
            const int set = pcap_setfilter(m_pcap, &program);
            pcap_freecode(&program);
            if (set != 0) {
                throw LiveCaptureError(LiveErrorKind::Other,
                                       fmt::format("cannot install capture filter '{}' on '{}': {}",
                                                   m_options.filter, iface, pcap_geterr(m_pcap)));
            }
        }
    } catch (...) {
        closeHandle();
        throw;
    }
}

LiveCapture::~LiveCapture() {
    closeHandle();
}

void LiveCapture::closeHandle() {
    if (m_pcap != nullptr) pcap_close(m_pcap);
    m_pcap = nullptr;
    if (m_wakeFd >= 0) close(m_wakeFd);
    m_wakeFd = -1;
}

void LiveCapture::stop() {
    m_stopRequested.store(true, std::memory_order_relaxed);
    if (m_wakeFd >= 0) {
        const std::uint64_t one = 1;
        [[maybe_unused]] const ssize_t n = write(m_wakeFd, &one, sizeof one);
    }
}

bool LiveCapture::waitReadable() {
    pollfd fds[2] = {{m_fd, POLLIN, 0}, {m_wakeFd, POLLIN, 0}};
    const int n = ::poll(fds, 2, m_options.pollTimeoutMs);
    if (n < 0 && errno != EINTR) {
        m_issues.push_back(CaptureIssue{0, fmt::format("capture on '{}' failed: poll: {}",
                                                       m_options.interface, std::strerror(errno))});
        m_stopped = true;
        return false;
    }
    if ((fds[0].revents & (POLLERR | POLLNVAL)) != 0) {
        m_issues.push_back(CaptureIssue{
            0, fmt::format("capture on '{}' failed: the interface went away or an error occurred",
                           m_options.interface)});
        m_stopped = true;
        return false;
    }
    return true;
}

LiveRead LiveCapture::poll(Packet& out) {
    if (m_stopped) return LiveRead::Stopped;
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    int rc = 0;
    if (stopRequested()) {
        // What the kernel already holds was captured before the stop: hand it out (bounded,
        // in case the interface is busier than we are fast), then stop without waiting.
        if (m_drained < kMaxDrainPackets) rc = pcap_next_ex(m_pcap, &header, &data);
        if (rc == 0 && !m_options.immediate && !m_drainWaited) {
            // TPACKET_V3: the block the kernel is filling is handed over when full or when
            // its timeout (the pcap timeout) passes; wait for that once, or the packets of the
            // last moments before the stop would be lost.
            m_drainWaited = true;
            pollfd fd{m_fd, POLLIN, 0};
            ::poll(&fd, 1, blockTimeoutMs() + 50);
            rc = pcap_next_ex(m_pcap, &header, &data);
        }
        if (rc != 1) {
            m_stopped = true;
            return LiveRead::Stopped;
        }
        ++m_drained;
    } else {
        rc = pcap_next_ex(m_pcap, &header, &data);
        if (rc == 0) {
            if (!waitReadable()) return LiveRead::Stopped;
            if (stopRequested()) return poll(out);
            rc = pcap_next_ex(m_pcap, &header, &data);
        }
    }
    if (rc == 1) {
        out.number = ++m_packets;
        const auto fraction = static_cast<TimestampNs>(header->ts.tv_usec);
        out.ts = static_cast<TimestampNs>(header->ts.tv_sec) * 1'000'000'000 +
                 (m_nanoseconds ? fraction : fraction * 1000);
        out.linkType = m_linkType;
        out.originalLength = header->len;
        out.data = ByteSpan(data, header->caplen);
        m_bytes += header->caplen;
        return LiveRead::Packet;
    }
    if (rc == 0) return LiveRead::Timeout;
    m_stopped = true;
    if (rc != PCAP_ERROR_BREAK) {
        m_issues.push_back(CaptureIssue{0, fmt::format("capture on '{}' failed: {}",
                                                       m_options.interface, pcap_geterr(m_pcap))});
    }
    return LiveRead::Stopped;
}

ReadStatus LiveCapture::next(Packet& out) {
    for (;;) {
        switch (poll(out)) {
            case LiveRead::Packet:
                return ReadStatus::Packet;
            case LiveRead::Stopped:
                return ReadStatus::End;
            case LiveRead::Timeout:
                break;
        }
    }
}

LiveStats LiveCapture::stats() {
    pcap_stat raw{};
    if (m_pcap == nullptr || pcap_stats(m_pcap, &raw) != 0) return m_stats;
    const std::uint32_t now[3] = {raw.ps_recv, raw.ps_drop, raw.ps_ifdrop};
    std::uint64_t* totals[3] = {&m_stats.received, &m_stats.droppedByKernel,
                                &m_stats.droppedByInterface};
    for (int i = 0; i < 3; ++i) {
        *totals[i] += static_cast<std::uint32_t>(now[i] - m_rawStats[i]);  // modulo 2^32
        m_rawStats[i] = now[i];
    }
    m_stats.available = true;
    return m_stats;
}

}  // namespace h2lens
