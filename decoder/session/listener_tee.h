#pragma once
// One decode heard by two listeners, in the order given, each event to both before the next:
// the GUI records frames for its views and collects transcripts for its exports from the same
// pass over the capture.
#include "h2/connection_engine.h"
#include "h2/h2_listener.h"

namespace h2lens {

class ListenerTee final : public H2Listener {
  public:
    ListenerTee(H2Listener& first, H2Listener& second) : m_first(&first), m_second(&second) {}
    void onFrame(const FrameEvent& e) override {
        m_first->onFrame(e);
        m_second->onFrame(e);
    }
    void onStreamDone(const ConnectionInfo& c, const StreamRecord& s) override {
        m_first->onStreamDone(c, s);
        m_second->onStreamDone(c, s);
    }
    void onAnomaly(const ConnectionInfo& c, const Anomaly& a) override {
        m_first->onAnomaly(c, a);
        m_second->onAnomaly(c, a);
    }
    void onConnectionDone(const ConnectionInfo& c, const ConnectionSummary& s) override {
        m_first->onConnectionDone(c, s);
        m_second->onConnectionDone(c, s);
    }

  private:
    H2Listener* m_first;
    H2Listener* m_second;
};

}  // namespace h2lens
