#pragma once
// Events (or bytes) per second as a sliding window in fixed memory: the window is cut into
// kSteps steps of window/kSteps, and its sum is that of the kSteps steps ending with the step of
// the latest time. So "within one second" means within the 20 steps of 50 ms ending now: two
// events 0.95 s apart are always in one window, two events more than 1 s apart never are.
// Times that go backwards (the other direction's packet was captured a little earlier) count
// in the current step.
#include <array>
#include <cstdint>

#include "common/bytes.h"

namespace h2lens {

class RateWindow {
  public:
    static constexpr int kSteps = 20;
    explicit RateWindow(TimestampNs window = 1'000'000'000);

    // Adds `amount` at `ts`; returns the window's sum after it.
    std::uint64_t add(TimestampNs ts, std::uint64_t amount = 1);
    std::uint64_t sum() const { return m_sum; }
    // The time of the earliest event still in the window (0 when it is empty).
    TimestampNs oldest() const;
    TimestampNs window() const { return m_step * kSteps; }

  private:
    void advanceTo(std::int64_t step);

    TimestampNs m_step;
    std::int64_t m_head = INT64_MIN;  // absolute step number of the newest step
    std::uint64_t m_sum = 0;
    std::array<std::uint64_t, kSteps> m_amount{};
    std::array<TimestampNs, kSteps> m_first{};  // earliest time seen in each step
};

// One rate of one sender on one connection against its threshold: how many in all, the most in
// one window, and the span in which the window was at or above the threshold (threshold 0: off).
struct RateTrack {
    RateWindow window;
    std::uint64_t total = 0;
    std::uint64_t peak = 0;       // the largest window sum seen
    std::uint64_t crossings = 0;  // times the window rose to the threshold from below it
    TimestampNs first = 0;        // earliest event of the first window at the threshold
    TimestampNs last = 0;         // latest event while at the threshold
    bool above = false;

    // Returns true when this event took the window to the threshold from below.
    bool add(TimestampNs ts, std::uint64_t amount, std::uint64_t threshold);
    bool crossed() const { return crossings > 0; }
};

}  // namespace h2lens
