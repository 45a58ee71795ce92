#include "models/read_pacer.h"

namespace h2lens::gui {

ReadPacer::Clock::duration ReadPacer::beforeRead(std::uint64_t fileSize, Clock::time_point now) {
    if (!m_started) {
        m_started = true;
        m_windowStart = now;
        m_windowSize = fileSize;
        return Clock::duration::zero();
    }
    const auto elapsed = now - m_windowStart;
    if (elapsed >= m_limits.window && elapsed > Clock::duration::zero()) {
        const double seconds = std::chrono::duration<double>(elapsed).count();
        const double grown = fileSize > m_windowSize ? double(fileSize - m_windowSize) : 0.0;
        m_busy = grown / seconds > m_limits.busyBytesPerSecond;
        m_windowStart = now;
        m_windowSize = fileSize;
    }
    if (!m_busy) return Clock::duration::zero();
    const auto next = m_lastRead + m_limits.busyInterval;
    return next > now ? next - now : Clock::duration::zero();
}

}  // namespace h2lens::gui
