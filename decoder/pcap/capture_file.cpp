#include "pcap/capture_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "capture/classic_pcap_reader.h"
#include "capture/pcapng_reader.h"
#include "pcap/libpcap_reader.h"

namespace h2lens {

CaptureFormat detectCaptureFormat(ByteSpan firstBytes) {
    if (firstBytes.size() < 4) return CaptureFormat::Unknown;
    switch (loadBe32(firstBytes.data())) {
        case 0x0a0d0d0a:
            return CaptureFormat::Pcapng;
        case 0xa1b2c3d4:  // microseconds, big-endian file
        case 0xd4c3b2a1:  // microseconds, little-endian file
        case 0xa1b23c4d:  // nanoseconds
        case 0x4d3cb2a1:
        case 0xa1b2cd34:  // libpcap's "modified" format
        case 0x34cdb2a1:
            return CaptureFormat::Pcap;
        default:
            return CaptureFormat::Unknown;
    }
}

namespace {

struct Opened {
    std::FILE* file = nullptr;
    bool owned = false;
};

Opened openInput(const std::string& path) {
    if (path == "-") return {stdin, false};
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) {
        throw CaptureError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
    }
    if (S_ISDIR(st.st_mode)) {
        throw CaptureError(fmt::format("{}: is a directory, not a capture file", path));
    }
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) {
        throw CaptureError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
    }
    return {file, true};
}

}  // namespace

std::unique_ptr<PacketSource> openCapture(const std::string& path) {
    const std::string name = path == "-" ? std::string("standard input") : path;
    Opened in = openInput(path);
    struct stat st {};
    if (fstat(fileno(in.file), &st) == 0 && !S_ISREG(st.st_mode)) {
        // Pipes are read with read(2) from here on (readAvailable): stdio must not hold back
        // bytes it read ahead while we take the magic number.
        std::setvbuf(in.file, nullptr, _IONBF, 0);
    }
    Bytes magic(4);
    const std::size_t got = std::fread(magic.data(), 1, magic.size(), in.file);
    const int readErrno = std::ferror(in.file) ? errno : 0;
    magic.resize(got);
    auto closeInput = [&] {
        if (in.owned) std::fclose(in.file);
    };
    if (readErrno != 0) {
        closeInput();
        throw CaptureError(fmt::format("{}: cannot read: {}", name, std::strerror(readErrno)));
    }
    if (got == 0) {
        closeInput();
        throw CaptureError(fmt::format("{}: empty file, not a pcap or pcapng capture", name));
    }
    switch (detectCaptureFormat(magic)) {
        case CaptureFormat::Pcapng:
            return std::make_unique<PcapngReader>(in.file, in.owned, std::move(magic));
        case CaptureFormat::Pcap: {
            Bytes header = std::move(magic);
            header.resize(ClassicPcapReader::kHeaderSize);
            header.resize(4 + std::fread(header.data() + 4, 1, header.size() - 4, in.file));
            if (std::ferror(in.file)) {
                const int error = errno != 0 ? errno : EIO;
                closeInput();
                throw CaptureError(fmt::format("{}: cannot read: {}", name, std::strerror(error)));
            }
            switch (ClassicPcapReader::checkHeader(header)) {
                case ClassicPcapReader::Header::Ours:
                    return std::make_unique<ClassicPcapReader>(in.file, in.owned,
                                                               std::move(header));
                case ClassicPcapReader::Header::Truncated:
                    closeInput();
                    throw CaptureError(
                        fmt::format("{}: truncated pcap file header ({} of {} bytes)", name,
                                    header.size(), ClassicPcapReader::kHeaderSize));
                case ClassicPcapReader::Header::Unsupported:
                case ClassicPcapReader::Header::NotPcap:
                    break;
            }
            // Other versions and the "modified" format: libpcap knows their quirks.
            if (in.owned) {
                closeInput();
                return std::make_unique<LibpcapReader>(path);
            }
            return std::make_unique<LibpcapReader>(in.file, std::move(header), name);
        }
        case CaptureFormat::Unknown:
            break;
    }
    closeInput();
    if (got < 4) {
        throw CaptureError(fmt::format("{}: not a pcap or pcapng capture (only {} byte{})", name,
                                       got, got == 1 ? "" : "s"));
    }
    throw CaptureError(
        fmt::format("{}: not a pcap or pcapng capture (starts with 0x{})", name, hexString(magic)));
}

}  // namespace h2lens
