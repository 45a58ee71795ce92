// Replays every file of fuzz/corpus/frames through the fuzz target's own entry point, so inputs
// that once crashed (or broke chunk independence, which the target aborts on) stay fixed.
#include "../../fuzz/fuzz_frames.cpp"
#include "fuzz_replay.h"

TEST_CASE("The frames fuzz corpus replays cleanly", "[frame][fuzz]") {
    CHECK(h2lens::test::replayFuzzCorpus("frames", LLVMFuzzerTestOneInput) >= 5);
}
