#include "ordered_capture_output.h"

#include "temp_file.h"

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include <unistd.h>

namespace h2lens::cli {

// What one capture writes: a put area of its own, handed to the owner in large pieces.
class OrderedCaptureOutput::Part final : public std::streambuf {
  public:
    Part(OrderedCaptureOutput& owner, std::size_t index)
        : m_owner(owner), m_index(index), m_stream(this) {
        setp(m_buffer.data(), m_buffer.data() + m_buffer.size());
    }
    ~Part() override {
        if (spill) std::fclose(spill);
    }
    std::ostream& stream() { return m_stream; }
    void flushBuffer() {
        const std::size_t n = static_cast<std::size_t>(pptr() - pbase());
        if (n) m_owner.write(m_index, pbase(), n);
        setp(m_buffer.data(), m_buffer.data() + m_buffer.size());
    }

    // Held while not first in line, guarded by `mutex`; `done` by the owner's mutex.
    std::mutex mutex;
    bool direct = false;  // first in line and drained: writes go straight out
    std::string memory;
    std::FILE* spill = nullptr;
    bool spillFailed = false;  // no temporary file could be made: everything stays in memory
    bool done = false;
    bool keep = true;

  protected:
    int_type overflow(int_type ch) override {
        flushBuffer();
        if (!traits_type::eq_int_type(ch, traits_type::eof())) {
            *pptr() = traits_type::to_char_type(ch);
            pbump(1);
        }
        return traits_type::not_eof(ch);
    }
    std::streamsize xsputn(const char* s, std::streamsize n) override {
        if (n >= static_cast<std::streamsize>(m_buffer.size())) {
            flushBuffer();
            m_owner.write(m_index, s, static_cast<std::size_t>(n));
            return n;
        }
        return std::streambuf::xsputn(s, n);
    }
    int sync() override {
        flushBuffer();
        return 0;
    }

  private:
    OrderedCaptureOutput& m_owner;
    std::size_t m_index;
    std::array<char, 64 * 1024> m_buffer{};
    std::ostream m_stream;
};

OrderedCaptureOutput::OrderedCaptureOutput(std::ostream& out, std::size_t captures, Order order,
                                           std::size_t memoryPerCapture)
    : m_out(out), m_order(order), m_memoryPerCapture(memoryPerCapture) {
    m_parts.reserve(captures);
    for (std::size_t i = 0; i < captures; ++i) m_parts.push_back(std::make_unique<Part>(*this, i));
    if (!m_parts.empty()) m_parts[0]->direct = true;
}

OrderedCaptureOutput::~OrderedCaptureOutput() {
    for (auto& p : m_parts) {
        if (p->spill) std::fclose(p->spill);
        p->spill = nullptr;
    }
}

std::ostream& OrderedCaptureOutput::stream(std::size_t index) {
    return m_parts.at(index)->stream();
}

void OrderedCaptureOutput::write(std::size_t index, const char* data, std::size_t n) {
    Part& p = *m_parts[index];
    std::unique_lock partLock(p.mutex);
    if (!p.keep) return;
    if (m_order == Order::Interleaved) {
        writeLines(p, data, n);
        return;
    }
    if (p.direct) {
        partLock.unlock();
        std::lock_guard outLock(m_mutex);
        m_out.write(data, static_cast<std::streamsize>(n));
        return;
    }
    // Held under this capture's own lock only: a capture that waits (memory, or a temporary file
    // the kernel may be slow to take while it writes back) never holds up the one writing out.
    if (!p.spill && (p.spillFailed || p.memory.size() + n <= m_memoryPerCapture)) {
        p.memory.append(data, n);
        return;
    }
    if (!p.spill) {
        // What is in memory goes first, so the file holds everything in order.
        p.spill = openUnlinkedTempFile("h2lens-export");
        if (!p.spill) {
            // Better held than lost: the output is still complete, memory just grows.
            p.spillFailed = true;
            p.memory.append(data, n);
            return;
        }
        spillWrite(p, p.memory.data(), p.memory.size());
        std::string().swap(p.memory);
    }
    spillWrite(p, data, n);
}

void OrderedCaptureOutput::writeLines(Part& p, const char* data, std::size_t n) {
    // Up to the last newline goes out now (after what an earlier piece left unfinished); the
    // rest waits for the end of its line, so no record is cut by another capture's.
    const char* end = data + n;
    const char* cut = end;
    while (cut != data && cut[-1] != '\n') --cut;
    if (cut == data) {
        p.memory.append(data, n);
        return;
    }
    {
        std::lock_guard outLock(m_mutex);
        if (!p.memory.empty())
            m_out.write(p.memory.data(), static_cast<std::streamsize>(p.memory.size()));
        m_out.write(data, static_cast<std::streamsize>(cut - data));
    }
    p.memory.assign(cut, end);
}

void OrderedCaptureOutput::setError(const std::string& message) {
    std::lock_guard lock(m_errorMutex);
    if (m_error.empty()) m_error = message;
}

void OrderedCaptureOutput::spillWrite(Part& p, const char* data, std::size_t n) {
    if (std::fwrite(data, 1, n, p.spill) != n)
        setError(std::string("writing a temporary file failed: ") + std::strerror(errno));
    m_spilled += n;
}

void OrderedCaptureOutput::drain(std::size_t index) {
    Part& p = *m_parts[index];
    std::lock_guard partLock(p.mutex);
    if (p.keep) {
        if (p.spill) {
            std::rewind(p.spill);
            std::array<char, 256 * 1024> chunk;
            std::size_t got;
            while ((got = std::fread(chunk.data(), 1, chunk.size(), p.spill)) > 0)
                m_out.write(chunk.data(), static_cast<std::streamsize>(got));
            if (std::ferror(p.spill)) setError("reading back a temporary file failed");
        }
        m_out.write(p.memory.data(), static_cast<std::streamsize>(p.memory.size()));
    }
    if (p.spill) std::fclose(p.spill);
    p.spill = nullptr;
    std::string().swap(p.memory);
    p.direct = true;
}

void OrderedCaptureOutput::finish(std::size_t index, bool keep) {
    Part& part = *m_parts.at(index);
    if (keep) part.flushBuffer();
    std::lock_guard lock(m_mutex);
    if (part.done) return;
    part.done = true;
    if (m_order == Order::Interleaved) {
        std::lock_guard partLock(part.mutex);
        // NDJSON ends every record with a newline: a tail here is a record cut short.
        if (keep) m_out.write(part.memory.data(), static_cast<std::streamsize>(part.memory.size()));
        part.keep = false;
        std::string().swap(part.memory);
        m_out.flush();
        return;
    }
    if (!keep) {
        std::lock_guard partLock(part.mutex);
        part.keep = false;
        if (part.spill) std::fclose(part.spill);
        part.spill = nullptr;
        std::string().swap(part.memory);
    }
    while (m_head < m_parts.size() && m_parts[m_head]->done) {
        ++m_head;
        if (m_head < m_parts.size()) drain(m_head);
    }
    m_out.flush();
}

std::uint64_t OrderedCaptureOutput::spilledBytes() const {
    return m_spilled;
}

void OrderedCaptureOutput::check() const {
    {
        std::lock_guard lock(m_errorMutex);
        if (!m_error.empty()) throw std::runtime_error(m_error);
    }
    std::lock_guard lock(m_mutex);
    if (!m_out) throw std::runtime_error("writing the output failed");
}

}  // namespace h2lens::cli
