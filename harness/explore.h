// Exploration: run a program's executions under a strategy until a bug is found or the budget is
// spent; and replay: run one recorded schedule and check it is followed step by step.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/engine.h"
#include "harness/execution.h"
#include "harness/program.h"
#include "harness/verdict.h"

namespace interleave {

enum class StrategyKind { kRandom, kPct };
std::string_view to_string(StrategyKind kind);
std::optional<StrategyKind> parse_strategy(std::string_view name);

struct ExploreOptions {
  StrategyKind strategy = StrategyKind::kRandom;
  std::uint64_t seed = 1;
  std::uint64_t executions = 1000;
  int depth = 3;  // PCT bug depth
  // Stop at the first failing execution (the default); false runs the whole budget and reports the
  // first failure (benchmarks and campaigns that count executions).
  bool stop_at_first_bug = true;
};

struct Failure {
  Verdict verdict;
  std::uint64_t execution = 0;       // index within the run
  std::uint64_t execution_seed = 0;  // replays alone with --seed <this> --executions 1
  ExecutionResult result;
};

struct RunStats {
  std::uint64_t executions = 0;
  std::uint64_t steps = 0;
  std::uint64_t handoffs = 0;
  double elapsed_s = 0;
  double executions_per_second() const { return elapsed_s > 0 ? executions / elapsed_s : 0; }
};

struct ExploreReport {
  Verdict verdict;                   // pass, or the first failure's verdict
  std::optional<Failure> failure;    // set iff a bug was found
  std::optional<std::string> error;  // the run could not be judged (replay diverged)
  bool stopped = false;              // the engine was asked to stop before the budget was spent
  int actors = 0;
  std::uint32_t pct_steps = 0;  // PCT's step estimate (k), when PCT ran
  RunStats stats;
};

// The verdict for an execution that did not complete (deadlock, crash, ...); pass if it completed.
Verdict verdict_of_outcome(const ExecutionResult& result);

// Runs on `engine`, whose topology must be the programs'. ExploreOptions::limits is the engine's.
ExploreReport explore(const ProgramFactory& factory, const ExploreOptions& options, Engine& engine);

// Replays `decisions`. A schedule that does not fit the program (a decision for an actor that is
// not runnable, too few or too many decisions) sets `error` naming the first diverging step.
ExploreReport replay(const ProgramFactory& factory, std::vector<int> decisions, Engine& engine);

}  // namespace interleave
