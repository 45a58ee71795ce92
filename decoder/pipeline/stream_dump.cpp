#include "pipeline/stream_dump.h"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace h2lens {

namespace {

struct FileCloser {
    void operator()(std::FILE* f) const {
        if (f) std::fclose(f);
    }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

File openOrThrow(const std::filesystem::path& p) {
    File f(std::fopen(p.c_str(), "wb"));
    if (!f)
        throw std::runtime_error(
            fmt::format("{}: cannot write: {}", p.string(), std::strerror(errno)));
    return f;
}

class StreamDump final : public FlowConsumer {
  public:
    StreamDump(const std::filesystem::path& dir, std::uint64_t id)
        : m_gapsPath(dir / fmt::format("{}.gaps", id)) {
        m_files[0] = openOrThrow(dir / fmt::format("{}.c2s", id));
        m_files[1] = openOrThrow(dir / fmt::format("{}.s2c", id));
    }
    void onData(Direction dir, std::uint64_t, ByteSpan data, TimestampNs, std::uint64_t) override {
        std::fwrite(data.data(), 1, data.size(), m_files[static_cast<int>(dir)].get());
    }
    void onGap(Direction dir, std::uint64_t offset, std::uint64_t length, TimestampNs) override {
        if (!m_gaps) m_gaps = openOrThrow(m_gapsPath);
        fmt::print(m_gaps.get(), "{} {} {}\n", directionName(dir), offset, length);
    }
    void onEnd(const FlowRecord&) override {
        m_files = {};
        m_gaps.reset();
    }

  private:
    std::array<File, 2> m_files;
    std::filesystem::path m_gapsPath;
    File m_gaps;
};

}  // namespace

StreamDumpFactory::StreamDumpFactory(std::filesystem::path dir) : m_dir(std::move(dir)) {
    std::error_code ec;
    std::filesystem::create_directories(m_dir, ec);
    if (ec)
        throw std::runtime_error(
            fmt::format("{}: cannot create directory: {}", m_dir.string(), ec.message()));
}

std::unique_ptr<FlowConsumer> StreamDumpFactory::create(const FlowRecord& record) {
    return std::make_unique<StreamDump>(m_dir, record.id);
}

}  // namespace h2lens
