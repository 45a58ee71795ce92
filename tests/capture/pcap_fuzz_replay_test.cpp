// Replays every file of fuzz/corpus/pcap through the classic pcap fuzz target's entry point,
// so inputs that once crashed stay fixed.
#include "../../fuzz/fuzz_pcap.cpp"
#include "fuzz_replay.h"

TEST_CASE("The classic pcap fuzz corpus replays cleanly", "[capture][pcap-classic][fuzz]") {
    CHECK(h2lens::test::replayFuzzCorpus("pcap", LLVMFuzzerTestOneInput) >= 5);
}
