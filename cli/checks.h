// What a command's arguments mean, checked without running anything: the names they give, the
// sizes, the strategy and its options, a shard's share of the budget, a replay's token. The parse
// step (cli/parse.h) calls these so that every usage error is found before a worker is forked; the
// commands call them again to get the checked values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cli/commands.h"
#include "harness/explore.h"
#include "harness/schedule.h"
#include "scenarios/program.h"

namespace interleave::cli {

// An explore command, checked.
struct ExplorePlan {
  scenarios::Target target;
  StrategyKind strategy = StrategyKind::kRandom;
  std::uint64_t executions = 0;  // the budget: --executions, else 1000 (random, PCT) or 0 (none)
  Shard shard;
};

// Throws UsageError for an unknown scenario, store, mode or strategy, sizes the scenario or mode
// cannot run, --workers, --actors, --processes and --threads that contradict each other or the
// mode, --preemption-bound without --strategy dfs, a shard index not below its count, or a shard
// that gets no execution of a random or PCT budget.
ExplorePlan plan_explore(const ExploreArgs& args);

// A replay command's token, checked.
struct ReplayPlan {
  Schedule schedule;
  scenarios::Target target;
};

// Throws UsageError for a malformed token, one that names an unknown scenario, store or mode, or
// sizes that do not fit.
ReplayPlan plan_replay(std::string_view token);

}  // namespace interleave::cli
