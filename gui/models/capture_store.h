#pragma once
// The GUI thread's copy of a decoded capture: connections, finished streams, frames, TCP events
// and anomalies, appended batch by batch (DecodeBatch) while the worker decodes. Models and
// widgets read it and listen to its signals; nothing else writes it.
#include <QObject>
#include <optional>
#include <unordered_map>
#include <vector>

#include "models/capture_data.h"

namespace h2lens::gui {

class CaptureStore : public QObject {
    Q_OBJECT
  public:
    explicit CaptureStore(QObject* parent = nullptr) : QObject(parent) {}

    void clear();
    void apply(DecodeBatch&& batch);

    const std::vector<ConnectionData>& connections() const { return m_conns; }
    const std::vector<StreamData>& streams() const { return m_streams; }
    // Position in connections() of the flow id, or -1.
    int connectionIndex(std::uint64_t connId) const;
    const ConnectionData* connection(std::uint64_t connId) const;
    // Position in streams(), or -1.
    int streamIndex(std::uint64_t connId, std::uint32_t streamId) const;
    const StreamData* stream(std::uint64_t connId, std::uint32_t streamId) const;
    // Index in the connection's frames of the frame at `offset` of direction `dir`.
    std::optional<std::size_t> findFrame(const ConnectionData& c, Direction dir,
                                         std::uint64_t offset) const;

    // Time zero of every relative time shown: the first packet of the first connection.
    TimestampNs captureStart() const { return m_start; }
    TimestampNs captureEnd() const { return m_end; }
    std::uint64_t frameCount() const { return m_frames; }
    std::uint64_t anomalyCount() const { return m_anomalies; }
    std::uint64_t findingCount() const { return m_findings; }  // audit findings (decoder/audit)

  Q_SIGNALS:
    void cleared();
    void connectionsAdded(int first, int last);
    // Frames, TCP events or anomalies were appended, or the connection finished.
    void connectionChanged(int index);
    void streamsAdded(int first, int last);

  private:
    static std::uint64_t key(std::uint64_t conn, std::uint32_t stream) {
        return (conn << 32) ^ stream;
    }
    std::vector<ConnectionData> m_conns;
    std::vector<StreamData> m_streams;
    std::unordered_map<std::uint64_t, int> m_connIndex;
    std::unordered_map<std::uint64_t, int> m_streamIndex;
    TimestampNs m_start = 0;
    TimestampNs m_end = 0;
    std::uint64_t m_frames = 0;
    std::uint64_t m_anomalies = 0;
    std::uint64_t m_findings = 0;
};

}  // namespace h2lens::gui
