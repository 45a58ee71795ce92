#include "models/export_bridge.h"

#include <fstream>
#include <memory>
#include <set>

#include "audit/audit_watch.h"
#include "export/har_writer.h"
#include "export/json_writer.h"
#include "export/transcript_collector.h"
#include "session/decode_session.h"
#include "session/listener_tee.h"

namespace h2lens::gui {

namespace {

// Passes on the selected streams only (and the connections they belong to), so an export of the
// selection is the same document the CLI writes, minus what was not selected.
class SelectionSink final : public TranscriptSink {
  public:
    SelectionSink(TranscriptSink* next,
                  const std::vector<std::pair<std::uint64_t, std::uint32_t>>& sel)
        : m_next(next), m_all(sel.empty()) {
        for (const auto& [conn, stream] : sel) {
            m_streams.insert({conn, stream});
            m_conns.insert(conn);
        }
    }
    void onStream(const StreamTranscript& s) override {
        if (m_all || m_streams.count({s.conn.id, s.record.id})) m_next->onStream(s);
    }
    void onConnection(const ConnectionTranscript& c) override {
        if (m_all || m_conns.count(c.info.id)) m_next->onConnection(c);
    }

  private:
    TranscriptSink* m_next;
    bool m_all;
    std::set<std::pair<std::uint64_t, std::uint32_t>> m_streams;
    std::set<std::uint64_t> m_conns;
};

}  // namespace

std::string exportCapture(const ExportRequest& request, ExportSource* source) {
    try {
        std::ofstream out(request.outputPath, std::ios::binary | std::ios::trunc);
        if (!out) return "cannot write " + request.outputPath;
        ExportOptions options;
        Limits limits;
        std::unique_ptr<TranscriptSink> writer;
        JsonWriter* json = nullptr;
        HarWriter* har = nullptr;
        if (request.format == ExportFormat::Har) {
            auto w = std::make_unique<HarWriter>(options, out);
            har = w.get();
            writer = std::move(w);
        } else {
            auto w = std::make_unique<JsonWriter>(options, JsonWriter::Format::Document, out);
            json = w.get();
            writer = std::move(w);
        }
        SelectionSink selection(writer.get(), request.selection);
        if (request.transcripts && request.transcripts->complete()) {
            const CaptureTotals& totals = request.transcripts->totals();
            if (json) json->setStats(totals.stats, totals.tcpConnections);
            if (har) har->setStats(totals.stats, totals.tcpConnections);
            request.transcripts->replay(selection);
            if (json) json->finish(request.capturePath, totals.issues);
            if (har) har->finish();
            if (source) *source = ExportSource::Transcripts;
            out.flush();
            if (!out) return "writing " + request.outputPath + " failed";
            return {};
        }
        if (source) *source = ExportSource::Capture;
        // The audit as on screen (and in `h2lens export`): findings on their connections.
        AuditWatch audit(AuditThresholds{}, limits);
        TranscriptCollector collector(options, &selection, &audit);
        ListenerTee both(audit, collector);
        SessionOptions sessionOptions;
        sessionOptions.limits = limits;
        sessionOptions.keyLogPath = request.keylogPath;
        DecodeSession session(sessionOptions, both);
        if (json) json->setAnalyzer(&session.analyzer());
        if (har) har->setAnalyzer(&session.analyzer());
        const SessionRunResult run = session.run(request.capturePath);
        if (json) json->finish(request.capturePath, run.issues);
        if (har) har->finish();
        out.flush();
        if (!out) return "writing " + request.outputPath + " failed";
        return {};
    } catch (const std::exception& e) {
        return e.what();
    }
}

}  // namespace h2lens::gui
