// libFuzzer entry: arbitrary bytes through ClassicPcapReader from memory, draining every
// packet and issue. Any crash, hang or sanitizer report is a bug in the reader.
#include <cstddef>
#include <cstdint>

#include "capture/classic_pcap_reader.h"
#include "drain_source.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // A small cap keeps each run cheap while still exercising the length check.
    h2lens::ClassicPcapReader reader(h2lens::ByteSpan(data, size),
                                     h2lens::ClassicPcapOptions{.maxCaptureLength = 1 << 20});
    return h2lens::fuzz::drainSource(reader) == 0xdeadbeef ? 0 : 0;
}
