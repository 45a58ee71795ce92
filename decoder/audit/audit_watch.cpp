#include "audit/audit_watch.h"

#include <algorithm>

namespace h2lens {

AuditWatch::AuditWatch(AuditThresholds thresholds, Limits limits, H2Listener* next)
    : m_thresholds(thresholds), m_limits(limits), m_next(next) {}

AuditWatch::~AuditWatch() = default;

ConnectionAudit& AuditWatch::audit(std::uint64_t conn) {
    if (m_last && m_lastId == conn) return *m_last;  // frames come in runs per connection
    auto& slot = m_open[conn];
    if (!slot) slot = std::make_unique<ConnectionAudit>(m_thresholds, m_limits);
    m_lastId = conn;
    m_last = slot.get();
    return *slot;
}

void AuditWatch::onFrame(const FrameEvent& e) {
    audit(e.conn->id).frame(e);
    if (m_next) m_next->onFrame(e);
}

void AuditWatch::onStreamDone(const ConnectionInfo& c, const StreamRecord& s) {
    if (auto it = m_open.find(c.id); it != m_open.end()) it->second->streamDone(s);
    if (m_next) m_next->onStreamDone(c, s);
}

void AuditWatch::onAnomaly(const ConnectionInfo& c, const Anomaly& a) {
    if (auto it = m_open.find(c.id); it != m_open.end()) it->second->anomaly(a);
    if (m_next) m_next->onAnomaly(c, a);
}

void AuditWatch::onConnectionDone(const ConnectionInfo& c, const ConnectionSummary& s) {
    if (auto it = m_open.find(c.id); it != m_open.end()) {
        for (Finding& f : it->second->finish(c, s)) m_findings.push_back(std::move(f));
        if (m_last == it->second.get()) m_last = nullptr;
        m_open.erase(it);
    }
    if (m_next) m_next->onConnectionDone(c, s);
}

std::uint64_t countAtLeast(const std::vector<Finding>& findings, Severity severity) {
    return static_cast<std::uint64_t>(
        std::count_if(findings.begin(), findings.end(), [severity](const Finding& f) {
            return static_cast<int>(f.severity()) >= static_cast<int>(severity);
        }));
}

}  // namespace h2lens
