#include <algorithm>

#include "export/transcript.h"

namespace h2lens {

void BodyCapture::append(ByteSpan data, std::size_t maxRetained) {
    size += data.size();
    ++dataFrames;
    if (m_noDigest) return;  // discarded: neither the bytes nor their digest are wanted
    const std::size_t room = m_released ? 0 : maxRetained - std::min(maxRetained, retained.size());
    const std::size_t keep = std::min(room, data.size());
    if (keep < data.size() && !m_runningHash) {
        m_running.update(retained);
        m_runningHash = true;
    }
    retained.insert(retained.end(), data.begin(), data.begin() + keep);
    if (keep < data.size()) retainedAll = false;
    if (m_runningHash) m_running.update(data);
}

void BodyCapture::expect(std::uint64_t contentLength, std::size_t maxRetained) {
    if (m_released) return;
    const std::uint64_t want = std::min<std::uint64_t>(contentLength, maxRetained);
    if (want > retained.capacity()) retained.reserve(static_cast<std::size_t>(want));
}

void BodyCapture::release() {
    if (!m_runningHash) {
        m_running.update(retained);
        m_runningHash = true;
    }
    Bytes().swap(retained);
    retainedAll = false;
    m_released = true;
}

void BodyCapture::discard() {
    m_noDigest = !m_runningHash;
    Bytes().swap(retained);
    retainedAll = false;
    m_released = true;
}

std::string BodyCapture::sha256Hex() const {
    if (m_noDigest) return {};
    return m_runningHash ? m_running.hex() : Sha256::of(retained);
}

}  // namespace h2lens
