#include "audit/audit_watch.h"

#include <algorithm>

namespace h2lens {

AuditWatch::AuditWatch(AuditThresholds thresholds, Limits limits)
    : m_thresholds(thresholds), m_limits(limits) {}

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
}

void AuditWatch::onStreamDone(const ConnectionInfo& c, const StreamRecord& s) {
    if (auto it = m_open.find(c.id); it != m_open.end()) it->second->streamDone(s);
}

void AuditWatch::onAnomaly(const ConnectionInfo& c, const Anomaly& a) {
    if (auto it = m_open.find(c.id); it != m_open.end()) it->second->anomaly(a);
}

void AuditWatch::onConnectionDone(const ConnectionInfo& c, const ConnectionSummary& s) {
    if (auto it = m_open.find(c.id); it != m_open.end()) {
        for (Finding& f : it->second->finish(c, s)) m_findings.push_back(std::move(f));
        if (m_last == it->second.get()) m_last = nullptr;
        m_open.erase(it);
    }
}

std::vector<Finding> AuditWatch::findingsOf(std::uint64_t conn) const {
    auto first = m_findings.end();
    while (first != m_findings.begin() && std::prev(first)->conn == conn) --first;
    return {first, m_findings.end()};
}

std::uint64_t countAtLeast(const std::vector<Finding>& findings, Severity severity) {
    return static_cast<std::uint64_t>(
        std::count_if(findings.begin(), findings.end(), [severity](const Finding& f) {
            return static_cast<int>(f.severity()) >= static_cast<int>(severity);
        }));
}

}  // namespace h2lens
