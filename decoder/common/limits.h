#pragma once
// Every memory bound of the decoder in one place, so the CLI can expose them and tests can
// shrink them. What a cap drops is always counted and reported, never silently lost.
#include <cstddef>
#include <cstdint>

namespace h2lens {

struct Limits {
    // TCP
    std::size_t maxFlows = 250000;                            // live flows in the flow table
    std::size_t maxOutOfOrderBytesPerFlow = 8 * 1024 * 1024;  // per direction
    std::size_t maxOutOfOrderSegmentsPerFlow = 4096;          // per direction
    std::size_t maxOutOfOrderBytesTotal = 16 * 1024 * 1024;   // all directions together
    std::size_t maxIpFragmentBytes = 4 * 1024 * 1024;         // all datagrams being reassembled
    // HTTP/2
    std::size_t maxFramePayload = 16 * 1024 * 1024;  // hard cap, above any legal size
    std::size_t maxHeaderBlockBytes = 1024 * 1024;   // HEADERS + CONTINUATION assembled
    std::size_t maxHeaderListSize = 1024 * 1024;     // decoded header list, RFC 7541 sizes
    std::size_t maxHpackTableSize = 1024 * 1024;     // dynamic table, whatever SETTINGS says
    // Open streams per connection, and the header blocks they keep together: beyond either the
    // stream open longest is reported as it stands (incomplete) with an OPEN_STREAMS_CUT
    // anomaly. A peer that opens streams the other never answers would otherwise keep each one
    // (up to maxHeaderListSize of headers apiece) until the connection ends.
    std::size_t maxOpenStreams = 10000;
    std::size_t maxOpenStreamHeaderBytes = 16 * 1024 * 1024;
    // TLS
    std::size_t maxTlsHeldBytes = 1024 * 1024;  // per connection, records waiting for keys that a
                                                // growing key log (live) has not written yet
    std::size_t maxTlsHeldBytesTotal = 64 * 1024 * 1024;  // the same, all connections together
};

}  // namespace h2lens
