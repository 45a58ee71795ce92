#pragma once
// The decoder's own output for a capture, recorded by a plain H2Listener (no GUI code), so the
// GUI tests compare what the models show against what the decoder said.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "h2/connection_engine.h"
#include "pipeline/analyzer.h"

namespace h2lens::test {

struct RefFrame {
    std::uint64_t conn;
    std::uint32_t streamId;
    std::uint8_t type;
    std::uint8_t flags;
    Direction dir;
    TimestampNs ts;
    std::uint32_t length;
};

struct RefStream {
    std::uint64_t conn;
    StreamRecord rec;
};

struct RefConnection {
    ConnectionInfo info;
    ConnectionSummary summary;
};

struct Reference {
    std::vector<RefFrame> frames;
    std::vector<RefStream> streams;
    std::vector<RefConnection> connections;
    std::vector<Anomaly> anomalies;
    std::vector<FlowRecord> flows;
    // DATA payload (padding excluded) per (connection, stream) and direction, whole.
    std::map<std::pair<std::uint64_t, std::uint32_t>, std::string> bodies[2];
};

// `keylog`: an NSS key log for TLS (empty: none). TLS records are opened in turn.
Reference referenceDecode(const std::string& path, const std::string& keylog = {});

std::string sourcePath(const std::string& rel);  // under the repository
std::string sharedPath(const std::string& rel);  // under /work/shared ("" when absent)

}  // namespace h2lens::test
