#pragma once
// AuditWatch: the HTTP/2 audit of a whole capture (or live run) as a listener. Each connection
// gets a ConnectionAudit while it lasts; when it ends, its findings are kept (a few values per
// finding) and its audit state is freed, so memory follows the connections open at once.
// Beside a command's own listener it stands first in a ListenerTee, so a connection's findings
// are made before the others hear that the connection ended (findingsOf).
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "audit/audit_thresholds.h"
#include "audit/connection_audit.h"
#include "audit/finding.h"
#include "common/limits.h"
#include "h2/h2_listener.h"

namespace h2lens {

class AuditWatch final : public H2Listener {
  public:
    explicit AuditWatch(AuditThresholds thresholds = {}, Limits limits = {});
    ~AuditWatch() override;

    void onFrame(const FrameEvent& e) override;
    void onStreamDone(const ConnectionInfo& c, const StreamRecord& s) override;
    void onAnomaly(const ConnectionInfo& c, const Anomaly& a) override;
    void onConnectionDone(const ConnectionInfo& c, const ConnectionSummary& s) override;

    // Findings of the connections that ended, in the order they ended; within a connection by
    // kind, then peer.
    const std::vector<Finding>& findings() const { return m_findings; }
    std::vector<Finding> takeFindings() { return std::move(m_findings); }
    // The findings of connection `conn`, once it ended (they are the last ones made), while they
    // were not taken.
    std::vector<Finding> findingsOf(std::uint64_t conn) const;
    const AuditThresholds& thresholds() const { return m_thresholds; }
    std::size_t connectionsWatched() const { return m_open.size(); }

  private:
    ConnectionAudit& audit(std::uint64_t conn);

    AuditThresholds m_thresholds;
    Limits m_limits;
    std::map<std::uint64_t, std::unique_ptr<ConnectionAudit>> m_open;
    std::uint64_t m_lastId = 0;
    ConnectionAudit* m_last = nullptr;
    std::vector<Finding> m_findings;
};

std::uint64_t countAtLeast(const std::vector<Finding>& findings, Severity severity);

}  // namespace h2lens
