#pragma once
// What `h2lens summary` says about a capture, gathered as a listener: every connection, the
// streams (method, path, status, duration, ending), anomalies grouped by name with an example,
// and the flow-control stalls; with a display filter only the streams that match and what
// belongs to them. The figures a summary prints are computed here; the CLI only lays them out.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "filter/filter_front.h"
#include "filter/stream_filter.h"
#include "h2/connection_engine.h"
#include "h2/h2_listener.h"

namespace h2lens {

struct SummaryStream {
    std::uint64_t conn;
    std::uint32_t id;
    std::string method, path, status;
    double durationMs = -1;  // request start to close; -1 when either was not seen
    StreamEnd end;
    std::uint64_t responseBytes;
};

struct SummaryConnection {
    ConnectionInfo info;
    Http2Detection detection;
    std::string detail;
    bool decrypted;
    std::uint64_t streams, anomalies;
    std::vector<FlowStall> stalls;
    // HTTP/2 was decoded on it (h2c, mid-connection, or TLS that was decrypted).
    bool http2() const;
};

struct AnomalyGroup {
    std::uint64_t count = 0;
    std::string rfc, example;
};

struct SummaryStall {
    std::uint64_t conn;
    FlowStall stall;
    double ms;  // 0 while it had not ended
};

// With a display filter, only the streams that match count, and so do the anomalies and
// stalls of those streams and the connections that carry them (anomalies and stalls of the
// connection itself, stream 0, go with a connection that has a matching stream).
class SummaryCollector final : public H2Listener {
  public:
    SummaryCollector(const StreamFilter& filter, const FilterFront& front)
        : m_filter(filter), m_front(front) {}
    void onStreamDone(const ConnectionInfo& c, const StreamRecord& s) override;
    void onAnomaly(const ConnectionInfo& c, const Anomaly& a) override;
    void onConnectionDone(const ConnectionInfo& c, const ConnectionSummary& s) override;

    // After the decode: the anomalies of the selected streams, grouped by name.
    void settle();

    bool filtered() const { return !m_filter.empty(); }
    bool selected(std::uint64_t conn, std::uint32_t stream) const;
    bool connectionSelected(std::uint64_t conn) const;

    const std::vector<SummaryStream>& streams() const { return m_streams; }
    const std::vector<SummaryConnection>& connections() const { return m_connections; }
    const std::map<std::string, AnomalyGroup>& anomalies() const { return m_anomalies; }
    std::uint64_t allStreams() const { return m_allStreams; }  // before the filter

    std::size_t http2Connections() const;
    std::uint64_t anomalyCount() const;
    std::vector<const SummaryConnection*> shownConnections() const;
    std::map<std::string, std::size_t> streamsByStatus() const;  // "none" without a status
    std::map<std::string, std::size_t> streamsByEnd() const;
    std::vector<const SummaryStream*> slowestStreams() const;  // with a duration, longest first
    std::vector<SummaryStall> stallsLongestFirst() const;      // of the selected streams

  private:
    const StreamFilter& m_filter;
    const FilterFront& m_front;
    std::vector<SummaryStream> m_streams;
    std::vector<SummaryConnection> m_connections;
    std::map<std::string, AnomalyGroup> m_anomalies;
    std::uint64_t m_allStreams = 0;
    std::set<std::pair<std::uint64_t, std::uint32_t>> m_matched;
    std::set<std::uint64_t> m_matchedConns;
    // Streams are judged when they end, often after their anomalies: kept per stream until
    // then.
    std::map<std::tuple<std::uint64_t, std::uint32_t, std::string>, AnomalyGroup> m_perStream;
};

}  // namespace h2lens
