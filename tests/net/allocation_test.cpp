// The common path (unfragmented packets) must not touch the heap: 700 MB captures go through
// it. Counts every operator new in this test binary while a real capture is decoded.
#include <atomic>
#include <cstdlib>
#include <new>

#include <catch2/catch.hpp>

#include "common/limits.h"
#include "libpcap_capture.h"
#include "net/packet_decoder.h"
#include "test_paths.h"

// AddressSanitizer replaces the allocator itself; counting through our own operator new would
// mismatch its new/delete pairs, so the count runs in the ordinary build only.
#if defined(__SANITIZE_ADDRESS__)
#define H2LENS_COUNT_ALLOCATIONS 0
#else
#define H2LENS_COUNT_ALLOCATIONS 1
#endif

namespace {
std::atomic<std::uint64_t> g_allocations{0};
}

#if H2LENS_COUNT_ALLOCATIONS
void* operator new(std::size_t n) {
    ++g_allocations;
    if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
#endif

TEST_CASE("Decoding unfragmented packets allocates nothing", "[net][perf][uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    if (!H2LENS_COUNT_ALLOCATIONS) {
        WARN("skipped under AddressSanitizer: it owns the allocator");
        return;
    }
    struct Stored {
        h2lens::Packet meta;
        h2lens::Bytes bytes;
    };
    std::vector<Stored> stored;
    for (const char* name :
         {"captures/01_h2c_prior_knowledge/capture.pcap", "captures/11_ipv6_loopback/capture.pcap",
          "captures/12b_any_interface_sll2/capture.pcap"}) {
        REQUIRE(h2lens::test::forEachPcapPacket(
            h2lens::test::sharedDir() / name, [&](const h2lens::Packet& p) {
                stored.push_back({p, {p.data.begin(), p.data.end()}});
            }));
    }
    std::vector<h2lens::Packet> packets;
    for (const Stored& s : stored) {
        h2lens::Packet p = s.meta;
        p.data = s.bytes;
        packets.push_back(p);
    }

    h2lens::PacketDecoder decoder{h2lens::Limits{}};
    h2lens::TcpSegment seg;
    std::uint64_t payloadBytes = 0;
    const std::uint64_t before = g_allocations.load();
    for (const h2lens::Packet& p : packets) {
        if (decoder.decode(p, seg) == h2lens::PacketDecoder::Outcome::Segment) {
            payloadBytes += seg.payload.size();
        }
    }
    const std::uint64_t during = g_allocations.load() - before;
    CHECK(during == 0);
    CHECK(decoder.stats().tcp == packets.size());
    CHECK(payloadBytes > 15'000'000);
}
