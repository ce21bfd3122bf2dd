#include "harness/shrink.h"

#include <optional>

#include "harness/dependence.h"
#include "harness/replay_strategy.h"
#include "harness/systematic.h"

namespace interleave {
namespace {

// After the first schedule of the fewest preemptions, look this much further for fewer steps.
constexpr std::uint64_t kStepSearch = 64;

bool simpler(const Trace& a, const Trace& b) {
  const int pa = count_preemptions(a);
  const int pb = count_preemptions(b);
  return pa < pb || (pa == pb && a.size() < b.size());
}

}  // namespace

Judged shrink_failure(Judged failing, const RunJudged& run, const std::vector<int>& processes,
                      std::uint64_t budget) {
  const BugKind kind = *failing.verdict.bug;
  const int preemptions = count_preemptions(failing.result.trace);
  if (preemptions == 0) return failing;
  // Bounded DFS tries bounds 0, 1, ... in turn; the first bound with a failing schedule is the
  // fewest preemptions that fail, since every smaller bound was exhausted first.
  SystematicOptions options;
  options.preemption_bound = preemptions - 1;
  options.max_executions = budget;
  options.processes = processes;
  std::optional<Judged> best;
  std::optional<Judged> last;
  std::uint64_t since_found = 0;
  explore_systematic(options, [&](Strategy& strategy) -> const Trace* {
    last = run(strategy);
    if (last->verdict.bug == kind && (!best || simpler(last->result.trace, best->result.trace))) {
      best = *last;
    }
    if (best && ++since_found > kStepSearch) return nullptr;
    return &last->result.trace;
  });
  if (!best) return failing;
  // Confirm: the shrunk decisions alone, replayed exactly, fail the same way.
  ReplayStrategy exact(best->result.decisions());
  Judged confirmed = run(exact);
  if (confirmed.verdict.bug != kind || confirmed.result.trace != best->result.trace) return failing;
  return confirmed;
}

}  // namespace interleave
