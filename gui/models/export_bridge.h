#pragma once
// File > Export: the selection or every stream to JSON or HAR, written by the export stage
// (decoder/export, the code behind the CLI's --json/--har) re-reading the capture, so the GUI and
// the CLI produce the same bytes.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace h2lens::gui {

enum class ExportFormat : std::uint8_t { Json, Har };

struct ExportRequest {
    std::string capturePath;
    std::string outputPath;
    ExportFormat format = ExportFormat::Json;
    std::string keylogPath;  // optional NSS key log for TLS
    // (connection id, stream id) pairs to keep; empty: everything.
    std::vector<std::pair<std::uint64_t, std::uint32_t>> selection;
};

// Returns "" on success, else one sentence saying what went wrong.
std::string exportCapture(const ExportRequest& request);

}  // namespace h2lens::gui
