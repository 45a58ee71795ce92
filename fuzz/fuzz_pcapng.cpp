// libFuzzer entry: arbitrary bytes through PcapngReader from memory, draining every packet,
// issue and secret. Any crash, hang or sanitizer report is a bug in the reader.
#include <cstddef>
#include <cstdint>

#include "capture/pcapng_reader.h"
#include "drain_source.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // A small block cap keeps each run cheap while still exercising the length checks.
    h2lens::PcapngReader reader(h2lens::ByteSpan(data, size),
                                h2lens::PcapngOptions{.maxBlockBytes = 1 << 20});
    return h2lens::fuzz::drainSource(reader) == 0xdeadbeef ? 0 : 0;
}
