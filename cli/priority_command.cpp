#include "priority_command.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common_options.h"
#include "h2/connection_engine.h"
#include "view_options.h"

namespace h2lens::cli {

std::optional<TimestampNs> parseRelativeTime(std::string_view text) {
    double scale = 1e9;
    for (auto [suffix, s] :
         {std::pair<std::string_view, double>{"ms", 1e6}, {"us", 1e3}, {"ns", 1.0}, {"s", 1e9}}) {
        if (text.size() > suffix.size() && text.substr(text.size() - suffix.size()) == suffix) {
            text.remove_suffix(suffix.size());
            scale = s;
            break;
        }
    }
    if (text.empty() || text.front() == '-' || text.front() == '+') return std::nullopt;
    double v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v) ||
        v * scale > 9.2e18) {
        return std::nullopt;
    }
    return static_cast<TimestampNs>(std::llround(v * scale));
}

namespace {

using Json = nlohmann::ordered_json;

struct PriorityArgs {
    std::optional<std::uint64_t> conn;
    std::string at;
    bool json = false;
};

struct ConnectionPriorities {
    ConnectionInfo info;
    PriorityTree tree;
    PriorityFollowResult follow;
};

class PriorityCollector final : public H2Listener {
  public:
    explicit PriorityCollector(const PriorityArgs& args) : m_args(args) {}
    void onStreamDone(const ConnectionInfo& c, const StreamRecord& s) override {
        if (m_args.conn && *m_args.conn != c.id) return;
        if (!s.request) return;
        std::string label =
            fmt::format("{} {}", s.request->value(":method"), s.request->value(":path"));
        if (label.size() > 60) label = label.substr(0, 57) + "...";
        requests[{c.id, s.id}] = std::move(label);
    }
    void onConnectionDone(const ConnectionInfo& c, const ConnectionSummary& sum) override {
        if (m_args.conn && *m_args.conn != c.id) return;
        if (!sum.priorities.signalled() && sum.streams == 0) return;
        connections.push_back({c, sum.priorities, sum.priorityFollow});
    }
    std::vector<ConnectionPriorities> connections;
    std::map<std::pair<std::uint64_t, std::uint32_t>, std::string> requests;

  private:
    const PriorityArgs& m_args;
};

std::string urgencyText(const PriorityNode& n) {
    return fmt::format("u={}{}", n.urgency.urgency, n.urgency.incremental ? " i" : "");
}

class TreePrinter {
  public:
    TreePrinter(const ConnectionPriorities& c, const PriorityTree& tree,
                const std::map<std::pair<std::uint64_t, std::uint32_t>, std::string>& requests)
        : m_conn(c), m_tree(tree), m_requests(requests) {
        for (const auto& [id, n] : tree.nodes()) m_children[n.parent].push_back(id);
    }
    void print() {
        m_seen = 0;
        printChildren(0, 1);
        // A cycle cannot be built by the tree's rules; if one were, its streams are not lost.
        if (m_seen < m_tree.nodes().size()) {
            fmt::print("  ({} streams outside the tree)\n", m_tree.nodes().size() - m_seen);
        }
    }

  private:
    void printChildren(std::uint32_t parent, int depth) {
        auto it = m_children.find(parent);
        if (it == m_children.end() || depth > 64) return;
        for (std::uint32_t id : it->second) {
            ++m_seen;
            const PriorityNode& n = m_tree.nodes().at(id);
            std::string line = fmt::format("{:{}}stream {}", "", depth * 2, id);
            if (n.rfc7540 || !m_tree.sawRfc9218()) {
                line += fmt::format("  weight {}{}", n.weight, n.exclusive ? " exclusive" : "");
            }
            if (n.rfc9218 || m_tree.sawRfc9218()) line += "  " + urgencyText(n);
            if (n.serverApplied) {
                line += fmt::format("  (server: u={}{})", n.serverApplied->urgency,
                                    n.serverApplied->incremental ? " i" : "");
            }
            auto r = m_requests.find({m_conn.info.id, id});
            line += r != m_requests.end() ? "  " + r->second : "  (no request)";
            fmt::print("{}\n", line);
            printChildren(id, depth + 1);
        }
    }
    const ConnectionPriorities& m_conn;
    const PriorityTree& m_tree;
    const std::map<std::pair<std::uint64_t, std::uint32_t>, std::string>& m_requests;
    std::map<std::uint32_t, std::vector<std::uint32_t>> m_children;
    std::size_t m_seen = 0;
};

std::string followText(const PriorityFollowResult& f) {
    if (f.scheme == PriorityScheme::None) return "not measured (no priority signals)";
    const std::string rule = f.scheme == PriorityScheme::Rfc9218 ? "RFC 9218: lower urgency first"
                                                                 : "RFC 7540: ancestors first";
    if (!f.measured()) {
        return fmt::format("not measured (no DATA while two streams were ready; {})", rule);
    }
    return fmt::format("{} ({} of {} contended DATA bytes to a lower-priority stream, {:.1f}%; {})",
                       f.followed() ? "followed" : "not followed", f.outOfOrderBytes,
                       f.contendedBytes, 100.0 * f.share(), rule);
}

}  // namespace

void addPriorityCommand(CLI::App& app, CommonOptions& common) {
    auto* sub =
        app.add_subcommand("priority",
                           "the stream priority tree each client asked for, and whether the server "
                           "followed it");
    addCaptureOptions(*sub, common);
    auto args = std::make_shared<PriorityArgs>();
    sub->add_option("--conn", args->conn, "only this connection (the id `flows` shows)");
    sub->add_option("--at", args->at,
                    "the tree at this time: seconds after the capture's first packet (as `-t r` "
                    "prints them), or with a unit: 250ms, 250000us; default: the end");
    sub->add_flag("--json", args->json,
                  "a JSON array, one object per stream: conn, stream, parent, weight (1-256), "
                  "exclusive, urgency, incremental");
    sub->callback([&common, args] {
        std::optional<TimestampNs> at;
        if (!args->at.empty()) {
            at = parseRelativeTime(args->at);
            if (!at) {
                throw std::runtime_error(fmt::format(
                    "--at '{}': not a time (seconds after the first packet, e.g. 0.25 or 250ms)",
                    args->at));
            }
        }
        PriorityCollector collector(*args);
        DecodeSession session(common.session(), collector);
        const RunResult run = runCapture(common.run, session);
        requireConnection(session, args->conn);
        common.exitCode = exitCodeFor(common.run, run, session.tally());
        const TimestampNs base = session.stats().firstTs;
        Json out = Json::array();
        bool first = true;
        for (const ConnectionPriorities& c : collector.connections) {
            // The end: the tree as the engine left it (exact even past the history's bound).
            const PriorityTree tree = at ? PriorityTree::at(c.tree.history(), base + *at) : c.tree;
            if (args->json) {
                for (const auto& [id, n] : tree.nodes()) {
                    out.push_back({{"conn", c.info.id},
                                   {"stream", id},
                                   {"parent", n.parent},
                                   {"weight", n.weight},
                                   {"exclusive", n.exclusive},
                                   {"urgency", n.urgency.urgency},
                                   {"incremental", n.urgency.incremental}});
                }
                continue;
            }
            if (!first) fmt::print("\n");
            first = false;
            const std::size_t changes = c.tree.history().size() + c.tree.historyCut();
            fmt::print("conn {}  {} -> {}  {}, {}\n", c.info.id, c.info.client.toString(),
                       c.info.server.toString(),
                       plural(changes, "priority change", "priority changes"),
                       at ? fmt::format("at {:.6f} s", static_cast<double>(*at) / 1e9)
                          : std::string("at the end"));
            if (c.tree.serverNoRfc7540()) {
                fmt::print(
                    "  server sent SETTINGS_NO_RFC7540_PRIORITIES=1: RFC 7540 signals "
                    "ignored\n");
            }
            if (at && c.tree.historyCut() > 0) {
                fmt::print("  history cut after {} changes: later ones are not in this tree\n",
                           c.tree.history().size());
            }
            if (tree.nodes().empty()) {
                fmt::print(
                    "  no stream has a priority signal (all have the defaults: RFC 7540 "
                    "weight 16 on stream 0, RFC 9218 u=3)\n");
            } else {
                TreePrinter(c, tree, collector.requests).print();
            }
            fmt::print("  server: {}\n", followText(c.follow));
        }
        if (args->json) {
            fmt::print("{}\n", out.dump(2));
        } else if (collector.connections.empty()) {
            fmt::print("no HTTP/2 connection\n");
        }
    });
}

}  // namespace h2lens::cli
