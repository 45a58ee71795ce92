#include "h2/settings_exchange.h"

namespace h2lens {

std::int64_t SettingsExchange::received(SettingsRecord rec) {
    const int d = index(rec.from);
    PeerSettings& ps = m_settings[d];
    const std::int64_t oldInitial = ps.initialWindowSize;
    for (const Setting& s : rec.settings) ps.apply(s);
    m_history->push_back(std::move(rec));
    m_unacked[d].push_back(m_history->size() - 1);
    return static_cast<std::int64_t>(ps.initialWindowSize) - oldInitial;
}

const SettingsRecord* SettingsExchange::acknowledged(Direction acker, TimestampNs ts) {
    auto& pending = m_unacked[1 - index(acker)];
    if (pending.empty()) return nullptr;
    SettingsRecord& rec = (*m_history)[pending.front()];
    pending.pop_front();
    rec.ackTs = ts;
    return &rec;
}

}  // namespace h2lens
