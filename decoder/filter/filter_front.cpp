#include "filter/filter_front.h"

namespace h2lens {

FilterFront::FilterFront(const StreamFilter& filter) : m_filter(filter) {
    if (filter.usesAnomalies()) m_index = std::make_unique<StreamAnomalies>(m_forward);
}

H2Listener& FilterFront::attach(H2Listener& listener) {
    m_forward.to = &listener;
    return m_index ? static_cast<H2Listener&>(*m_index) : listener;
}

bool FilterFront::judge(std::uint64_t conn, const StreamRecord& stream) const {
    if (m_filter.empty()) return true;
    FilterTarget t{conn, &stream, {}};
    if (m_index) t.anomalies = m_index->names(conn, stream.id);
    return m_filter.matches(t);
}

}  // namespace h2lens
