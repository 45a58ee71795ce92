#pragma once
// `h2lens follow`: one exchange as a readable transcript. Request headers, request body,
// informational responses, response headers, response body, trailers, each with its time (seconds
// since the first packet, or as FollowOptions::time says). Bodies are shown decoded (content-encoding undone), JSON
// pretty-printed, other text as is, binary as a hex dump; gRPC bodies as messages with a raw
// protobuf decode. ANSI colour only when asked (the CLI decides from --color and isatty).
#include <optional>
#include <ostream>
#include <string>

#include "export/transcript_collector.h"
#include "export/time_format.h"
#include "export/transcript_json.h"

namespace h2lens {

struct FollowOptions {
    std::optional<std::uint64_t> conn;
    std::optional<std::uint32_t> stream;
    bool color = false;
    TimeFormat time = TimeFormat::Relative;
};

class FollowPrinter final : public TranscriptSink {
  public:
    FollowPrinter(const ExportOptions& options, const FollowOptions& follow, std::ostream& out);
    void setAnalyzer(const Analyzer* analyzer) { m_analyzer = analyzer; }

    void onStream(const StreamTranscript& s) override;
    void onConnection(const ConnectionTranscript&) override {}

    std::uint64_t printed() const { return m_printed; }

  private:
    JsonContext m_ctx;
    FollowOptions m_follow;
    TimeText m_time;
    std::ostream* m_out;
    const Analyzer* m_analyzer = nullptr;
    std::uint64_t m_printed = 0;
};

// The body as text lines for a terminal (no colour), `indent` before each line.
std::string renderBody(ByteSpan bytes, std::string_view contentType, std::string_view indent);
// Raw protobuf as an indented text tree ("1: 150", "2: \"text\"", "3 {", ...).
std::string renderProtobuf(ByteSpan bytes, std::string_view indent);

}  // namespace h2lens
