#pragma once
// Text the details pane and the clipboard show for one stream: headers as text, a cURL command
// that repeats the request, and the body as text, pretty JSON, hex or gRPC messages, after undoing
// its content-encoding with the export stage's decoders (the same code as the CLI's JSON/HAR).
#include <QString>

#include "models/capture_data.h"

namespace h2lens::gui {

enum class BodyMode : int { Auto, Text, Json, Hex, Grpc };

struct BodyView {
    QString text;
    QString note;  // e.g. "gzip decoded: 1234 -> 5678 bytes", "retained 1 MiB of 5 MiB"
    bool monospace = true;
};

// `dir`: 0 request, 1 response.
BodyView bodyView(const StreamData& s, int dir, BodyMode mode);

// The request and response as HTTP/2 header lists plus body sizes ("GET /x\n:authority: ...").
QString streamAsText(const StreamData& s);
// A curl command line repeating the request: --http2-prior-knowledge for h2c with prior
// knowledge, --http2 for https and for an h2c Upgrade request (whose Upgrade, Connection,
// HTTP2-Settings and Host fields curl writes itself). A request body goes inline when it was kept
// whole and is UTF-8 text, else as --data-binary @body.bin.
QString curlCommand(const StreamData& s, bool priorKnowledge = true);

}  // namespace h2lens::gui
