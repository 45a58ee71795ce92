#pragma once
// The rows of `streams`, kept from when each stream ends until all are printed in --sort
// order. A row is what --sort orders by plus its text, already written out; past a memory
// budget rows are sorted and written to a temporary file in runs that are merged at the end,
// the way sort(1) does it, so memory stays flat whatever the number of streams.
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"

namespace h2lens::cli {

struct StreamRow {
    std::uint64_t conn = 0;
    std::uint32_t stream = 0;
    std::optional<TimestampNs> start;         // request start, else request headers, else response
    std::optional<TimestampNs> requestStart;  // the table's start column
    std::optional<TimestampNs> duration;
    std::uint64_t bytes = 0;
    std::string status;
    std::uint64_t order = 0;  // completion order, set by the store
    // Table: the line is text[0, split) + the start column + text[split, end): a delta time
    // counts from the row printed before, so that column is written when printed. --json: the
    // stream's element of the array.
    std::string text;
    std::uint32_t split = 0;
};

// --sort keys: conn (connection, then start, then stream id), start, duration (longest first),
// bytes (most first), status, end (completion order). Ties keep the order of conn, then the
// completion order, so the order is total and the same with and without runs on disk.
using StreamRowLess = std::function<bool(const StreamRow&, const StreamRow&)>;
StreamRowLess streamRowOrder(const std::string& key);

class StreamRowStore {
  public:
    static constexpr std::size_t kDefaultBudget = 16u << 20;
    // Smaller budgets are raised to this: runs of a row or two would make the merge hold about
    // as many rows as there are, one head per run.
    static constexpr std::size_t kMinimumBudget = 64u << 10;

    StreamRowStore(StreamRowLess less, std::size_t budgetBytes = kDefaultBudget);
    ~StreamRowStore();
    StreamRowStore(const StreamRowStore&) = delete;
    StreamRowStore& operator=(const StreamRowStore&) = delete;

    void add(StreamRow row);
    std::uint64_t size() const { return m_count; }
    bool empty() const { return m_count == 0; }
    // Calls `out` with every row in order; once. False when a run on disk could not be read
    // back whole (its missing rows are not given).
    bool drain(const std::function<void(const StreamRow&)>& out);
    // Runs written to disk so far (for --stats and tests).
    std::size_t runs() const { return m_runs.size(); }
    // Set when the temporary file could not be written: rows stayed in memory instead.
    bool spillFailed() const { return m_spillFailed; }

  private:
    struct Run {
        std::uint64_t offset = 0;
        std::uint64_t bytes = 0;
        std::uint64_t rows = 0;
    };
    void spill();

    StreamRowLess m_less;
    std::size_t m_budget;
    std::deque<StreamRow> m_rows;
    std::size_t m_bytes = 0;
    std::uint64_t m_count = 0;
    std::FILE* m_file = nullptr;
    std::vector<Run> m_runs;
    bool m_spillFailed = false;
};

}  // namespace h2lens::cli
