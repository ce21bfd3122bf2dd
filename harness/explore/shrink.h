// Shrinking a failing schedule to the simplest one that still fails the same way: first the fewest
// preemptions, then the fewest steps.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "harness/execution.h"
#include "harness/strategies/strategy.h"
#include "harness/verdict.h"

namespace interleave {

// One execution and its verdict.
struct Judged {
  Verdict verdict;
  ExecutionResult result;
  std::vector<Span> spans;  // the program's operations, kept for failing executions only
};

// Runs one execution under `strategy`, begun for it already, and judges it (without counting it as
// explored).
using RunJudged = std::function<Judged(Strategy& strategy)>;

// How shrinking ended.
enum class ShrinkStatus {
  kOff,            // not asked for (--no-shrink), or not applicable (a hang)
  kUnneeded,       // the schedule as found has no preemption
  kShrunk,         // a simpler schedule was found and confirmed by an exact replay
  kNoSimpler,      // every simpler schedule was searched: none fails the same way
  kLocalMinimum,   // the bounded search ran out of budget; removing preemptions one at a time
                   // then reached a schedule none of whose preemptions can be removed
  kBudgetReached,  // the budget ran out before a simpler schedule was found
  kInterrupted,    // a stop request (Ctrl-C) ended the search: the schedule is as found
  kUnconfirmed,    // the simpler schedule did not fail the same way when replayed alone
  kEnvironment,    // an error of the environment (a full disk) ended the search: as found
  kError,          // an error of the test (a check that hung) ended the search: as found
};
std::string_view to_string(ShrinkStatus status);

struct ShrinkOptions {
  std::vector<int> processes;   // the process of each actor (for which steps commute)
  std::uint64_t budget = 2000;  // executions at most, for the bounded search
  // Executions at most for removing preemptions one at a time, after the bounded search ran out
  // of budget.
  std::uint64_t local_budget = 1000;
  std::function<bool()> stopped;  // true once the run must stop; checked before every execution
};

struct Shrunk {
  Judged judged;  // the simplest failing execution found (the one given, unless kShrunk)
  ShrinkStatus status = ShrinkStatus::kOff;
  std::uint64_t executions = 0;  // spent searching
};

// Searches schedules with fewer preemptions than `failing` (bounded DFS, bound 0, 1, ...) for one
// that fails with the same bug kind; at the fewest preemptions found, prefers the fewest steps.
// When that search runs out of budget before it finds one, the schedule given goes through a local
// pass: each of its preemptions in turn is removed (the preempted
// actor goes on, the rest of the schedule is followed where it still fits) and the schedule kept
// whenever it still fails the same way with fewer preemptions, until no single preemption can be
// removed (kLocalMinimum) or local_budget runs out (kBudgetReached). The result is re-run from its
// decisions alone and returned only if it fails the same way again.
Shrunk shrink_failure(Judged failing, const RunJudged& run, const ShrinkOptions& options);

}  // namespace interleave
