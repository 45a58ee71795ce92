// Replays every file of fuzz/corpus/filter through the fuzz target's entry point, so inputs
// that once crashed stay fixed in the ordinary test run.
#include "../../fuzz/fuzz_filter.cpp"
#include "fuzz_replay.h"

TEST_CASE("The filter fuzz corpus replays cleanly", "[filter][fuzz][uses-captures]") {
    CHECK(h2lens::test::replayFuzzCorpus("filter", LLVMFuzzerTestOneInput) >= 4);
}
