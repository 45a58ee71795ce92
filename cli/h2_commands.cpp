#include "h2_commands.h"

#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "common_options.h"
#include "export/body_text.h"
#include "export/transcript_json.h"
#include "frame_text.h"
#include "h2/names.h"
#include "pipeline/http2_session.h"

namespace h2lens::cli {

namespace {

struct Filter {
    std::optional<std::uint64_t> conn;
    std::optional<std::uint32_t> stream;
    bool matches(std::uint64_t c) const { return !conn || *conn == c; }
    bool matches(std::uint64_t c, std::uint32_t s) const {
        return matches(c) && (!stream || *stream == s);
    }
};

void addFilterOptions(CLI::App& sub, Filter& f) {
    sub.add_option("--conn", f.conn, "only this connection (the id `flows` shows)");
    sub.add_option("--stream", f.stream, "only this stream id");
}

double seconds(TimestampNs t, TimestampNs base) {
    return static_cast<double>(t - base) / 1e9;
}

Json headersJson(const HeaderBlock& b) {
    return headerListJson(b, Redactor{});
}

class FramePrinter final : public H2Listener {
  public:
    FramePrinter(const Filter& filter, bool json, const Analyzer* analyzer)
        : m_filter(filter), m_json(json), m_analyzer(analyzer) {}
    void setAnalyzer(const Analyzer* a) { m_analyzer = a; }
    void onFrame(const FrameEvent& ev) override {
        const Frame& f = *ev.frame;
        if (!m_filter.matches(ev.conn->id, f.streamId)) return;
        const TimestampNs base = m_analyzer->stats().firstTs;
        if (m_json) {
            m_context.base = base;
            fmt::print(
                "{}\n",
                frameJson(ev, m_context).dump(-1, ' ', false, Json::error_handler_t::replace));
            return;
        }
        fmt::print("{}", frameText(ev, base));
    }
    void onAnomaly(const ConnectionInfo& c, const Anomaly& a) override {
        if (!m_filter.matches(c.id)) return;
        if (m_json) return;
        fmt::print("{}", anomalyText(c, a, m_analyzer->stats().firstTs));
    }

  private:
    const Filter& m_filter;
    bool m_json;
    const Analyzer* m_analyzer;
    ExportOptions m_exportOptions;
    JsonContext m_context{&m_exportOptions, Redactor{}, 0};
};

struct StreamRow {
    std::uint64_t conn;
    StreamRecord s;
};

class StreamCollector final : public H2Listener {
  public:
    explicit StreamCollector(const Filter& f) : m_filter(f) {}
    void onStreamDone(const ConnectionInfo& c, const StreamRecord& s) override {
        if (m_filter.matches(c.id, s.id)) rows.push_back({c.id, s});
    }
    void onConnectionDone(const ConnectionInfo& c, const ConnectionSummary& sum) override {
        if (m_filter.matches(c.id)) {
            connections.push_back(
                {c, sum.detection, sum.detectionDetail, sum.anomalies, sum.tlsDecrypted});
        }
    }
    struct Conn {
        ConnectionInfo info;
        Http2Detection detection;
        std::string detail;
        std::uint64_t anomalies;
        bool decrypted;
    };
    std::vector<StreamRow> rows;
    std::vector<Conn> connections;

  private:
    const Filter& m_filter;
};

std::string optMs(const std::optional<TimestampNs>& t, TimestampNs base) {
    return t ? fmt::format("{:.3f}", seconds(*t, base)) : "-";
}

}  // namespace

void addFramesCommand(CLI::App& app, CommonOptions& common) {
    auto* sub = app.add_subcommand("frames", "every HTTP/2 frame, one per line (like nghttp -v)");
    addCaptureOptions(*sub, common);
    auto filter = std::make_shared<Filter>();
    auto json = std::make_shared<bool>(false);
    addFilterOptions(*sub, *filter);
    sub->add_flag("--json", *json, "one JSON object per frame per line (JSON Lines)");
    sub->callback([&common, filter, json] {
        loadKeyLog(common);
        FramePrinter printer(*filter, *json, nullptr);
        Http2SessionFactory factory(common.limits, &printer, &common.keyLog);
        attachTlsThreads(common, factory);
        Analyzer analyzer(common.limits, &factory);
        printer.setAnalyzer(&analyzer);
        runCapture(common.run, analyzer);
    });
}

void addStreamsCommand(CLI::App& app, CommonOptions& common) {
    auto* sub = app.add_subcommand("streams", "one row per HTTP/2 stream");
    addCaptureOptions(*sub, common);
    auto filter = std::make_shared<Filter>();
    auto json = std::make_shared<bool>(false);
    addFilterOptions(*sub, *filter);
    sub->add_flag("--json", *json, "a JSON array of streams instead of a table");
    sub->callback([&common, filter, json] {
        loadKeyLog(common);
        StreamCollector collector(*filter);
        Http2SessionFactory factory(common.limits, &collector, &common.keyLog);
        attachTlsThreads(common, factory);
        Analyzer analyzer(common.limits, &factory);
        runCapture(common.run, analyzer);
        const TimestampNs base = analyzer.stats().firstTs;
        if (*json) {
            Json out = Json::array();
            for (const auto& [conn, s] : collector.rows) {
                Json j = {{"conn", conn},
                          {"stream", s.id},
                          {"state", streamStateName(s.state)},
                          {"end", streamEndName(s.end)},
                          {"pushed", s.pushed}};
                if (s.request) j["request_headers"] = headersJson(*s.request);
                if (s.response) j["response_headers"] = headersJson(*s.response);
                if (s.requestTrailers) j["request_trailers"] = headersJson(*s.requestTrailers);
                if (s.responseTrailers) j["response_trailers"] = headersJson(*s.responseTrailers);
                j["request_body_bytes"] = s.requestBodyBytes;
                j["response_body_bytes"] = s.responseBodyBytes;
                if (s.end == StreamEnd::ResetByClient || s.end == StreamEnd::ResetByServer) {
                    j["reset_error"] = errorCodeName(s.resetCode);
                }
                if (s.requestStart) j["start"] = seconds(*s.requestStart, base);
                if (s.closed && s.requestStart) j["duration"] = seconds(*s.closed, *s.requestStart);
                out.push_back(j);
            }
            fmt::print("{}\n", out.dump(2, ' ', false, Json::error_handler_t::replace));
            return;
        }
        fmt::print("{:>4} {:>6}  {:<7} {:<22} {:<40} {:>6} {:>9} {:>10} {:>10} {:>9}  {}\n", "conn",
                   "stream", "method", "authority", "path", "status", "req bytes", "resp bytes",
                   "start s", "dur ms", "end");
        for (const auto& [conn, s] : collector.rows) {
            auto v = [](const std::optional<HeaderBlock>& b, std::string_view n) {
                return b ? std::string(b->value(n)) : std::string();
            };
            std::string path = v(s.request, ":path");
            if (path.size() > 40) path = path.substr(0, 37) + "...";
            std::string end(streamEndName(s.end));
            if (s.end == StreamEnd::ResetByClient || s.end == StreamEnd::ResetByServer) {
                end += " (" + errorCodeName(s.resetCode) + ")";
            }
            if (s.pushed) end += " pushed";
            fmt::print(
                "{:>4} {:>6}  {:<7} {:<22} {:<40} {:>6} {:>9} {:>10} {:>10} {:>9}  {}\n", conn,
                s.id, v(s.request, ":method"), v(s.request, ":authority"), path,
                v(s.response, ":status"), s.requestBodyBytes, s.responseBodyBytes,
                optMs(s.requestStart, base),
                s.closed && s.requestStart
                    ? fmt::format("{:.3f}", static_cast<double>(*s.closed - *s.requestStart) / 1e6)
                    : "-",
                end);
        }
        for (const auto& c : collector.connections) {
            if (c.detection == Http2Detection::PriorKnowledge ||
                c.detection == Http2Detection::Upgrade ||
                c.detection == Http2Detection::MidStream ||
                (c.detection == Http2Detection::Tls && c.decrypted)) {
                continue;
            }
            fmt::print("conn {} {} -> {}: {}{}\n", c.info.id, c.info.client.toString(),
                       c.info.server.toString(), detectionName(c.detection),
                       c.detail.empty() ? "" : " (" + c.detail + ")");
        }
    });
}

}  // namespace h2lens::cli
