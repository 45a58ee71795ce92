#include "capture/direct_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace h2lens {

std::unique_ptr<DirectFile> DirectFile::create(const std::string& path, std::string& error) {
    const int flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
    bool direct = true;
    int fd = ::open(path.c_str(), flags | O_DIRECT, 0644);
    if (fd < 0 && errno == EINVAL) {
        direct = false;
        fd = ::open(path.c_str(), flags, 0644);
    }
    if (fd < 0) {
        error = std::strerror(errno);
        return nullptr;
    }
    return std::unique_ptr<DirectFile>(new DirectFile(fd, direct));
}

DirectFile::DirectFile(int fd, bool direct) : m_fd(fd), m_direct(direct) {
    try {
        m_writer = std::thread([this] { writeLoop(); });
    } catch (...) {
        ::close(m_fd);
        throw;
    }
}

DirectFile::~DirectFile() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_changed.notify_all();
    m_writer.join();
    ::close(m_fd);
}

std::string DirectFile::error() const {
    std::lock_guard lock(m_mutex);
    return m_error;
}

bool DirectFile::append(const std::uint8_t* data, std::size_t n) {
    while (n > 0 && !failed()) {
        const std::size_t take = std::min(n, kChunk - m_used);
        std::memcpy(m_current.get() + m_used, data, take);
        m_used += take;
        data += take;
        n -= take;
        if (m_used == kChunk) handOver();
    }
    return !failed();
}

void DirectFile::handOver() {
    // The next chunk first: a failed allocation (it throws) then leaves this one in place.
    AlignedBuffer next;
    bool allocate = false;
    {
        std::lock_guard lock(m_mutex);
        if (!m_free.empty()) {
            next = std::move(m_free.back());
            m_free.pop_back();
        } else {
            allocate = m_allocated < kBuffers;  // m_allocated: this thread's alone
        }
    }
    if (allocate) {
        next = makeAlignedBuffer(kChunk);
        ++m_allocated;
    }
    std::unique_lock lock(m_mutex);
    m_pending.push_back({std::move(m_current), m_used});
    m_used = 0;
    m_changed.notify_all();
    // The writer thread gives every chunk back, written or (after a failure) skipped, so
    // this wait always ends.
    if (!next) {
        m_changed.wait(lock, [&] { return !m_free.empty(); });
        next = std::move(m_free.back());
        m_free.pop_back();
    }
    m_current = std::move(next);
}

bool DirectFile::flush() {
    if (m_used > 0 && !failed()) handOver();
    std::unique_lock lock(m_mutex);
    m_changed.wait(lock, [&] { return (m_pending.empty() && !m_writing) || !m_error.empty(); });
    return m_error.empty();
}

void DirectFile::writeLoop() {
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_changed.wait(lock, [&] { return m_stop || !m_pending.empty(); });
        if (m_pending.empty()) return;  // stopped, all written
        Chunk chunk = std::move(m_pending.front());
        m_pending.pop_front();
        m_writing = true;
        if (m_error.empty()) {  // after a failure, chunks are only given back
            lock.unlock();
            writeOut(chunk);
            lock.lock();
        }
        m_writing = false;
        m_free.push_back(std::move(chunk.data));
        m_changed.notify_all();
    }
}

void DirectFile::writeOut(const Chunk& chunk) {
    std::size_t done = 0;
    while (done < chunk.size) {
        const ssize_t w = ::write(m_fd, chunk.data.get() + done, chunk.size - done);
        if (w > 0) {
            done += static_cast<std::size_t>(w);
            continue;
        }
        if (w < 0 && errno == EINTR) continue;
        // Some file systems open with O_DIRECT and refuse the writes (or a short write left
        // the offset unaligned): the rest goes through the page cache, as any file.
        if (w < 0 && errno == EINVAL && direct()) {
            const int fl = ::fcntl(m_fd, F_GETFL);
            if (fl >= 0 && ::fcntl(m_fd, F_SETFL, fl & ~O_DIRECT) == 0) {
                m_direct.store(false, std::memory_order_relaxed);
                continue;
            }
        }
        const std::string why = w < 0 ? std::strerror(errno) : "short write";
        std::lock_guard lock(m_mutex);
        m_error = why;
        m_failed.store(true, std::memory_order_release);
        return;
    }
}

}  // namespace h2lens
