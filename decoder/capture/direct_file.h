#pragma once
// A file written with O_DIRECT, around the page cache: on a machine whose new page-cache pages
// come slower than the traffic (a VM's first touch of memory runs at 300-400 MB/s), a capture
// written through the cache falls behind a 1 GB/s load and loses packets, where direct writes
// keep up. O_DIRECT needs whole aligned blocks from aligned memory, so bytes gather in an
// aligned buffer and go out a chunk at a time; flush() writes what is gathered, which must then
// be whole blocks (the pcapng writer pads with a filler block first).
//
// Where the file system refuses O_DIRECT (tmpfs on older kernels, some network file systems),
// the file is written the ordinary way and direct() says so: callers then need no padding.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "capture/aligned_buffer.h"

namespace h2lens {

class DirectFile {
  public:
    static constexpr std::size_t kAlign = kDirectIoAlign;
    static constexpr std::size_t kChunk = std::size_t{4} << 20;

    // Creates (truncates) `path`. nullptr, with `error` set, when it cannot be created.
    static std::unique_ptr<DirectFile> create(const std::string& path, std::string& error);
    ~DirectFile();
    DirectFile(const DirectFile&) = delete;
    DirectFile& operator=(const DirectFile&) = delete;

    // False once a write failed (error() says why); later calls then do nothing.
    bool append(const std::uint8_t* data, std::size_t n);
    // Bytes gathered past the last whole block: what a flush on a direct file must pad away.
    std::size_t unaligned() const { return m_used % kAlign; }
    bool flush();
    bool direct() const { return m_direct; }
    const std::string& error() const { return m_error; }

  private:
    DirectFile(int fd, bool direct);
    bool writeOut(std::size_t n);

    int m_fd = -1;
    bool m_direct = false;
    AlignedBuffer m_buffer = makeAlignedBuffer(kChunk);
    std::size_t m_used = 0;
    std::string m_error;
};

}  // namespace h2lens
