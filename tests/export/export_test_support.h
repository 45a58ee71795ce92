#pragma once
// Runs the export layer in-process over a capture, the way the CLI does.
#include <sstream>
#include <string>

#include "export/har_writer.h"
#include "export/json_writer.h"
#include "pcap/capture_file.h"
#include "pipeline/http2_session.h"

namespace h2lens::test {

// Feeds a whole capture through Http2SessionFactory into `collector`'s sink.
inline void runThrough(const std::string& path, TranscriptCollector& collector,
                       Analyzer*& analyzerOut, const Limits& limits = Limits{}) {
    Http2SessionFactory factory(limits, &collector);
    Analyzer analyzer(limits, &factory);
    analyzerOut = &analyzer;
    auto src = openCapture(path);
    Packet p;
    while (src->next(p) == ReadStatus::Packet) analyzer.ingest(p);
    analyzer.finish();
    analyzerOut = nullptr;
}

// Runs a whole capture through a collector into `writer` (a JsonWriter or HarWriter), the way the
// CLI does, then calls `finish(writer)` while the analyzer the writer reads is still alive.
template <class Writer, class Finish>
inline void feedCapture(const std::string& path, const ExportOptions& options, Writer& writer,
                        Finish finish) {
    TranscriptCollector collector(options, &writer);
    Limits limits;
    Http2SessionFactory factory(limits, &collector);
    Analyzer analyzer(limits, &factory);
    writer.setAnalyzer(&analyzer);
    auto src = openCapture(path);
    Packet p;
    while (src->next(p) == ReadStatus::Packet) analyzer.ingest(p);
    analyzer.finish();
    finish(writer);
}

inline std::string exportJson(const std::string& path, const ExportOptions& options,
                              JsonWriter::Format format = JsonWriter::Format::Document) {
    std::ostringstream out;
    JsonWriter writer(options, format, out);
    feedCapture(path, options, writer, [&](JsonWriter& w) {
        w.finish(std::filesystem::path(path).filename().string(), 0);
    });
    return out.str();
}

inline std::string exportHar(const std::string& path, const ExportOptions& options) {
    std::ostringstream out;
    HarWriter writer(options, out);
    feedCapture(path, options, writer, [](HarWriter& w) { w.finish(); });
    return out.str();
}

}  // namespace h2lens::test
