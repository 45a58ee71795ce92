#pragma once
// File > Export: the selection or every stream to JSON or HAR, written by the export stage
// (decoder/export, the code behind the CLI's --json/--har), so the GUI and the CLI produce the
// same bytes. The transcripts come from the decode the window shows (DecodeResult::transcripts);
// only when that kept no transcripts, or had to leave bodies out, is the capture read again.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "export/transcript_store.h"

namespace h2lens::gui {

enum class ExportFormat : std::uint8_t { Json, Har };

struct ExportRequest {
    std::string capturePath;
    std::string outputPath;
    ExportFormat format = ExportFormat::Json;
    std::string keylogPath;  // optional NSS key log for TLS
    // (connection id, stream id) pairs to keep; empty: everything.
    std::vector<std::pair<std::uint64_t, std::uint32_t>> selection;
    // What the decode kept; null or incomplete: capturePath is decoded again.
    std::shared_ptr<const TranscriptStore> transcripts;
};

// How the last export was made (for the status line and tests).
enum class ExportSource : std::uint8_t { Transcripts, Capture };

// Returns "" on success, else one sentence saying what went wrong. `source` (optional) says
// whether the kept transcripts were written or the capture was read again.
std::string exportCapture(const ExportRequest& request, ExportSource* source = nullptr);

}  // namespace h2lens::gui
