// libFuzzer target: arbitrary bytes as a sequence of captured packets of every link type.
#include <cstddef>
#include <cstdint>

#include "../tests/net/packet_fuzz_driver.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    h2lens::test::fuzzPacketDecoder(data, size);
    return 0;
}
