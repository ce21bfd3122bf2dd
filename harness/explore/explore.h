// harness/explore/: many executions under a strategy, replay, and the shrink of a failure; what
// the command line and the tests call. Includes backends/ and below.
//
// Exploration: run a program's executions under a strategy until a bug is found or the budget is
// spent, and shrink the failing schedule; and replay: run one recorded schedule and check it is
// followed step by step.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/backends/engine.h"
#include "harness/execution.h"
#include "harness/explore/shrink.h"
#include "harness/program.h"
#include "harness/strategies/strategy.h"
#include "harness/strategies/systematic.h"
#include "harness/verdict.h"

namespace interleave {

struct RunStats {
  std::uint64_t executions = 0;
  std::uint64_t steps = 0;
  std::uint64_t handoffs = 0;
  std::uint64_t bugs = 0;
  double elapsed_s = 0;
  double executions_per_second() const { return elapsed_s > 0 ? executions / elapsed_s : 0; }
};

struct ExploreOptions {
  std::string strategy = "random";  // a name from all_strategies()
  std::uint64_t seed = 1;
  // Sampling strategies (random, PCT): the budget. Systematic ones (DFS, DPOR): a cap, 0 for none
  // (run until exhausted).
  std::uint64_t executions = 1000;
  std::optional<int> depth;             // PCT bug depth (default 3)
  std::optional<int> preemption_bound;  // DFS: at most this many preemptions
  bool sleep_sets = true;  // DFS, DPOR: false runs every interleaving (a reference for tests)
  // Stop at the first failing execution (the default); false runs the whole budget and reports the
  // first failure (benchmarks and campaigns that count executions).
  bool stop_at_first_bug = true;
  bool shrink = true;  // minimize the reported schedule (fewest preemptions, then fewest steps)
  Shard shard;         // sampling: executions i with i % count == index; systematic: by subtree
  std::optional<std::chrono::duration<double>> time_limit;
  // Called after every execution with the totals so far (progress lines).
  std::function<void(const RunStats&)> on_progress;
  // Called before every execution with its phase ("explore", or "shrink" for the executions that
  // shrink a failure) and its number within the phase, counting from 0. Under several engines it is
  // called from their threads, one at a time. (The CLI's INTERLEAVE_TEST_SIGNAL uses it.)
  std::function<void(std::string_view phase, std::uint64_t index)> before_execution;
};

struct Failure {
  Verdict verdict;
  std::uint64_t execution = 0;  // index within the run (DFS/DPOR on several engines: its part)
  std::optional<std::uint32_t> part;  // DFS/DPOR on several engines: the part that found it
  std::uint64_t execution_seed = 0;   // random/PCT: replays alone with --seed <this> --executions 1
  ExecutionResult result;             // of the reported (shrunk) schedule
  int preemptions = 0;                // in the reported schedule
  std::size_t original_steps = 0;     // before shrinking
  int original_preemptions = 0;
  ShrinkStatus shrink = ShrinkStatus::kOff;
  std::uint64_t shrink_executions = 0;  // spent shrinking
  std::vector<Span> spans;              // the operations of the reported execution
};

struct ExploreReport {
  Verdict verdict;                   // pass, or the first failure's verdict
  std::optional<Failure> failure;    // set iff a bug was found
  std::optional<std::string> error;  // the run could not be judged (replay diverged)
  // The harness could not go on for a reason of the machine's (EnvironmentError): a full disk, too
  // many open files, workers killed from outside. Not a verdict; a failure found before it stands.
  std::optional<std::string> environment_error;
  bool stopped = false;    // asked to stop (Ctrl-C) before the budget was spent
  bool timed_out = false;  // the time limit ended the run
  bool exhausted = false;  // DFS/DPOR: every schedule in scope was run
  int actors = 0;
  std::uint32_t pct_steps = 0;          // PCT's step estimate (k), when PCT ran
  std::vector<std::uint64_t> executed;  // random/PCT: the indices of the executions run
  RunStats stats;
};

// The verdict for an execution that did not complete (deadlock, crash, ...); pass if it completed.
Verdict verdict_of_outcome(const ExecutionResult& result);

// Runs execution `start` of a fresh program from `factory` under `strategy` (begun for it already)
// and judges it. An execution lost to a worker killed from outside (Outcome::kLost) is begun and
// run again, up to 3 times in all; then, and for every other error of the environment, throws
// EnvironmentError. Does not call strategy.end_execution().
// `spans`: keep a failing execution's operations as spans (for the report's timeline).
Judged run_judged(const ProgramFactory& factory, Strategy& strategy, const ExecutionStart& start,
                  Engine& engine, bool spans = true);
// The same for a one-off execution under a strategy that needs no start: begins it with `seed`.
Judged run_judged(const ProgramFactory& factory, Strategy& strategy, std::uint64_t seed,
                  Engine& engine);

// Runs on `engine`, whose topology must be the programs'.
ExploreReport explore(const ProgramFactory& factory, const ExploreOptions& options, Engine& engine);

// On several engines at once, one thread each (--jobs); failures are shrunk on engines[0].
// Random and PCT: execution i still uses the seed derived from (seed, i), and the failure reported
// is the one with the lowest index, so it does not depend on the number of engines. DFS and DPOR:
// engine j searches part j of the schedule tree (dealt out like shards), and the failure reported
// is the first one of the lowest failing part (its `execution` counts within that part), so it
// depends on the number of engines but not on timing.
ExploreReport explore(const ProgramFactory& factory, const ExploreOptions& options,
                      std::span<Engine* const> engines);

// Replays `decisions`. A schedule that does not fit the program (a decision for an actor that is
// not runnable, too few or too many decisions) sets `error` naming the first diverging step.
ExploreReport replay(const ProgramFactory& factory, std::vector<int> decisions, Engine& engine);

// PCT's guarantee for a clean run: the lower bound p = 1/(n k^(d-1)) on finding a given depth-d bug
// in one execution, and the bound (1-p)^executions on having missed it.
struct PctRisk {
  double per_execution = 0;
  double miss = 1;
};
PctRisk pct_risk(int actors, std::uint32_t steps, int depth, std::uint64_t executions);

}  // namespace interleave
