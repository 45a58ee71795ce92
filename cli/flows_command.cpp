#include "flows_command.h"

#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "common_options.h"
#include "export/transcript_json.h"
#include "pipeline/stream_dump.h"

namespace h2lens::cli {

namespace {

nlohmann::ordered_json directionJson(const DirectionStats& d) {
    auto j = directionStatsJson(d);  // the same object the export writes
    j["cap_forced_gaps"] = d.reassembly.capForcedGaps;
    return j;
}

nlohmann::ordered_json flowJson(const FlowRecord& f) {
    return {{"id", f.id},
            {"client", f.client.toString()},
            {"server", f.server.toString()},
            {"client_by", roleEvidenceName(f.roleEvidence)},
            {"handshake_seen", f.handshakeSeen},
            {"first_packet", f.firstPacket},
            {"start", static_cast<double>(f.firstTs) / 1e9},
            {"end_time", static_cast<double>(f.lastTs) / 1e9},
            {"end", flowEndName(f.end)},
            {"c2s", directionJson(f.stats(Direction::ClientToServer))},
            {"s2c", directionJson(f.stats(Direction::ServerToClient))}};
}

void printTable(const std::deque<FlowRecord>& flows) {
    fmt::print("{:>4}  {:<22} {:<22} {:>7} {:>12} {:>12} {:>7} {:>7} {:>10}  {}\n", "id", "client",
               "server", "packets", "bytes c2s", "bytes s2c", "retrans", "ooo", "gaps", "end");
    for (const FlowRecord& f : flows) {
        const auto& c = f.stats(Direction::ClientToServer);
        const auto& s = f.stats(Direction::ServerToClient);
        const auto gaps = c.reassembly.gaps + s.reassembly.gaps;
        const auto gapBytes = c.reassembly.gapBytes + s.reassembly.gapBytes;
        fmt::print("{:>4}  {:<22} {:<22} {:>7} {:>12} {:>12} {:>7} {:>7} {:>10}  {}{}\n", f.id,
                   f.client.toString(), f.server.toString(), c.packets + s.packets,
                   c.reassembly.deliveredBytes, s.reassembly.deliveredBytes,
                   c.reassembly.retransmittedSegments + s.reassembly.retransmittedSegments,
                   c.reassembly.outOfOrderSegments + s.reassembly.outOfOrderSegments,
                   gaps ? fmt::format("{} ({} B)", gaps, gapBytes) : "0", flowEndName(f.end),
                   f.handshakeSeen ? "" : " (no handshake)");
    }
}

}  // namespace

void addFlowsCommand(CLI::App& app, CommonOptions& common) {
    auto* sub = app.add_subcommand("flows", "list the TCP connections of a capture");
    addCaptureOptions(*sub, common);
    // flows reads TCP only: TLS options would be accepted and do nothing.
    sub->remove_option(sub->get_option("--keylog"));
    sub->remove_option(sub->get_option("--tls-threads"));
    auto json = std::make_shared<bool>(false);
    auto dumpDir = std::make_shared<std::string>();
    sub->add_flag("--json", *json, "a JSON array of connections instead of a table");
    sub->add_option("--dump", *dumpDir,
                    "write each connection's reassembled bytes to DIR/<id>.c2s and DIR/<id>.s2c "
                    "(gaps listed in DIR/<id>.gaps)");
    sub->callback([&common, json, dumpDir] {
        std::unique_ptr<StreamDumpFactory> dump;
        if (!dumpDir->empty()) dump = std::make_unique<StreamDumpFactory>(*dumpDir);
        SessionOptions tcpOnly;
        tcpOnly.limits = common.limits;
        DecodeSession session(tcpOnly, dump.get());
        runCapture(common.run, session);
        const auto& flows = session.analyzer().flows().records();
        if (*json) {
            auto out = nlohmann::ordered_json::array();
            for (const FlowRecord& f : flows) out.push_back(flowJson(f));
            fmt::print("{}\n", out.dump(2));
        } else {
            printTable(flows);
        }
    });
}

}  // namespace h2lens::cli
