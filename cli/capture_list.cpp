#include "capture_list.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace h2lens::cli {

namespace fs = std::filesystem;

bool hasCaptureMagic(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::array<unsigned char, 4> b{};
    if (!in.read(reinterpret_cast<char*>(b.data()), b.size())) return false;
    const std::uint32_t m = static_cast<std::uint32_t>(b[0]) << 24 |
                            static_cast<std::uint32_t>(b[1]) << 16 |
                            static_cast<std::uint32_t>(b[2]) << 8 | b[3];
    switch (m) {
        case 0xa1b2c3d4:  // pcap, microseconds, big-endian writer
        case 0xd4c3b2a1:  // the same, little-endian
        case 0xa1b23c4d:  // nanoseconds
        case 0x4d3cb2a1:
        case 0x0a0d0d0a:  // pcapng Section Header Block
            return true;
        default:
            return false;
    }
}

namespace {

bool hasCaptureExtension(const fs::path& p) {
    const std::string ext = p.extension().string();
    return ext == ".pcap" || ext == ".pcapng" || ext == ".cap";
}

std::vector<std::string> capturesUnder(const std::string& dir) {
    std::vector<std::string> found;
    std::error_code ec;
    fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
    if (ec) throw std::runtime_error("cannot read directory " + dir + ": " + ec.message());
    for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
        if (ec) throw std::runtime_error("cannot read directory " + dir + ": " + ec.message());
        std::error_code fileEc;
        if (!it->is_regular_file(fileEc)) continue;
        const std::string path = it->path().string();
        if (hasCaptureExtension(it->path()) || hasCaptureMagic(path)) found.push_back(path);
    }
    std::sort(found.begin(), found.end());
    return found;
}

}  // namespace

CaptureList listCaptures(const std::vector<std::string>& arguments) {
    CaptureList list;
    for (const std::string& arg : arguments) {
        std::error_code ec;
        if (arg != "-" && fs::is_directory(arg, ec)) {
            list.anyDirectory = true;
            std::vector<std::string> found = capturesUnder(arg);
            if (found.empty()) list.emptyDirectories.push_back(arg);
            for (std::string& p : found) list.files.push_back({std::move(p), true});
        } else {
            list.files.push_back({arg, false});
        }
    }
    return list;
}

}  // namespace h2lens::cli
