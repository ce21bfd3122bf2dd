// Shrinking a failing schedule to the simplest one that still fails the same way: first the fewest
// preemptions, then the fewest steps.
#pragma once

#include <functional>
#include <vector>

#include "harness/execution.h"
#include "harness/strategy.h"
#include "harness/verdict.h"

namespace interleave {

// One execution and its verdict.
struct Judged {
  Verdict verdict;
  ExecutionResult result;
  std::vector<Span> spans;  // the program's operations, kept for failing executions only
};

// Runs one execution under `strategy` and judges it (without counting it as explored).
using RunJudged = std::function<Judged(Strategy& strategy)>;

// Searches schedules with fewer preemptions than `failing` (bounded DFS, bound 0, 1, ...) for one
// that fails with the same bug kind; at the fewest preemptions found, prefers the fewest steps.
// The result is re-run from its decisions alone and returned only if it fails the same way again;
// otherwise `failing` is returned unchanged. At most `budget` executions. `processes` gives each
// actor's process (for which steps commute).
Judged shrink_failure(Judged failing, const RunJudged& run, const std::vector<int>& processes,
                      std::uint64_t budget = 2000);

}  // namespace interleave
