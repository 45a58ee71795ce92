#pragma once
// The display filter in front of a view's listener (the CLI's -Y): when the filter asks about
// anomalies, a StreamAnomalies index sees every event first and passes it on, so a stream is
// judged with the anomalies raised on it so far.
#include <cstdint>
#include <memory>

#include "filter/stream_anomalies.h"
#include "filter/stream_filter.h"
#include "h2/h2_listener.h"

namespace h2lens {

// The listener is made with
// judge() at hand, then attach()ed; the session is given what attach() returns.
class FilterFront {
  public:
    explicit FilterFront(const StreamFilter& filter);
    H2Listener& attach(H2Listener& listener);
    // Whether `stream` of `conn` is selected (anomalies so far included).
    bool judge(std::uint64_t conn, const StreamRecord& stream) const;

  private:
    struct Forward final : H2Listener {
        H2Listener* to = nullptr;
        void onFrame(const FrameEvent& e) override { to->onFrame(e); }
        void onStreamDone(const ConnectionInfo& c, const StreamRecord& s) override {
            to->onStreamDone(c, s);
        }
        void onAnomaly(const ConnectionInfo& c, const Anomaly& a) override { to->onAnomaly(c, a); }
        void onConnectionDone(const ConnectionInfo& c, const ConnectionSummary& s) override {
            to->onConnectionDone(c, s);
        }
    };
    const StreamFilter& m_filter;
    Forward m_forward;
    std::unique_ptr<StreamAnomalies> m_index;
};

}  // namespace h2lens
