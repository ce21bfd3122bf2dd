// Systematic exploration: exhaustive depth-first search over schedules (DFS, optionally bounded by
// preemptions) and dynamic partial-order reduction (DPOR), as strategies whose begin_execution()
// returns false once every schedule in scope was run. dfs_strategy.cc and dpor_strategy.cc state
// the algorithms and their guarantees.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "harness/strategies/strategy.h"

namespace interleave {

struct SystematicOptions {
  bool dpor = false;
  // false: no sleep sets, so DFS runs every interleaving, even reorderings of independent steps (a
  // slow reference that checks the reductions). DFS under a preemption bound never uses them.
  bool sleep_sets = true;
  // DFS: every schedule with at most this many preemptions, searched bound by bound from 0.
  std::optional<int> preemption_bound;
  // Subtrees at the first state with a choice are dealt out to shards by the actor's rank.
  Shard shard;
  std::vector<int> processes;  // the process of each actor (objects of one process are private)
};

std::unique_ptr<Strategy> make_systematic_strategy(const SystematicOptions& options);

}  // namespace interleave
