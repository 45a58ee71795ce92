#include "view_options.h"

#include <fmt/format.h>

#include <stdexcept>

#include "h2/names.h"

namespace h2lens::cli {

void ViewOptions::prepare() {
    filter = StreamFilter::parse(filterText);
    if (!filter.errors().empty()) {
        std::string text = "display filter: ";
        for (std::size_t i = 0; i < filter.errors().size(); ++i) {
            text += (i ? "; " : "") + filter.errors()[i];
        }
        throw std::runtime_error(text);
    }
    const auto t = parseTimeFormat(timeLetters);
    if (!t) throw std::runtime_error("-t " + timeLetters + ": use r, a, ad, u, ud, e or d");
    time = *t;
}

void addDisplayFilterOption(CLI::App& sub, ViewOptions& view) {
    sub.add_option("-Y,--display-filter", view.filterText,
                   "only streams that match, e.g. 'status:5xx method:POST dur>100ms "
                   "header:content-type=application/grpc end:reset anomaly:RAPID_RESET "
                   "!conn:3' (terms all must match; docs/filter.md)");
}

void addTimeFormatOption(CLI::App& sub, ViewOptions& view) {
    sub.add_option("-t,--time-format", view.timeLetters,
                   "times as r: seconds since the first packet, a: local time of day, ad: local "
                   "date and time, u / ud: the same in UTC, e: epoch seconds, d: since the "
                   "previous line")
        ->capture_default_str();
}

void requireConnection(const DecodeSession& session, std::optional<std::uint64_t> conn) {
    if (!conn) return;
    const auto& flows = session.analyzer().flows().records();
    for (const FlowRecord& f : flows) {
        if (f.id == *conn) return;
    }
    throw std::runtime_error(fmt::format(
        "no connection {}: the capture has {}{} (`h2lens flows` lists them)", *conn,
        plural(flows.size(), "TCP connection", "TCP connections"),
        flows.empty()       ? ""
        : flows.size() == 1 ? fmt::format(", id {}", flows.front().id)
                            : fmt::format(", ids {} to {}", flows.front().id, flows.back().id)));
}

std::string withKeyLogHint(const std::string& detail, bool keyLogGiven) {
    if (keyLogGiven || detail.find("no key for this client random") == std::string::npos) {
        return detail;
    }
    return detail + "; no key log was given: pass --keylog with the client's SSLKEYLOGFILE";
}

std::string streamEndColumn(const StreamRecord& s) {
    std::string end(streamEndName(s.end));
    if (s.end == StreamEnd::ResetByClient || s.end == StreamEnd::ResetByServer) {
        end += " (" + errorCodeName(s.resetCode) + ")";
    }
    if (s.pushed) end += " pushed";
    return end;
}

}  // namespace h2lens::cli
