#pragma once
// Helpers shared by the capture and pcap tests: reading whole sources into owned packets,
// finding the real captures under ../shared, asking Wireshark's tools (independent oracles)
// and writing small pcapng files in either byte order from real packet bytes.
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "capture/packet_source.h"
#include "test_paths.h"

namespace h2lens::test {

struct OwnedPacket {
    std::uint64_t number = 0;
    TimestampNs ts = 0;
    std::uint32_t linkType = 0;
    std::uint32_t originalLength = 0;
    Bytes data;
    bool operator==(const OwnedPacket&) const = default;
};

struct ReadResult {
    std::vector<OwnedPacket> packets;
    std::vector<CaptureIssue> issues;
    std::vector<std::string> secrets;
};

inline ReadResult readAll(PacketSource& source) {
    ReadResult r;
    Packet p;
    while (source.next(p) == ReadStatus::Packet) {
        r.packets.push_back(
            {p.number, p.ts, p.linkType, p.originalLength, Bytes(p.data.begin(), p.data.end())});
    }
    r.issues = source.takeIssues();
    r.secrets = source.decryptionSecrets();
    return r;
}

inline Bytes readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void writeFile(const std::filesystem::path& path, ByteSpan bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
}

inline bool isPcapngFile(const std::filesystem::path& path) {
    Bytes b = readFile(path);
    return b.size() >= 4 && loadBe32(b.data()) == 0x0a0d0d0a;
}

// Every capture in ../shared: captures/*/capture.pcap(ng) and corpus/pcaps/** (by extension;
// the content decides the format, e.g. pcap2har/http2-dump.pcap is pcapng).
inline std::vector<std::filesystem::path> sharedCaptures() {
    namespace fs = std::filesystem;
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(sharedDir() / "captures")) {
        for (const char* name : {"capture.pcap", "capture.pcapng"}) {
            if (fs::exists(e.path() / name)) out.push_back(e.path() / name);
        }
    }
    for (const auto& e : fs::recursive_directory_iterator(sharedDir() / "corpus" / "pcaps")) {
        const auto ext = e.path().extension();
        if (e.is_regular_file() && (ext == ".pcap" || ext == ".pcapng")) out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

inline std::vector<std::filesystem::path> sharedPcapngCaptures() {
    std::vector<std::filesystem::path> out;
    for (const auto& p : sharedCaptures()) {
        if (isPcapngFile(p)) out.push_back(p);
    }
    return out;
}

inline std::string runCommand(const std::string& command) {
    std::string out;
    std::FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return out;
    std::array<char, 4096> buf{};
    std::size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
    pclose(pipe);
    return out;
}

inline std::string shellQuote(const std::filesystem::path& p) {
    std::string out = "'";
    for (char c : p.string()) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

// Packet count as capinfos reports it; nullopt when capinfos cannot read the file.
inline std::optional<std::uint64_t> capinfosPacketCount(const std::filesystem::path& path) {
    const std::string out = runCommand("capinfos -c -M " + shellQuote(path) + " 2>/dev/null");
    const std::string key = "Number of packets:";
    const auto pos = out.find(key);
    if (pos == std::string::npos) return std::nullopt;
    return std::stoull(out.substr(pos + key.size()));
}

// What tshark sees per frame: epoch time in ns, wire length, captured length, interface id.
struct TsharkFrame {
    TimestampNs ts = 0;
    std::uint32_t length = 0;
    std::uint32_t capturedLength = 0;
    int interfaceId = -1;
    bool hasTime = true;  // false for Simple Packet Blocks, which carry no timestamp
};

inline TimestampNs parseEpoch(const std::string& s) {
    const auto dot = s.find('.');
    TimestampNs sec = std::stoll(s.substr(0, dot));
    std::string frac = dot == std::string::npos ? "" : s.substr(dot + 1);
    frac.erase(std::find_if(frac.begin(), frac.end(), [](char c) { return c < '0' || c > '9'; }),
               frac.end());
    frac.resize(9, '0');
    return sec * 1'000'000'000 + std::stoll(frac);
}

inline std::vector<TsharkFrame> tsharkFrames(const std::filesystem::path& path) {
    const std::string out =
        runCommand("tshark -n -r " + shellQuote(path) +
                   " -T fields -e frame.time_epoch -e frame.len -e frame.cap_len"
                   " -e frame.interface_id 2>/dev/null");
    std::vector<TsharkFrame> frames;
    std::size_t start = 0;
    while (start < out.size()) {
        std::size_t end = out.find('\n', start);
        if (end == std::string::npos) end = out.size();
        std::string line = out.substr(start, end - start);
        start = end + 1;
        std::vector<std::string> f;
        std::size_t a = 0;
        while (true) {
            std::size_t b = line.find('\t', a);
            f.push_back(line.substr(a, b == std::string::npos ? std::string::npos : b - a));
            if (b == std::string::npos) break;
            a = b + 1;
        }
        if (f.size() < 4 || f[1].empty()) continue;
        frames.push_back({f[0].empty() ? 0 : parseEpoch(f[0]),
                          static_cast<std::uint32_t>(std::stoul(f[1])),
                          static_cast<std::uint32_t>(std::stoul(f[2])),
                          f[3].empty() ? -1 : std::stoi(f[3]), !f[0].empty()});
    }
    return frames;
}

inline std::vector<std::string> readLines(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty()) lines.push_back(line);
    }
    return lines;
}

// A scratch directory removed at the end of the test.
class TempDir {
  public:
    TempDir() {
        std::string tmpl =
            (std::filesystem::temp_directory_path() / "h2lens-capture-XXXXXX").string();
        m_path =
            mkdtemp(tmpl.data()) != nullptr ? std::filesystem::path(tmpl) : std::filesystem::path();
    }
    ~TempDir() {
        std::error_code ec;
        if (!m_path.empty()) std::filesystem::remove_all(m_path, ec);
    }
    const std::filesystem::path& path() const { return m_path; }

  private:
    std::filesystem::path m_path;
};

// Writes pcapng blocks in a chosen byte order (settable per section), so tests can build
// big-endian files, several sections, power-of-two resolutions and rare block types from
// real packet bytes, and then ask tshark how it reads them.
class PcapngWriter {
  public:
    explicit PcapngWriter(bool bigEndian) : m_bigEndian(bigEndian) {}

    void section(bool bigEndian) {
        m_bigEndian = bigEndian;
        Bytes body;
        put32(body, 0x1a2b3c4d);
        put16(body, 1);
        put16(body, 0);
        put64(body, ~std::uint64_t{0});  // section length unknown
        block(0x0a0d0d0a, body);
    }
    void interface(std::uint16_t linkType, std::uint32_t snapLength,
                   std::optional<std::uint8_t> tsresol = {},
                   std::optional<std::int64_t> tsoffset = {}) {
        Bytes body;
        put16(body, linkType);
        put16(body, 0);
        put32(body, snapLength);
        if (tsresol) {
            put16(body, 9);
            put16(body, 1);
            body.push_back(*tsresol);
            pad(body);
        }
        if (tsoffset) {
            put16(body, 14);
            put16(body, 8);
            put64(body, static_cast<std::uint64_t>(*tsoffset));
        }
        if (tsresol || tsoffset) put32(body, 0);  // opt_endofopt
        block(1, body);
    }
    void enhanced(std::uint32_t iface, std::uint64_t ticks, ByteSpan data, std::uint32_t origLen) {
        Bytes body;
        put32(body, iface);
        put32(body, static_cast<std::uint32_t>(ticks >> 32));
        put32(body, static_cast<std::uint32_t>(ticks));
        put32(body, static_cast<std::uint32_t>(data.size()));
        put32(body, origLen);
        append(body, data);
        block(6, body);
    }
    void obsolete(std::uint16_t iface, std::uint64_t ticks, ByteSpan data, std::uint32_t origLen) {
        Bytes body;
        put16(body, iface);
        put16(body, 0);
        put32(body, static_cast<std::uint32_t>(ticks >> 32));
        put32(body, static_cast<std::uint32_t>(ticks));
        put32(body, static_cast<std::uint32_t>(data.size()));
        put32(body, origLen);
        append(body, data);
        block(2, body);
    }
    void simple(ByteSpan data, std::uint32_t origLen) {
        Bytes body;
        put32(body, origLen);
        append(body, data);
        block(3, body);
    }
    void secrets(std::uint32_t type, std::string_view text) {
        Bytes body;
        put32(body, type);
        put32(body, static_cast<std::uint32_t>(text.size()));
        append(body, asBytes(text));
        block(10, body);
    }
    void nameResolution() {  // one IPv4 record, then the end record
        Bytes body;
        put16(body, 1);
        put16(body, 14);
        append(body, asBytes(std::string_view("\x7f\x00\x00\x01localhost\0", 14)));
        pad(body);
        put32(body, 0);
        block(4, body);
    }
    void interfaceStatistics(std::uint32_t iface) {
        Bytes body;
        put32(body, iface);
        put64(body, 0);
        block(5, body);
    }
    void custom(std::uint32_t type, std::string_view payload) {
        Bytes body;
        put32(body, 32473);  // IANA example enterprise number
        append(body, asBytes(payload));
        block(type, body);
    }

    const Bytes& bytes() const { return m_out; }

  private:
    void put16(Bytes& b, std::uint16_t v) {
        if (m_bigEndian) {
            b.push_back(static_cast<std::uint8_t>(v >> 8));
            b.push_back(static_cast<std::uint8_t>(v));
        } else {
            b.push_back(static_cast<std::uint8_t>(v));
            b.push_back(static_cast<std::uint8_t>(v >> 8));
        }
    }
    void put32(Bytes& b, std::uint32_t v) {
        if (m_bigEndian) {
            put16(b, static_cast<std::uint16_t>(v >> 16));
            put16(b, static_cast<std::uint16_t>(v));
        } else {
            put16(b, static_cast<std::uint16_t>(v));
            put16(b, static_cast<std::uint16_t>(v >> 16));
        }
    }
    void put64(Bytes& b, std::uint64_t v) {
        if (m_bigEndian) {
            put32(b, static_cast<std::uint32_t>(v >> 32));
            put32(b, static_cast<std::uint32_t>(v));
        } else {
            put32(b, static_cast<std::uint32_t>(v));
            put32(b, static_cast<std::uint32_t>(v >> 32));
        }
    }
    static void append(Bytes& b, ByteSpan data) { b.insert(b.end(), data.begin(), data.end()); }
    static void pad(Bytes& b) {
        while (b.size() % 4 != 0) b.push_back(0);
    }
    void block(std::uint32_t type, Bytes body) {
        pad(body);
        const auto total = static_cast<std::uint32_t>(body.size() + 12);
        put32(m_out, type);
        put32(m_out, total);
        append(m_out, body);
        put32(m_out, total);
    }

    bool m_bigEndian;
    Bytes m_out;
};

// A classic pcap made from its parts, for the corners real captures do not have.
struct MadePacket {
    std::uint32_t seconds;
    std::uint32_t fraction;
    Bytes data;
    std::uint32_t originalLength;
};

inline void putPcap32(Bytes& out, std::uint32_t v, bool big) {
    for (int i = 0; i < 4; ++i) {
        const int shift = big ? 24 - 8 * i : 8 * i;
        out.push_back(static_cast<std::uint8_t>(v >> shift));
    }
}

inline void putPcap16(Bytes& out, std::uint16_t v, bool big) {
    out.push_back(static_cast<std::uint8_t>(big ? v >> 8 : v));
    out.push_back(static_cast<std::uint8_t>(big ? v : v >> 8));
}

inline Bytes makeClassicPcap(const std::vector<MadePacket>& packets, bool big, bool nano,
                             std::uint32_t linkTypeField, std::uint32_t snapLength = 262144,
                             std::uint16_t minor = 4) {
    Bytes out;
    putPcap32(out, nano ? 0xa1b23c4d : 0xa1b2c3d4, big);
    putPcap16(out, 2, big);
    putPcap16(out, minor, big);
    putPcap32(out, 0, big);  // thiszone
    putPcap32(out, 0, big);  // sigfigs
    putPcap32(out, snapLength, big);
    putPcap32(out, linkTypeField, big);
    for (const MadePacket& p : packets) {
        putPcap32(out, p.seconds, big);
        putPcap32(out, p.fraction, big);
        putPcap32(out, static_cast<std::uint32_t>(p.data.size()), big);
        putPcap32(out, p.originalLength, big);
        out.insert(out.end(), p.data.begin(), p.data.end());
    }
    return out;
}

inline Bytes patternBytes(std::size_t size, std::uint8_t seed) {
    Bytes b(size);
    for (std::size_t i = 0; i < size; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7);
    return b;
}

}  // namespace h2lens::test
