#pragma once
// The anomalies raised on each stream so far, for filter terms like anomaly:NAME: a listener
// in front of the one that decides (it records, then passes every event on).
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "h2/h2_listener.h"

namespace h2lens {

class StreamAnomalies final : public H2Listener {
  public:
    explicit StreamAnomalies(H2Listener& next) : m_next(&next) {}

    // Names of the anomalies raised on `stream` of `conn` (0: the connection) before now.
    std::vector<std::string_view> names(std::uint64_t conn, std::uint32_t stream) const {
        std::vector<std::string_view> out;
        if (auto it = m_names.find({conn, stream}); it != m_names.end()) {
            for (const std::string& n : it->second) out.push_back(n);
        }
        return out;
    }

    void onFrame(const FrameEvent& e) override { m_next->onFrame(e); }
    void onStreamDone(const ConnectionInfo& c, const StreamRecord& s) override {
        m_next->onStreamDone(c, s);
    }
    void onAnomaly(const ConnectionInfo& c, const Anomaly& a) override {
        auto& names = m_names[{c.id, a.streamId}];
        // Bounded: a flood repeats one name; a few distinct names are all a filter needs.
        if (names.size() < kMaxNamesPerStream &&
            std::find(names.begin(), names.end(), a.name) == names.end()) {
            names.push_back(a.name);
        }
        m_next->onAnomaly(c, a);
    }
    void onConnectionDone(const ConnectionInfo& c, const ConnectionSummary& s) override {
        m_next->onConnectionDone(c, s);
    }
    static constexpr std::size_t kMaxNamesPerStream = 16;

  private:
    H2Listener* m_next;
    std::map<std::pair<std::uint64_t, std::uint32_t>, std::vector<std::string>> m_names;
};

}  // namespace h2lens
