// What a command's arguments mean, checked without running anything: the names they give, the
// sizes, the strategy and its options, a shard's share of the budget, a replay's token. The parse
// step (cli/parse.h) calls these so that every usage error is found before a worker is forked; the
// commands call them again to get the checked values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cli/commands.h"
#include "harness/explore/explore.h"
#include "harness/schedule.h"
#include "scenarios/program.h"

namespace interleave::cli {

// An explore command, checked.
struct ExplorePlan {
  scenarios::Target target;
  const StrategyInfo* strategy = nullptr;  // from the registry (harness/strategies/strategies.def)
  std::uint64_t executions = 0;  // the budget: --executions, else 1000 (random, PCT) or 0 (none)
  Shard shard;
};

// Names are looked up in args.context's catalog.
// Throws UsageError for an unknown scenario, store, mode or strategy, a scenario that is another
// store's own (or a built-in one on a store with only its own operations), sizes the scenario or
// mode cannot run, --workers, --actors, --processes and --threads that contradict each other or the
// mode, options the strategy does not take (--preemption-bound without --strategy dfs), a backend
// or files the mode cannot run on, a shard index not below its count, or a shard that gets no
// execution of a random or PCT budget.
ExplorePlan plan_explore(const ExploreArgs& args);

// Throws UsageError for a shard whose index is not below its count, or one that gets no execution
// of a random or PCT budget of `executions` (shards deal executions by index mod count).
void check_shard(const Shard& shard, const StrategyInfo& strategy, std::uint64_t executions);

// The options explore() runs `plan` with (without progress or test hooks).
ExploreOptions explore_options(const ExplorePlan& plan, const ExploreArgs& args);

// A replay command's token, checked.
struct ReplayPlan {
  Schedule schedule;
  scenarios::Target target;
};

// Throws UsageError for a malformed token, one that names an unknown scenario, store or mode, sizes
// that do not fit, or a backend (`backend`, "threads" or "fibers") or files its mode cannot run on.
ReplayPlan plan_replay(std::string_view token, std::string_view backend = "threads",
                       std::string_view files = "disk",
                       const scenarios::Catalog& catalog = scenarios::Catalog::builtin());

}  // namespace interleave::cli
