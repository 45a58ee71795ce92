#pragma once
// Where the NDJSON writer's lines go when making them may happen elsewhere. The decoding stages start no
// threads (STYLE.md), so the JsonWriter only hands over jobs; the CLI plugs in a threaded
// scheduler (parallel/ordered_work.h) that hashes and serialises finished streams on other
// cores. Whatever the scheduler, lines are written in submission order.
#include <cstddef>
#include <functional>
#include <string>

namespace h2lens {

class LineScheduler {
  public:
    using Job = std::function<std::string()>;
    virtual ~LineScheduler() = default;
    // `job` makes one or more lines; `cost` is the memory (bytes) it holds until written, which
    // the scheduler bounds. `decodes`: the job also decompresses or splits a body, which may
    // take up to ExportOptions::maxDecodedBody more, so a scheduler runs one such job at a time.
    virtual void submit(Job job, std::size_t cost, bool decodes = false) = 0;
    // Ready text that must keep its place in the order.
    virtual void submitText(std::string text) = 0;
    // Returns once everything submitted is written; rethrows a job's failure.
    virtual void finish() = 0;
};

}  // namespace h2lens
