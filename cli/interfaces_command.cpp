#include "interfaces_command.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pcap/interfaces.h"

namespace h2lens::cli {

namespace {

std::string flagsText(const CaptureInterface& i) {
    std::vector<std::string> flags;
    flags.emplace_back(i.up ? "up" : "down");
    if (i.running) flags.emplace_back("running");
    if (i.loopback) flags.emplace_back("loopback");
    if (i.wireless) flags.emplace_back("wireless");
    if (i.link == InterfaceLink::Disconnected) flags.emplace_back("disconnected");
    return fmt::format("{}", fmt::join(flags, ","));
}

std::string addressText(const InterfaceAddress& a) {
    return a.prefixLength >= 0 ? fmt::format("{}/{}", a.address, a.prefixLength) : a.address;
}

}  // namespace

void addInterfacesCommand(CLI::App& app) {
    auto* sub = app.add_subcommand("interfaces", "list the interfaces `live -i` can capture on");
    auto json = std::make_shared<bool>(false);
    sub->add_flag("--json", *json, "a JSON array instead of a table");
    sub->callback([json] {
        const std::vector<CaptureInterface> list = listCaptureInterfaces();
        if (*json) {
            nlohmann::ordered_json out = nlohmann::ordered_json::array();
            for (const CaptureInterface& i : list) {
                nlohmann::ordered_json addrs = nlohmann::ordered_json::array();
                for (const InterfaceAddress& a : i.addresses) addrs.push_back(addressText(a));
                out.push_back({{"name", i.name},
                               {"description", i.description},
                               {"up", i.up},
                               {"running", i.running},
                               {"loopback", i.loopback},
                               {"wireless", i.wireless},
                               {"addresses", addrs}});
            }
            fmt::print("{}\n", out.dump(2));
            return;
        }
        if (list.empty()) {
            fmt::print(stderr,
                       "h2lens: no capture interfaces found (without capture rights libpcap may "
                       "list none)\n");
            return;
        }
        std::size_t width = 4;
        for (const CaptureInterface& i : list) width = std::max(width, i.name.size());
        fmt::print("{:<{}}  {:<28}  {:<40}  {}\n", "name", width, "flags", "addresses",
                   "description");
        for (const CaptureInterface& i : list) {
            std::vector<std::string> addrs;
            for (const InterfaceAddress& a : i.addresses) addrs.push_back(addressText(a));
            fmt::print("{:<{}}  {:<28}  {:<40}  {}\n", i.name, width, flagsText(i),
                       addrs.empty() ? "-" : fmt::format("{}", fmt::join(addrs, " ")),
                       i.description);
        }
    });
}

}  // namespace h2lens::cli
