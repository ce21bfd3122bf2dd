// Systematic exploration: exhaustive depth-first search over schedules (DFS, optionally bounded by
// preemptions) and dynamic partial-order reduction (DPOR). See systematic.cc for the algorithms and
// their guarantees.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "harness/strategy.h"
#include "harness/trace.h"

namespace interleave {

// One disjoint part of a campaign: index in [0, count).
struct Shard {
  std::uint32_t index = 0;
  std::uint32_t count = 1;
};

struct SystematicOptions {
  bool dpor = false;
  // false: no sleep sets, so DFS runs every interleaving, even reorderings of independent steps (a
  // slow reference that checks the reductions). DFS under a preemption bound never uses them.
  bool sleep_sets = true;
  // DFS: every schedule with at most this many preemptions, searched bound by bound from 0.
  std::optional<int> preemption_bound;
  std::uint64_t max_executions = 0;  // 0: until exhausted
  // Subtrees at the first state with a choice are dealt out to shards by the actor's rank.
  Shard shard;
  std::vector<int> processes;  // the process of each actor (objects of one process are private)
  std::function<bool()> should_stop;  // checked before every execution (time limit, Ctrl-C)
};

// Runs one execution under `strategy`; returns its trace, or nullptr to end the search (a bug was
// found, or the run was stopped). The trace must stay valid until the next call.
using RunSchedule = std::function<const Trace*(Strategy& strategy)>;

struct SystematicReport {
  std::uint64_t executions = 0;
  bool exhausted = false;  // every schedule in scope was run
};

SystematicReport explore_systematic(const SystematicOptions& options, const RunSchedule& run);

}  // namespace interleave
