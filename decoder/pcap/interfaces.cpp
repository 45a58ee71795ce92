#include "pcap/interfaces.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pcap/pcap.h>

#include <bit>

#include <fmt/format.h>

#include "capture/packet_source.h"

namespace h2lens {

namespace {

std::string addressText(const sockaddr* sa) {
    if (sa == nullptr) return {};
    char buf[INET6_ADDRSTRLEN] = {};
    if (sa->sa_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
        if (inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf) != nullptr) return buf;
    } else if (sa->sa_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
        if (inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf) == nullptr) return {};
        std::string text = buf;
        char name[IF_NAMESIZE] = {};
        if (in6->sin6_scope_id != 0 && if_indextoname(in6->sin6_scope_id, name) != nullptr) {
            text += fmt::format("%{}", name);
        }
        return text;
    }
    return {};
}

int prefixLength(const sockaddr* mask) {
    if (mask == nullptr) return -1;
    int bits = 0;
    if (mask->sa_family == AF_INET) {
        bits = std::popcount(reinterpret_cast<const sockaddr_in*>(mask)->sin_addr.s_addr);
    } else if (mask->sa_family == AF_INET6) {
        for (const std::uint8_t b :
             reinterpret_cast<const sockaddr_in6*>(mask)->sin6_addr.s6_addr) {
            bits += std::popcount(b);
        }
    } else {
        return -1;
    }
    return bits;
}

InterfaceLink linkStatus(bpf_u_int32 flags) {
    switch (flags & PCAP_IF_CONNECTION_STATUS) {
        case PCAP_IF_CONNECTION_STATUS_CONNECTED:
            return InterfaceLink::Connected;
        case PCAP_IF_CONNECTION_STATUS_DISCONNECTED:
            return InterfaceLink::Disconnected;
        case PCAP_IF_CONNECTION_STATUS_NOT_APPLICABLE:
            return InterfaceLink::NotApplicable;
        default:
            return InterfaceLink::Unknown;
    }
}

}  // namespace

std::vector<CaptureInterface> listCaptureInterfaces() {
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_if_t* all = nullptr;
    if (pcap_findalldevs(&all, errbuf) != 0) {
        throw CaptureError(fmt::format("cannot list capture interfaces: {}", errbuf));
    }
    std::vector<CaptureInterface> out;
    for (const pcap_if_t* d = all; d != nullptr; d = d->next) {
        CaptureInterface iface;
        iface.name = d->name;
        if (d->description != nullptr) iface.description = d->description;
        iface.up = (d->flags & PCAP_IF_UP) != 0;
        iface.running = (d->flags & PCAP_IF_RUNNING) != 0;
        iface.loopback = (d->flags & PCAP_IF_LOOPBACK) != 0;
        iface.wireless = (d->flags & PCAP_IF_WIRELESS) != 0;
        iface.link = linkStatus(d->flags);
        for (const pcap_addr_t* a = d->addresses; a != nullptr; a = a->next) {
            if (a->addr == nullptr) continue;
            const int family = a->addr->sa_family;
            if (family != AF_INET && family != AF_INET6) continue;
            InterfaceAddress addr;
            addr.family = family;
            addr.address = addressText(a->addr);
            addr.netmask = addressText(a->netmask);
            addr.prefixLength = prefixLength(a->netmask);
            iface.addresses.push_back(std::move(addr));
        }
        out.push_back(std::move(iface));
    }
    pcap_freealldevs(all);
    return out;
}

}  // namespace h2lens
