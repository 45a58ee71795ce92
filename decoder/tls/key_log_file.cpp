#include "tls/key_log_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace h2lens {

namespace {

constexpr std::size_t kTailLength = 64;

class Fd {
  public:
    explicit Fd(int fd) : m_fd(fd) {}
    ~Fd() {
        if (m_fd >= 0) ::close(m_fd);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return m_fd; }

  private:
    int m_fd;
};

// Reads exactly `n` bytes at `offset` unless the file ends first; -1 on an error.
ssize_t readAt(int fd, char* buf, std::size_t n, std::uint64_t offset) {
    std::size_t got = 0;
    while (got < n) {
        const ssize_t r = ::pread(fd, buf + got, n - got, static_cast<off_t>(offset + got));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -1;
        if (r == 0) break;
        got += static_cast<std::size_t>(r);
    }
    return static_cast<ssize_t>(got);
}

}  // namespace

void KeyLogFile::restart() {
    if (m_offset != 0 || !m_carry.empty() || m_skipping) ++m_restarts;
    m_offset = 0;
    m_tail.clear();
    m_carry.clear();
    m_skipping = false;
}

void KeyLogFile::consume(KeyLog& keys, std::string_view text, bool final) {
    // `m_carry` holds the start of the line `text` continues.
    while (!text.empty()) {
        const std::size_t nl = text.find('\n');
        if (nl == std::string_view::npos) {
            if (!m_skipping) m_carry.append(text);
            m_offset += text.size();
            if (m_carry.size() > kMaxLineLength) {
                m_carry.clear();
                m_skipping = true;
                ++m_skippedLongLines;
            }
            break;
        }
        const std::string_view piece = text.substr(0, nl + 1);
        if (m_skipping) {
            m_skipping = false;
        } else if (m_carry.empty()) {
            keys.addLines(piece);
        } else {
            m_carry.append(piece);
            keys.addLines(m_carry);
            m_carry.clear();
        }
        m_offset += piece.size();
        text.remove_prefix(piece.size());
    }
    if (final && !m_carry.empty()) {
        keys.addLines(m_carry);
        m_carry.clear();
    }
}

KeyLogFile::Status KeyLogFile::read(KeyLog& keys, bool final) {
    struct stat st {};
    if (::stat(m_path.c_str(), &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) return Status::Missing;
        m_error = "cannot read key log " + m_path + ": " + std::strerror(errno);
        return Status::Error;
    }
    const std::int64_t mtimeNs =
        static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    const auto size = static_cast<std::uint64_t>(st.st_size);
    const bool sameFile = m_known && st.st_dev == m_dev && st.st_ino == m_ino;
    if (sameFile && size == m_size && mtimeNs == m_mtimeNs && !(final && !m_carry.empty()))
        return Status::Unchanged;
    if (!sameFile || size < m_offset) restart();

    Fd fd(::open(m_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        if (errno == ENOENT) return Status::Missing;
        m_error = "cannot read key log " + m_path + ": " + std::strerror(errno);
        return Status::Error;
    }
    m_known = true;
    m_dev = st.st_dev;
    m_ino = st.st_ino;

    // Rewritten in place (same inode, not shorter): the bytes we consumed last are different.
    if (!m_tail.empty()) {
        std::string now(m_tail.size(), '\0');
        const std::uint64_t at = m_offset - m_carry.size() - m_tail.size();
        if (readAt(fd.get(), now.data(), now.size(), at) != static_cast<ssize_t>(now.size()) ||
            now != m_tail)
            restart();
    }

    std::string buf(kReadChunk, '\0');
    for (;;) {
        const ssize_t n = readAt(fd.get(), buf.data(), buf.size(), m_offset);
        if (n < 0) {
            // Size and time stay unrecorded, so the next poll reads again instead of
            // seeing "unchanged" and losing the lines appended before the error.
            m_error = "cannot read key log " + m_path + ": " + std::strerror(errno);
            return Status::Error;
        }
        if (n == 0) break;
        consume(keys, std::string_view(buf.data(), static_cast<std::size_t>(n)), false);
        if (static_cast<std::size_t>(n) < buf.size()) break;
    }
    if (final) consume(keys, {}, true);
    // Remember the end of what was consumed as whole lines, to notice a rewrite next time.
    const std::uint64_t lineEnd = m_offset - m_carry.size();
    const std::size_t tail =
        static_cast<std::size_t>(std::min<std::uint64_t>(kTailLength, lineEnd));
    m_tail.assign(tail, '\0');
    if (tail != 0 &&
        readAt(fd.get(), m_tail.data(), tail, lineEnd - tail) != static_cast<ssize_t>(tail))
        m_tail.clear();
    m_mtimeNs = mtimeNs;
    m_size = std::max<std::uint64_t>(size, m_offset);
    return Status::Read;
}

}  // namespace h2lens
