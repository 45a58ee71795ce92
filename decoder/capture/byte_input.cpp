#include "capture/byte_input.h"

#include <unistd.h>

#include <cerrno>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace h2lens {

std::size_t readAvailable(std::FILE* file, bool regularFile, void* buf, std::size_t size,
                          int& error) {
    if (regularFile) {
        const std::size_t got = std::fread(buf, 1, size, file);
        if (got == 0 && std::ferror(file)) error = errno != 0 ? errno : EIO;
        return got;
    }
    for (;;) {
        const ssize_t got = ::read(fileno(file), buf, size);
        if (got >= 0) return static_cast<std::size_t>(got);
        if (errno != EINTR) {
            error = errno;
            return 0;
        }
    }
}

ByteInput::ByteInput(std::FILE* file, bool ownsFile, Bytes prefix)
    : m_file(file), m_ownsFile(ownsFile), m_buffer(std::move(prefix)) {
    m_end = m_buffer.size();
    m_buffer.resize(std::max(m_buffer.size(), kReadChunk));
    struct stat st {};
    if (m_file != nullptr && fstat(fileno(m_file), &st) == 0 && S_ISREG(st.st_mode)) {
        m_totalSize = static_cast<std::uint64_t>(st.st_size);
        m_regularFile = true;
    }
}

ByteInput::ByteInput(ByteSpan memory) : m_memory(memory), m_totalSize(memory.size()) {}

ByteInput::~ByteInput() {
    if (m_file != nullptr && m_ownsFile) std::fclose(m_file);
}

ByteSpan ByteInput::peek(std::size_t n) {
    if (m_file == nullptr) {
        return m_memory.subspan(m_consumed, std::min<std::size_t>(n, m_memory.size() - m_consumed));
    }
    if (m_end - m_begin < n && !m_eof) {
        if (m_begin > 0) {
            std::memmove(m_buffer.data(), m_buffer.data() + m_begin, m_end - m_begin);
            m_end -= m_begin;
            m_begin = 0;
        }
        if (m_buffer.size() < n) m_buffer.resize(n);
        while (m_end < n && !m_eof) {
            // Ask for the whole buffer, not just n, so small records cost one read per MiB.
            int error = 0;
            const std::size_t got =
                readAvailable(m_file, m_regularFile, m_buffer.data() + m_end, m_buffer.size() - m_end, error);
            m_end += got;
            if (got == 0) {
                m_eof = true;
                m_readError = error;
            }
        }
    }
    return ByteSpan(m_buffer.data() + m_begin, std::min(n, m_end - m_begin));
}

void ByteInput::consume(std::size_t n) {
    m_consumed += n;
    if (m_file != nullptr) m_begin += n;
}

}  // namespace h2lens
