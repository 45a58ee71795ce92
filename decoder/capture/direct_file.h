#pragma once
// A file written with O_DIRECT, around the page cache: on a machine whose new page-cache pages
// come slower than the traffic (a VM's first touch of memory runs at 300-400 MB/s), a capture
// written through the cache falls behind a 1 GB/s load and loses packets, where direct writes
// keep up. O_DIRECT needs whole aligned blocks from aligned memory, so bytes gather in an
// aligned buffer and go out a chunk at a time; flush() writes what is gathered, which must then
// be whole blocks (the pcapng writer pads with a filler block first).
//
// The chunks go out on a thread of their own while the next one fills: one thread copying and
// then waiting for each write wrote 1.7 GB/s under a 1.9 GB/s load and overflowed the live
// queue, although the disk takes 2.4-2.7 GB/s; a direct write leaves the CPU free, so the copy
// and the write overlap.
//
// Where the file system refuses O_DIRECT (tmpfs on older kernels, some network file systems),
// the file is written the ordinary way and direct() says so: callers then need no padding.
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "capture/aligned_buffer.h"

namespace h2lens {

class DirectFile {
  public:
    static constexpr std::size_t kAlign = kDirectIoAlign;
    static constexpr std::size_t kChunk = std::size_t{4} << 20;
    // Chunks in memory at once: one filling, the rest written or waiting to be.
    static constexpr std::size_t kBuffers = 3;

    // Creates (truncates) `path`. nullptr, with `error` set, when it cannot be created.
    static std::unique_ptr<DirectFile> create(const std::string& path, std::string& error);
    // Writes what was handed over (not what was appended since the last flush).
    ~DirectFile();
    DirectFile(const DirectFile&) = delete;
    DirectFile& operator=(const DirectFile&) = delete;

    // False once a write failed (error() says why); later calls then do nothing. Waits only when
    // every chunk is full and still being written.
    bool append(const std::uint8_t* data, std::size_t n);
    // Bytes gathered past the last whole block: what a flush on a direct file must pad away.
    std::size_t unaligned() const { return m_used % kAlign; }
    // Returns once everything appended is in the file.
    bool flush();
    bool direct() const { return m_direct.load(std::memory_order_relaxed); }
    std::string error() const;

  private:
    struct Chunk {
        AlignedBuffer data;
        std::size_t size = 0;
    };

    DirectFile(int fd, bool direct);
    void handOver();  // m_current to the writer thread; a free chunk in its place
    void writeLoop();
    void writeOut(const Chunk& chunk);  // a failure goes to m_error and m_failed
    bool failed() const { return m_failed.load(std::memory_order_acquire); }

    int m_fd = -1;
    std::atomic<bool> m_direct{false};
    std::atomic<bool> m_failed{false};
    AlignedBuffer m_current = makeAlignedBuffer(kChunk);
    std::size_t m_used = 0;

    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<Chunk> m_pending;        // to write, in file order
    std::vector<AlignedBuffer> m_free;  // written, ready to fill again
    std::size_t m_allocated = 1;        // chunks made so far (at most kBuffers)
    bool m_writing = false;             // the writer thread holds a chunk
    bool m_stop = false;
    std::string m_error;
    std::thread m_writer;
};

}  // namespace h2lens
