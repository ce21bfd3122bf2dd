// DPOR: one schedule per equivalence class of schedules that order their dependent steps the same
// way (Flanagan and Godefroid, "Dynamic partial-order reduction for model checking software",
// POPL 2005), with sleep sets (Godefroid 1996).
//
// After each execution it finds, for every step, the latest dependent step of another actor not
// ordered before it by happens-before (vector clocks), and schedules the reversal of that race at
// the state where it started: the later actor if it could run there, else every actor that could.
//
// Guarantee (for terminating programs whose steps declare what they touch): once the search is
// exhausted, every reachable verdict and every reachable final state has been reached.
#include "harness/strategies/systematic.h"

namespace interleave {

extern const StrategyInfo kDporStrategyInfo{
    .name = "dpor",
    .summary = "one schedule per ordering of dependent steps (DPOR + sleep sets)",
    .systematic = true,
    .check = [](const StrategyOptions& o) -> std::optional<std::string> {
      if (o.depth) return "dpor takes no --depth (pct does)";
      if (o.preemption_bound) return "dpor takes no --preemption-bound (dfs does)";
      return std::nullopt;
    },
    .make =
        [](const StrategyOptions& o) {
          return make_systematic_strategy({.dpor = true,
                                           .sleep_sets = o.sleep_sets,
                                           .shard = o.shard,
                                           .processes = o.processes});
        },
};

}  // namespace interleave
