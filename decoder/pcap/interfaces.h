#pragma once
// The interfaces libpcap can capture on (pcap_findalldevs), as plain values for
// `h2lens interfaces`. Listing needs no capture rights, though without them libpcap may
// leave out interfaces it cannot open.
#include <cstdint>
#include <string>
#include <vector>

namespace h2lens {

struct InterfaceAddress {
    int family = 0;         // AF_INET or AF_INET6 (other families are left out)
    std::string address;    // text form, e.g. "127.0.0.1", "::1", "fe80::1%eth0"
    std::string netmask;    // text form, empty when libpcap gives none
    int prefixLength = -1;  // from the netmask; -1 when unknown
};

enum class InterfaceLink : std::uint8_t { Unknown, Connected, Disconnected, NotApplicable };

struct CaptureInterface {
    std::string name;
    std::string description;  // often empty on Linux
    std::vector<InterfaceAddress> addresses;
    bool up = false;
    bool running = false;
    bool loopback = false;
    bool wireless = false;
    InterfaceLink link = InterfaceLink::Unknown;
};

// Throws CaptureError with libpcap's text when listing fails.
std::vector<CaptureInterface> listCaptureInterfaces();

}  // namespace h2lens
