#pragma once
// One output stream written by several captures decoded at once, in capture order: the first
// capture not yet finished writes straight through; every later one keeps what it writes in
// memory (up to a bound) and beyond that in an unlinked temporary file, and is copied out when
// all captures before it are done. So the output is the same whatever the number of workers,
// and memory stays bounded whatever the captures hold.
// Interleaved, every capture writes out as it goes, whole lines only: records of different
// captures mix (each tagged with its capture), nothing waits and nothing goes to a file, so
// several captures decode at the speed of the cores rather than of the first capture.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <ostream>
#include <streambuf>
#include <string>
#include <vector>

namespace h2lens::cli {

class OrderedCaptureOutput {
  public:
    enum class Order { ListOrder, Interleaved };
    // `memoryPerCapture`: bytes a waiting capture keeps in memory before it spills to a file in
    // $TMPDIR (or /tmp).
    OrderedCaptureOutput(std::ostream& out, std::size_t captures, Order order = Order::ListOrder,
                         std::size_t memoryPerCapture = 4u << 20);
    ~OrderedCaptureOutput();
    OrderedCaptureOutput(const OrderedCaptureOutput&) = delete;
    OrderedCaptureOutput& operator=(const OrderedCaptureOutput&) = delete;

    // The stream capture `index` writes to (one thread at a time per capture).
    std::ostream& stream(std::size_t index);
    // Capture `index` wrote its last byte; `keep` false drops what it wrote and is still held
    // (a capture that failed; interleaved, only an unfinished last line is still held). Copies
    // out every capture that is now first in line.
    void finish(std::size_t index, bool keep = true);
    // Bytes that went through a temporary file (for tests and --stats).
    std::uint64_t spilledBytes() const;
    // Throws std::runtime_error when writing the output or a temporary file failed.
    void check() const;

  private:
    class Part;
    void write(std::size_t index, const char* data, std::size_t n);
    void writeLines(Part& p, const char* data, std::size_t n);  // interleaved, p.mutex held
    void spillWrite(Part& p, const char* data, std::size_t n);  // with p.mutex held
    void drain(std::size_t index);                              // with m_mutex held
    void setError(const std::string& message);

    std::ostream& m_out;
    Order m_order;
    std::size_t m_memoryPerCapture;
    std::vector<std::unique_ptr<Part>> m_parts;
    std::size_t m_head = 0;      // first capture not finished: writes straight through
    mutable std::mutex m_mutex;  // m_out, m_head, Part::done; taken before a Part's own mutex
    std::atomic<std::uint64_t> m_spilled{0};
    mutable std::mutex m_errorMutex;
    std::string m_error;
};

}  // namespace h2lens::cli
