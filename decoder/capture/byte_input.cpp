#include "capture/byte_input.h"

#include <unistd.h>

#include <cerrno>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <new>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

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

// The thread that reads a regular file ahead of the parser. Chunks go out full and come back
// through recycle() once parsed, so after the first few no memory is allocated.
class ByteInput::ReadAhead {
  public:
    struct Chunk {
        Bytes data;
        std::size_t begin = 0;  // bytes [begin, end) of data are the file's
        std::size_t end = 0;
        int error = 0;  // with an empty chunk: the end of the file, or a read error
    };

    explicit ReadAhead(std::FILE* file) : m_file(file), m_thread([this] { run(); }) {}
    ~ReadAhead() {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_space.notify_all();
        m_thread.join();
    }
    ReadAhead(const ReadAhead&) = delete;
    ReadAhead& operator=(const ReadAhead&) = delete;

    // The next chunk in file order; an empty one (begin == end) at the end of the file.
    Chunk take() {
        std::unique_lock lock(m_mutex);
        m_filled.wait(lock, [this] { return !m_ready.empty(); });
        Chunk c = std::move(m_ready.front());
        m_ready.pop_front();
        if (c.begin != c.end) {
            lock.unlock();
            m_space.notify_one();
        } else {
            m_ready.push_front(Chunk{{}, 0, 0, c.error});  // the end stays the end
        }
        return c;
    }
    void recycle(Bytes buffer) {
        std::lock_guard lock(m_mutex);
        if (buffer.size() == kChunkRoom + kReadChunk) m_free.push_back(std::move(buffer));
    }

  private:
    void run() {
        for (;;) {
            Bytes buffer;
            {
                std::unique_lock lock(m_mutex);
                m_space.wait(lock, [this] { return m_stop || m_ready.size() < kAheadChunks; });
                if (m_stop) return;
                if (!m_free.empty()) {
                    buffer = std::move(m_free.back());
                    m_free.pop_back();
                }
            }
            int error = 0;
            std::size_t got = 0;
            try {
                buffer.resize(kChunkRoom + kReadChunk);
                got = readAvailable(m_file, true, buffer.data() + kChunkRoom, kReadChunk, error);
            } catch (const std::bad_alloc&) {
                error = ENOMEM;  // the parser sees a read error, not a terminated process
            }
            {
                std::lock_guard lock(m_mutex);
                if (got == 0) {
                    m_ready.push_back(Chunk{{}, 0, 0, error});
                } else {
                    m_ready.push_back(Chunk{std::move(buffer), kChunkRoom, kChunkRoom + got, 0});
                }
            }
            m_filled.notify_one();
            if (got == 0) return;
        }
    }

    std::FILE* m_file;
    std::mutex m_mutex;
    std::condition_variable m_filled;
    std::condition_variable m_space;
    std::deque<Chunk> m_ready;
    std::vector<Bytes> m_free;
    bool m_stop = false;
    std::thread m_thread;  // last: starts once everything it uses exists
};

ByteInput::ByteInput(std::FILE* file, bool ownsFile, Bytes prefix)
    : m_file(file), m_ownsFile(ownsFile), m_buffer(std::move(prefix)) {
    m_end = m_buffer.size();
    m_buffer.resize(std::max(m_buffer.size(), kReadChunk));
    struct stat st {};
    if (m_file != nullptr && fstat(fileno(m_file), &st) == 0 && S_ISREG(st.st_mode)) {
        m_totalSize = static_cast<std::uint64_t>(st.st_size);
        m_regularFile = true;
        try {
            m_ahead = std::make_unique<ReadAhead>(m_file);
        } catch (const std::system_error&) {
            // No thread to be had: read on this one, as for a pipe.
        }
    }
}

ByteInput::ByteInput(ByteSpan memory) : m_memory(memory), m_totalSize(memory.size()) {}

ByteInput::~ByteInput() {
    m_ahead.reset();  // the thread reads m_file until it stops
    if (m_file != nullptr && m_ownsFile) std::fclose(m_file);
}

ByteSpan ByteInput::peek(std::size_t n) {
    if (m_file == nullptr) {
        return m_memory.subspan(m_consumed, std::min<std::size_t>(n, m_memory.size() - m_consumed));
    }
    if (m_ahead) return peekAhead(n);
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
            const std::size_t got = readAvailable(m_file, m_regularFile, m_buffer.data() + m_end,
                                                  m_buffer.size() - m_end, error);
            m_end += got;
            if (got == 0) {
                m_eof = true;
                m_readError = error;
            }
        }
    }
    return ByteSpan(m_buffer.data() + m_begin, std::min(n, m_end - m_begin));
}

ByteSpan ByteInput::peekAhead(std::size_t n) {
    while (m_end - m_begin < n && !m_eof) {
        ReadAhead::Chunk next = m_ahead->take();
        if (next.begin == next.end) {
            m_eof = true;
            m_readError = next.error;
            break;
        }
        const std::size_t tail = m_end - m_begin;
        if (tail <= next.begin) {
            // The common case: the unparsed end of this chunk goes before the next one's bytes.
            std::memcpy(next.data.data() + next.begin - tail, m_buffer.data() + m_begin, tail);
            m_ahead->recycle(std::exchange(m_buffer, std::move(next.data)));
            m_begin = next.begin - tail;
            m_end = next.end;
        } else {
            // A record larger than the room: gather it in this buffer.
            if (m_begin > 0) {
                std::memmove(m_buffer.data(), m_buffer.data() + m_begin, tail);
                m_end = tail;
                m_begin = 0;
            }
            const std::size_t more = next.end - next.begin;
            if (m_buffer.size() < m_end + more) m_buffer.resize(m_end + more);
            std::memcpy(m_buffer.data() + m_end, next.data.data() + next.begin, more);
            m_end += more;
            m_ahead->recycle(std::move(next.data));
        }
    }
    return ByteSpan(m_buffer.data() + m_begin, std::min(n, m_end - m_begin));
}

void ByteInput::consume(std::size_t n) {
    m_consumed += n;
    if (m_file != nullptr) m_begin += n;
}

}  // namespace h2lens
