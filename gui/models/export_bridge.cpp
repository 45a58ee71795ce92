#include "models/export_bridge.h"

// The export stage's document writer (JSON transcript / HAR) is being written beside the GUI.
// When its header lands, this is the one place to call it from.
#if __has_include("export/export_writer.h")
#include "export/export_writer.h"
#define H2LENS_GUI_EXPORT_WRITER 1
#endif

namespace h2lens::gui {

std::string exportCapture(const ExportRequest& request) {
#ifdef H2LENS_GUI_EXPORT_WRITER
    (void)request;
    return "export: wire exportCapture() to export/export_writer.h";
#else
    (void)request;
    return "JSON/HAR export is not available in this build: the export stage has no document "
           "writer yet.";
#endif
}

}  // namespace h2lens::gui
