#include "stream_rows.h"

#include "temp_file.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <queue>

namespace h2lens::cli {

StreamRowLess streamRowOrder(const std::string& key) {
    auto byConnStart = [](const StreamRow& a, const StreamRow& b) {
        if (a.conn != b.conn) return a.conn < b.conn;
        if (a.start != b.start) return a.start < b.start;  // no start first, as nullopt sorts
        if (a.stream != b.stream) return a.stream < b.stream;
        return a.order < b.order;
    };
    if (key == "start") {
        return [=](const StreamRow& a, const StreamRow& b) {
            if (a.start != b.start) return a.start < b.start;
            return byConnStart(a, b);
        };
    }
    if (key == "duration") {
        return [=](const StreamRow& a, const StreamRow& b) {
            if (a.duration != b.duration) return a.duration > b.duration;  // longest first
            return byConnStart(a, b);
        };
    }
    if (key == "bytes") {
        return [=](const StreamRow& a, const StreamRow& b) {
            if (a.bytes != b.bytes) return a.bytes > b.bytes;
            return byConnStart(a, b);
        };
    }
    if (key == "status") {
        return [=](const StreamRow& a, const StreamRow& b) {
            if (a.status != b.status) return a.status < b.status;
            return byConnStart(a, b);
        };
    }
    if (key == "end") {
        return [](const StreamRow& a, const StreamRow& b) { return a.order < b.order; };
    }
    return byConnStart;
}

namespace {

// Bytes a row holds, roughly: what the budget counts.
std::size_t rowBytes(const StreamRow& r) {
    return sizeof(StreamRow) + r.text.capacity() + r.status.capacity();
}

void putU64(std::string& out, std::uint64_t v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

void putTime(std::string& out, const std::optional<TimestampNs>& t) {
    out.push_back(t ? 1 : 0);
    putU64(out, t ? static_cast<std::uint64_t>(*t) : 0);
}

void putText(std::string& out, const std::string& s) {
    putU64(out, s.size());
    out += s;
}

void encode(std::string& out, const StreamRow& r) {
    putU64(out, r.conn);
    putU64(out, r.stream);
    putTime(out, r.start);
    putTime(out, r.requestStart);
    putTime(out, r.duration);
    putU64(out, r.bytes);
    putU64(out, r.order);
    putU64(out, r.split);
    putText(out, r.status);
    putText(out, r.text);
}

// One run read back in order, a row at a time, through a buffer of its own (the runs are read
// in turns, so a shared stdio position would seek and refill at every row).
class RunReader {
  public:
    RunReader(int fd, std::uint64_t offset, std::uint64_t bytes, std::uint64_t rows)
        : m_fd(fd), m_offset(offset), m_end(offset + bytes), m_left(rows) {}

    // The next row, or false at the end of the run (or a read failure: failed()).
    bool next(StreamRow& r) {
        if (m_left == 0) return false;
        std::uint64_t stream = 0, split = 0;
        if (!u64(r.conn) || !u64(stream) || !time(r.start) || !time(r.requestStart) ||
            !time(r.duration) || !u64(r.bytes) || !u64(r.order) || !u64(split) || !text(r.status) ||
            !text(r.text)) {
            m_failed = true;
            m_left = 0;
            return false;
        }
        r.stream = static_cast<std::uint32_t>(stream);
        r.split = static_cast<std::uint32_t>(split);
        --m_left;
        return true;
    }
    bool failed() const { return m_failed; }

  private:
    // At least `n` bytes at m_pos, reading on from the file as needed.
    bool need(std::size_t n) {
        if (m_buffer.size() - m_pos >= n) return true;
        m_buffer.erase(0, m_pos);
        m_pos = 0;
        while (m_buffer.size() < n) {
            const std::size_t want = static_cast<std::size_t>(
                std::min<std::uint64_t>(std::max<std::size_t>(n, 64u << 10), m_end - m_offset));
            if (want == 0) return false;
            const std::size_t had = m_buffer.size();
            m_buffer.resize(had + want);
            const ssize_t got =
                pread(m_fd, m_buffer.data() + had, want, static_cast<off_t>(m_offset));
            if (got <= 0) return false;
            m_buffer.resize(had + static_cast<std::size_t>(got));
            m_offset += static_cast<std::uint64_t>(got);
        }
        return true;
    }
    bool u64(std::uint64_t& v) {
        if (!need(sizeof v)) return false;
        std::memcpy(&v, m_buffer.data() + m_pos, sizeof v);
        m_pos += sizeof v;
        return true;
    }
    bool time(std::optional<TimestampNs>& t) {
        if (!need(1)) return false;
        const bool present = m_buffer[m_pos++] != 0;
        std::uint64_t v = 0;
        if (!u64(v)) return false;
        t = present ? std::optional<TimestampNs>(static_cast<TimestampNs>(v)) : std::nullopt;
        return true;
    }
    bool text(std::string& s) {
        std::uint64_t n = 0;
        if (!u64(n) || n > m_end || !need(static_cast<std::size_t>(n))) return false;
        s.assign(m_buffer, m_pos, static_cast<std::size_t>(n));
        m_pos += static_cast<std::size_t>(n);
        return true;
    }

    int m_fd;
    std::uint64_t m_offset;
    std::uint64_t m_end;
    std::uint64_t m_left;
    std::string m_buffer;
    std::size_t m_pos = 0;
    bool m_failed = false;
};

}  // namespace

StreamRowStore::StreamRowStore(StreamRowLess less, std::size_t budgetBytes)
    : m_less(std::move(less)), m_budget(std::max(budgetBytes, kMinimumBudget)) {}

StreamRowStore::~StreamRowStore() {
    if (m_file != nullptr) std::fclose(m_file);
}

void StreamRowStore::add(StreamRow row) {
    row.order = m_count++;
    m_bytes += rowBytes(row);
    m_rows.push_back(std::move(row));
    if (m_bytes > m_budget && !m_spillFailed) spill();
}

// Sorts the rows in memory and appends them to the temporary file as one run.
void StreamRowStore::spill() {
    if (m_file == nullptr) m_file = openUnlinkedTempFile("h2lens-rows");
    if (m_file == nullptr || std::fseek(m_file, 0, SEEK_END) != 0) {
        m_spillFailed = true;
        return;
    }
    std::vector<const StreamRow*> sorted;
    sorted.reserve(m_rows.size());
    for (const StreamRow& r : m_rows) sorted.push_back(&r);
    std::sort(sorted.begin(), sorted.end(),
              [this](const StreamRow* a, const StreamRow* b) { return m_less(*a, *b); });
    const long offset = std::ftell(m_file);
    std::string buffer;
    bool ok = offset >= 0;
    for (const StreamRow* r : sorted) {
        encode(buffer, *r);
        if (buffer.size() >= (1u << 20)) {
            ok = ok && std::fwrite(buffer.data(), 1, buffer.size(), m_file) == buffer.size();
            buffer.clear();
        }
    }
    ok = ok && std::fwrite(buffer.data(), 1, buffer.size(), m_file) == buffer.size();
    ok = ok && std::fflush(m_file) == 0;
    if (!ok) {
        // A full disk: keep the rows in memory rather than lose them.
        m_spillFailed = true;
        return;
    }
    m_runs.push_back({static_cast<std::uint64_t>(offset),
                      static_cast<std::uint64_t>(std::ftell(m_file) - offset), sorted.size()});
    m_rows.clear();
    m_bytes = 0;
}

bool StreamRowStore::drain(const std::function<void(const StreamRow&)>& out) {
    std::vector<const StreamRow*> memory;
    memory.reserve(m_rows.size());
    for (const StreamRow& r : m_rows) memory.push_back(&r);
    std::sort(memory.begin(), memory.end(),
              [this](const StreamRow* a, const StreamRow* b) { return m_less(*a, *b); });
    if (m_runs.empty()) {
        for (const StreamRow* r : memory) out(*r);
        return true;
    }
    // A k-way merge: the head row of each run and of the memory rows, smallest first.
    std::vector<RunReader> readers;
    std::vector<StreamRow> heads(m_runs.size() + 1);
    for (const Run& run : m_runs)
        readers.emplace_back(fileno(m_file), run.offset, run.bytes, run.rows);
    std::size_t memoryPos = 0;
    auto advance = [&](std::size_t i) {
        if (i < readers.size()) return readers[i].next(heads[i]);
        if (memoryPos == memory.size()) return false;
        heads[i] = *memory[memoryPos++];
        return true;
    };
    auto later = [&](std::size_t a, std::size_t b) { return m_less(heads[b], heads[a]); };
    std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(later)> queue(later);
    for (std::size_t i = 0; i < heads.size(); ++i) {
        if (advance(i)) queue.push(i);
    }
    while (!queue.empty()) {
        const std::size_t i = queue.top();
        queue.pop();
        out(heads[i]);
        if (advance(i)) queue.push(i);
    }
    bool ok = true;
    for (const RunReader& r : readers) ok = ok && !r.failed();
    return ok;
}

}  // namespace h2lens::cli
