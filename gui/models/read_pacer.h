#pragma once
// Paces the window's reads of the capture file while the child is still writing it. On one disk
// the two compete: this VM's disk wrote 2.6-3.5 GB/s with O_DIRECT alone but 1.1 GB/s while 1 MiB
// reads ran beside it, and a 1.6 GB/s load then overflowed the child's 128 MiB write queue. A
// packet the child cannot write is lost for good; one the window reads a second later is only
// late. So while the file grows fast the reads slow to a trickle (the view still moves), and
// once the burst is over they run at full speed again and catch up.
#include <chrono>
#include <cstdint>

namespace h2lens::gui {

class ReadPacer {
  public:
    using Clock = std::chrono::steady_clock;

    struct Limits {
        // Growth above this means the child is streaming a burst to disk.
        double busyBytesPerSecond = 300e6;
        // Growth is measured over at least this long: the child flushes in 4 MiB chunks.
        std::chrono::milliseconds window{50};
        // While busy: one read per this long (1 MiB reads: about 10 MB/s; one per 20 ms, 50 MB/s,
        // still cost up to 3,400 of 80,000 streams).
        std::chrono::milliseconds busyInterval{100};
    };

    ReadPacer() = default;
    explicit ReadPacer(Limits limits) : m_limits(limits) {}

    // Before a read: the file's size now. Returns how long to wait before reading (zero: read).
    Clock::duration beforeRead(std::uint64_t fileSize, Clock::time_point now);
    // After a read that returned bytes.
    void readDone(Clock::time_point now) { m_lastRead = now; }
    bool busy() const { return m_busy; }

  private:
    Limits m_limits;
    bool m_started = false;
    bool m_busy = false;
    Clock::time_point m_windowStart{};
    std::uint64_t m_windowSize = 0;
    Clock::time_point m_lastRead{};
};

}  // namespace h2lens::gui
