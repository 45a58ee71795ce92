#pragma once
// The identity of a TCP connection regardless of direction: the two endpoints in a fixed order.
#include <cstddef>
#include <cstdint>
#include <functional>

#include "net/tcp_segment.h"

namespace h2lens {

struct FlowKey {
    Endpoint lo;  // the smaller endpoint
    Endpoint hi;
    bool operator==(const FlowKey&) const = default;

    static FlowKey of(const Endpoint& a, const Endpoint& b) {
        return a < b ? FlowKey{a, b} : FlowKey{b, a};
    }
};

struct FlowKeyHash {
    std::size_t operator()(const FlowKey& k) const noexcept {
        // FNV-1a over both endpoints: cheap and spreads IPv4 loopback flows well.
        std::uint64_t h = 1469598103934665603ull;
        auto mix = [&h](const Endpoint& e) {
            for (std::uint8_t b : e.ip.bytes) h = (h ^ b) * 1099511628211ull;
            h = (h ^ e.port) * 1099511628211ull;
            h = (h ^ e.ip.family) * 1099511628211ull;
        };
        mix(k.lo);
        mix(k.hi);
        return static_cast<std::size_t>(h);
    }
};

}  // namespace h2lens
