#pragma once
// The two directions of a TCP connection, named by who sends. Every stage after TCP (TLS, HTTP/2,
// exports, the GUI) speaks of directions, so they live here rather than in tcp/.
#include <cstdint>
#include <string_view>

namespace h2lens {

enum class Direction : std::uint8_t { ClientToServer = 0, ServerToClient = 1 };

inline std::string_view directionName(Direction d) {
    return d == Direction::ClientToServer ? "c2s" : "s2c";
}
inline Direction opposite(Direction d) {
    return d == Direction::ClientToServer ? Direction::ServerToClient : Direction::ClientToServer;
}

}  // namespace h2lens
