#include "audit/rate_window.h"

#include <algorithm>

namespace h2lens {

namespace {
std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}
std::size_t slotOf(std::int64_t step) {
    return static_cast<std::size_t>(step - floorDiv(step, RateWindow::kSteps) * RateWindow::kSteps);
}
}  // namespace

RateWindow::RateWindow(TimestampNs window) : m_step(std::max<TimestampNs>(window / kSteps, 1)) {}

void RateWindow::advanceTo(std::int64_t step) {
    if (m_head == INT64_MIN || step - m_head >= kSteps) {
        m_amount.fill(0);
        m_sum = 0;
        m_head = step;
        return;
    }
    while (m_head < step) {
        ++m_head;
        const std::size_t slot = slotOf(m_head);
        m_sum -= m_amount[slot];
        m_amount[slot] = 0;
    }
}

std::uint64_t RateWindow::add(TimestampNs ts, std::uint64_t amount) {
    const std::int64_t step = floorDiv(ts, m_step);
    if (m_head == INT64_MIN || step > m_head) advanceTo(step);
    const std::size_t slot = slotOf(m_head);
    if (m_amount[slot] == 0 || ts < m_first[slot]) m_first[slot] = ts;
    m_amount[slot] += amount;
    m_sum += amount;
    return m_sum;
}

TimestampNs RateWindow::oldest() const {
    if (m_sum == 0) return 0;
    // The step after the head is the oldest one still in the window.
    for (int i = 1; i <= kSteps; ++i) {
        const std::int64_t step = m_head - kSteps + i;
        const std::size_t slot = slotOf(step);
        if (m_amount[slot] != 0) return m_first[slot];
    }
    return 0;
}

bool RateTrack::add(TimestampNs ts, std::uint64_t amount, std::uint64_t threshold) {
    total += amount;
    const std::uint64_t now = window.add(ts, amount);
    peak = std::max(peak, now);
    if (threshold == 0 || now < threshold) {
        above = false;
        return false;
    }
    last = ts;
    if (above) return false;
    above = true;
    if (crossings++ == 0) first = window.oldest();
    return true;
}

}  // namespace h2lens
