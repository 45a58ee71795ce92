#pragma once
// Options of the commands that show streams: the display filter (-Y, the GUI's filter
// language, docs/filter.md), time formats (-t, tshark's letters) and what a command says when
// its selection matched nothing.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/plural.h"
#include "export/time_format.h"
#include "filter/filter_front.h"
#include "filter/stream_filter.h"
#include "h2/h2_listener.h"
#include "session/decode_session.h"

namespace h2lens::cli {

struct ViewOptions {
    std::string filterText;
    std::string timeLetters = "r";
    StreamFilter filter;
    TimeFormat time = TimeFormat::Relative;
    // Parses -Y and -t; throws std::runtime_error with every problem of the filter.
    void prepare();
};

void addDisplayFilterOption(CLI::App& sub, ViewOptions& view);
void addTimeFormatOption(CLI::App& sub, ViewOptions& view);

// --conn N that names no connection of the capture: throws std::runtime_error saying so (the
// user mistyped or looked at another capture), instead of printing an empty table.
void requireConnection(const DecodeSession& session, std::optional<std::uint64_t> conn);

// A connection's "not decrypted" reason, with what to do when no key log was given at all.
std::string withKeyLogHint(const std::string& detail, bool keyLogGiven);

// The end column of `streams` and `live`: "reset_by_client (CANCEL) pushed", "complete", ...
std::string streamEndColumn(const StreamRecord& s);

}  // namespace h2lens::cli
