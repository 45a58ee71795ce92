#pragma once
// Test-only reader: real captures through libpcap's own API, as h2lens::Packet values, so the
// net tests do not depend on h2lens's capture readers.
#include <pcap/pcap.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "capture/packet.h"

namespace h2lens::test {

// Calls `onPacket` for every packet; false if libpcap cannot open or read the whole file.
inline bool forEachPcapPacket(const std::filesystem::path& file,
                              const std::function<void(const Packet&)>& onPacket) {
    char err[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p =
        pcap_open_offline_with_tstamp_precision(file.c_str(), PCAP_TSTAMP_PRECISION_NANO, err);
    if (p == nullptr) return false;
    const std::uint32_t linkType = static_cast<std::uint32_t>(pcap_datalink(p));
    Packet packet;
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    int rc = 0;
    while ((rc = pcap_next_ex(p, &header, &data)) == 1) {
        ++packet.number;
        packet.ts =
            static_cast<TimestampNs>(header->ts.tv_sec) * 1'000'000'000 + header->ts.tv_usec;
        packet.linkType = linkType;
        packet.originalLength = header->len;
        packet.data = ByteSpan(data, header->caplen);
        onPacket(packet);
    }
    pcap_close(p);
    return rc == PCAP_ERROR_BREAK;
}

// captures/*/capture.pcap[ng] (not deeper: big/ may hold a 700 MB file) and corpus/pcaps/**.
inline std::vector<std::filesystem::path> realCaptures(const std::filesystem::path& shared) {
    namespace fs = std::filesystem;
    std::vector<fs::path> files;
    if (fs::exists(shared / "captures")) {
        for (const auto& e : fs::directory_iterator(shared / "captures")) {
            for (const char* name : {"capture.pcap", "capture.pcapng"}) {
                if (fs::is_regular_file(e.path() / name)) files.push_back(e.path() / name);
            }
        }
    }
    if (fs::exists(shared / "corpus" / "pcaps")) {
        for (const auto& e : fs::recursive_directory_iterator(shared / "corpus" / "pcaps")) {
            const auto ext = e.path().extension();
            if (e.is_regular_file() && (ext == ".pcap" || ext == ".pcapng")) {
                files.push_back(e.path());
            }
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace h2lens::test
