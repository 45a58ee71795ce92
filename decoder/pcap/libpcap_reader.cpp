#include "pcap/libpcap_reader.h"

#include "capture/byte_input.h"

#include <pcap/pcap.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace h2lens {

// A read-only stdio stream that replays bytes already consumed from `file`, then reads on;
// libpcap needs a FILE* positioned at the very start of the capture.
struct LibpcapReader::StreamState {
    std::FILE* file = nullptr;
    bool regularFile = false;  // stdin redirected from a file: stdio may hold read-ahead bytes
    Bytes prefix;
    std::size_t prefixPos = 0;
    std::uint64_t delivered = 0;

    static ssize_t read(void* cookie, char* buf, size_t size) {
        auto* self = static_cast<StreamState*>(cookie);
        std::size_t n = 0;
        if (self->prefixPos < self->prefix.size()) {
            n = std::min(size, self->prefix.size() - self->prefixPos);
            std::memcpy(buf, self->prefix.data() + self->prefixPos, n);
            self->prefixPos += n;
        } else {
            int error = 0;
            n = readAvailable(self->file, self->regularFile, buf, size, error);
            if (n == 0 && error != 0) return -1;
        }
        self->delivered += n;
        return static_cast<ssize_t>(n);
    }
};

namespace {

std::uint64_t regularFileSize(std::FILE* file) {
    struct stat st {};
    if (file != nullptr && fstat(fileno(file), &st) == 0 && S_ISREG(st.st_mode)) {
        return static_cast<std::uint64_t>(st.st_size);
    }
    return 0;
}

}  // namespace

LibpcapReader::LibpcapReader(const std::string& path) {
    // libpcap reads each packet with two fread()s; stdio's default buffer turns that into a
    // read() every few KB. A large buffer halves the time spent in the kernel on big files.
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) throw CaptureError(fmt::format("{}: {}", path, std::strerror(errno)));
    m_readBuffer = std::make_unique<char[]>(kReadBufferSize);
    std::setvbuf(file, m_readBuffer.get(), _IOFBF, kReadBufferSize);
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    m_pcap = pcap_fopen_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (m_pcap == nullptr) {
        std::fclose(file);
        throw CaptureError(fmt::format("{}: {}", path, errbuf));
    }
    m_linkType = linkTypeFromDlt(pcap_datalink(m_pcap));
    m_fileSize = regularFileSize(pcap_file(m_pcap));
}

LibpcapReader::LibpcapReader(std::FILE* file, Bytes prefix, const std::string& name)
    : m_stream(std::make_unique<StreamState>()) {
    m_stream->file = file;
    struct stat st {};
    m_stream->regularFile = fstat(fileno(file), &st) == 0 && S_ISREG(st.st_mode);
    m_stream->prefix = std::move(prefix);
    cookie_io_functions_t io{};
    io.read = &StreamState::read;
    std::FILE* stream = fopencookie(m_stream.get(), "rb", io);
    if (stream == nullptr) {
        throw CaptureError(fmt::format("{}: cannot open stream: {}", name, std::strerror(errno)));
    }
    m_readBuffer = std::make_unique<char[]>(kReadBufferSize);
    std::setvbuf(stream, m_readBuffer.get(), _IOFBF, kReadBufferSize);
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    m_pcap = pcap_fopen_offline_with_tstamp_precision(stream, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (m_pcap == nullptr) {
        std::fclose(stream);
        throw CaptureError(fmt::format("{}: {}", name, errbuf));
    }
    m_linkType = linkTypeFromDlt(pcap_datalink(m_pcap));
    m_fileSize = regularFileSize(file);
}

LibpcapReader::~LibpcapReader() {
    if (m_pcap != nullptr) pcap_close(m_pcap);  // also closes the cookie stream, not `file`
}

std::uint32_t LibpcapReader::linkTypeFromDlt(int dlt) {
    switch (dlt) {
        case DLT_RAW:
            return 101;  // DLT_RAW is 12 or 14 depending on the platform
        case DLT_ATM_RFC1483:
            return 100;
#ifdef DLT_PFSYNC
        case DLT_PFSYNC:
            return 246;
#endif
        default:
            return static_cast<std::uint32_t>(dlt);
    }
}

std::uint64_t LibpcapReader::bytesRead() const {
    if (m_stream) return m_stream->delivered;
    long pos = m_pcap != nullptr ? std::ftell(pcap_file(m_pcap)) : -1;
    return pos < 0 ? 0 : static_cast<std::uint64_t>(pos);
}

ReadStatus LibpcapReader::next(Packet& out) {
    if (m_done) return ReadStatus::End;
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    const int rc = pcap_next_ex(m_pcap, &header, &data);
    if (rc == 1) {
        out.number = ++m_packetCount;
        out.ts = static_cast<TimestampNs>(header->ts.tv_sec) * 1'000'000'000 +
                 static_cast<TimestampNs>(header->ts.tv_usec);  // ns: precision requested
        out.linkType = m_linkType;
        out.originalLength = header->len;
        out.data = ByteSpan(data, header->caplen);
        return ReadStatus::Packet;
    }
    m_done = true;
    if (rc == PCAP_ERROR) {
        m_failed = true;
        const std::uint64_t number = m_packetCount + 1;
        const std::string text = pcap_geterr(m_pcap);
        const bool truncated = text.find("truncated") != std::string::npos;
        m_issues.push_back(CaptureIssue{
            number,
            fmt::format("{} (libpcap: {})", truncated ? "file truncated" : "read error", text)});
    }
    return ReadStatus::End;
}

}  // namespace h2lens
