// DFS: every schedule, depth first.
//
// At every state it tries every enabled actor, except those asleep (sleep sets: an actor whose
// step was explored from an earlier sibling state sleeps until a step it depends on runs; running
// it earlier would only reorder independent steps; Godefroid, "Partial-order methods for the
// verification of concurrent systems", 1996). Without sleep sets (StrategyOptions::sleep_sets
// false) it runs every interleaving, the reference the tests compare both reductions with.
//
// With --preemption-bound K it runs every schedule with at most K preemptions, bound by bound (0,
// 1, ..., K), so the first bug found has the fewest preemptions (Musuvathi and Qadeer, "Iterative
// context bounding for systematic testing of multithreaded programs", PLDI 2007). Sleep sets are
// off under a bound: the sibling that put an actor to sleep may have reached the equivalent
// schedules only beyond the bound.
//
// Guarantee: once exhausted, every schedule in scope (up to the order of independent steps, with
// sleep sets) was run.
#include "fmt/format.h"
#include "harness/strategies/systematic.h"

namespace interleave {

extern const StrategyInfo kDfsStrategyInfo{
    .name = "dfs",
    .summary = "every schedule, depth first; --preemption-bound K limits it",
    .systematic = true,
    .check = [](const StrategyOptions& o) -> std::optional<std::string> {
      if (o.depth) return "dfs takes no --depth (pct does)";
      if (o.preemption_bound && *o.preemption_bound < 0) {
        return fmt::format("--preemption-bound takes a number >= 0, got {}", *o.preemption_bound);
      }
      return std::nullopt;
    },
    .make =
        [](const StrategyOptions& o) {
          return make_systematic_strategy({.dpor = false,
                                           .sleep_sets = o.sleep_sets,
                                           .preemption_bound = o.preemption_bound,
                                           .shard = o.shard,
                                           .processes = o.processes});
        },
};

}  // namespace interleave
