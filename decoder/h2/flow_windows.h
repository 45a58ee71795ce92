#pragma once
// Both endpoints' flow-control send windows for one connection (RFC 9113 §6.9): the connection
// window of each sender and each stream's (kept in StreamRecord::window as a time series), with
// the stalls they cause. Signed 64-bit: a SETTINGS change may push a window below zero. It only
// computes; the engine decides which results are anomalies (DATA beyond a window, overflow).
#include <array>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "h2/h2_records.h"

namespace h2lens {

class FlowWindows {
  public:
    static constexpr std::int64_t kMaxWindow = 0x7fffffff;  // RFC 9113 §6.9.1

    // The series and stalls are written where the connection's summary keeps them:
    // `connectionSeries[2]` (client's, server's send window) and `stalls`.
    FlowWindows(std::vector<WindowPoint>* connectionSeries, std::vector<FlowStall>* stalls)
        : m_series(connectionSeries), m_stalls(stalls) {}

    std::int64_t connection(Direction sender) const { return m_conn[index(sender)]; }

    // A new stream's send windows start at the receiver's SETTINGS_INITIAL_WINDOW_SIZE.
    static void startStream(StreamRecord& s, TimestampNs ts, std::int64_t clientSends,
                            std::int64_t serverSends);

    // DATA of `length` bytes (padding included, §6.9.1) from `sender` on `s`; `more`: the sender
    // has body left (no END_STREAM). Returns the stream window after it.
    std::int64_t chargeData(Direction sender, StreamRecord& s, std::uint32_t length, bool more,
                            TimestampNs ts);
    // DATA on a stream already forgotten (reset): it still counts against the connection window.
    void chargeConnection(Direction sender, std::uint32_t length, TimestampNs ts);
    // A WINDOW_UPDATE opening `sender`'s connection window / the stream's; returns the new value.
    std::int64_t openConnection(Direction sender, std::uint32_t increment, TimestampNs ts);
    std::int64_t openStream(Direction sender, StreamRecord& s, std::uint32_t increment,
                            TimestampNs ts);
    // A SETTINGS_INITIAL_WINDOW_SIZE change of `delta` shifting one open stream (§6.9.2);
    // `senderDone`: the sender already ended the stream (it cannot be stalled).
    std::int64_t shiftStream(Direction sender, StreamRecord& s, std::int64_t delta, bool senderDone,
                             TimestampNs ts);

    void streamClosed(std::uint32_t streamId, TimestampNs ts);
    void finish(TimestampNs ts);  // open stalls end here

  private:
    static int index(Direction d) { return static_cast<int>(d); }
    void updateStall(Direction sender, std::uint32_t streamId, bool blocked, TimestampNs ts);

    std::vector<WindowPoint>* m_series;
    std::vector<FlowStall>* m_stalls;
    std::array<std::int64_t, 2> m_conn{65535, 65535};
    std::map<std::pair<int, std::uint32_t>, std::size_t> m_openStalls;  // (sender, stream)
};

}  // namespace h2lens
