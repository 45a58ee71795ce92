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

DirectFile::DirectFile(int fd, bool direct) : m_fd(fd), m_direct(direct) {}

DirectFile::~DirectFile() {
    ::close(m_fd);
}

bool DirectFile::append(const std::uint8_t* data, std::size_t n) {
    while (n > 0 && m_error.empty()) {
        const std::size_t take = std::min(n, kChunk - m_used);
        std::memcpy(m_buffer.get() + m_used, data, take);
        m_used += take;
        data += take;
        n -= take;
        if (m_used == kChunk && writeOut(kChunk)) m_used = 0;
    }
    return m_error.empty();
}

bool DirectFile::flush() {
    if (m_used > 0 && m_error.empty() && writeOut(m_used)) m_used = 0;
    return m_error.empty();
}

bool DirectFile::writeOut(std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
        const ssize_t w = ::write(m_fd, m_buffer.get() + done, n - done);
        if (w > 0) {
            done += static_cast<std::size_t>(w);
            continue;
        }
        if (w < 0 && errno == EINTR) continue;
        // Some file systems open with O_DIRECT and refuse the writes (or a short write left
        // the offset unaligned): the rest goes through the page cache, as any file.
        if (w < 0 && errno == EINVAL && m_direct) {
            const int fl = ::fcntl(m_fd, F_GETFL);
            if (fl >= 0 && ::fcntl(m_fd, F_SETFL, fl & ~O_DIRECT) == 0) {
                m_direct = false;
                continue;
            }
        }
        m_error = w < 0 ? std::strerror(errno) : "short write";
        return false;
    }
    return true;
}

}  // namespace h2lens
