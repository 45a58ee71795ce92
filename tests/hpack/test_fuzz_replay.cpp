// Replays every file of fuzz/corpus/hpack through the fuzz target's entry point, so inputs
// that once crashed stay fixed in the ordinary test run.
#include "../../fuzz/fuzz_hpack.cpp"
#include "fuzz_replay.h"

TEST_CASE("The HPACK fuzz corpus replays cleanly", "[hpack][fuzz]") {
    CHECK(h2lens::test::replayFuzzCorpus("hpack", LLVMFuzzerTestOneInput) >= 10);
}
