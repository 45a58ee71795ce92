#pragma once
// Both endpoints' SETTINGS for one connection (RFC 9113 §6.5): the values in force per side, every
// SETTINGS frame in order, and the ones still waiting for their ACK, paired in order (§6.5.3).
// The history and values are written where the connection's summary keeps them.
#include <array>
#include <cstdint>
#include <deque>

#include "h2/h2_records.h"

namespace h2lens {

class SettingsExchange {
  public:
    // `settings[2]`: [0] the client's, [1] the server's.
    SettingsExchange(PeerSettings* settings, std::vector<SettingsRecord>* history)
        : m_settings(settings), m_history(history) {}

    const PeerSettings& of(Direction side) const { return m_settings[index(side)]; }

    // A SETTINGS frame (not an ACK) from rec.from: applied to that side's values, recorded and
    // queued for its ACK. Returns how much it changed SETTINGS_INITIAL_WINDOW_SIZE by.
    std::int64_t received(SettingsRecord rec);
    // An ACK from `acker`: the other side's oldest unacknowledged SETTINGS, now acknowledged at
    // `ts`; nullptr when none was waiting.
    const SettingsRecord* acknowledged(Direction acker, TimestampNs ts);

  private:
    static int index(Direction d) { return static_cast<int>(d); }

    PeerSettings* m_settings;
    std::vector<SettingsRecord>* m_history;
    std::array<std::deque<std::size_t>, 2> m_unacked;  // indexes into the history
};

}  // namespace h2lens
