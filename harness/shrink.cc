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

std::string_view to_string(ShrinkStatus status) {
  switch (status) {
    case ShrinkStatus::kOff:
      return "off";
    case ShrinkStatus::kUnneeded:
      return "unneeded";
    case ShrinkStatus::kShrunk:
      return "shrunk";
    case ShrinkStatus::kNoSimpler:
      return "no-simpler";
    case ShrinkStatus::kBudgetReached:
      return "budget-reached";
    case ShrinkStatus::kInterrupted:
      return "interrupted";
    case ShrinkStatus::kUnconfirmed:
      return "unconfirmed";
    case ShrinkStatus::kEnvironment:
      return "environment-error";
  }
  return "?";
}

Shrunk shrink_failure(Judged failing, const RunJudged& run, const ShrinkOptions& shrink) {
  const BugKind kind = *failing.verdict.bug;
  const int preemptions = count_preemptions(failing.result.trace);
  if (preemptions == 0) return {std::move(failing), ShrinkStatus::kUnneeded, 0};
  // Bounded DFS tries bounds 0, 1, ... in turn; the first bound with a failing schedule is the
  // fewest preemptions that fail, since every smaller bound was exhausted first.
  std::unique_ptr<Strategy> search = make_systematic_strategy(
      {.preemption_bound = preemptions - 1, .processes = shrink.processes});
  const int actors = static_cast<int>(shrink.processes.size());
  std::optional<Judged> best;
  std::uint64_t executions = 0;
  std::uint64_t since_found = 0;
  bool exhausted = false;
  while (executions < shrink.budget && !(best && since_found > kStepSearch)) {
    if (shrink.stopped && shrink.stopped()) {
      return {std::move(failing), ShrinkStatus::kInterrupted, executions};
    }
    if (!search->begin_execution({executions, 0, actors})) {
      exhausted = true;
      break;
    }
    Judged last = run(*search);
    ++executions;
    search->end_execution(last.result);
    if (last.result.outcome == Outcome::kStopped) {
      return {std::move(failing), ShrinkStatus::kInterrupted, executions};
    }
    if (best) ++since_found;
    if (last.verdict.bug == kind && (!best || simpler(last.result.trace, best->result.trace))) {
      best = std::move(last);
    }
  }
  if (!best) {
    return {std::move(failing), exhausted ? ShrinkStatus::kNoSimpler : ShrinkStatus::kBudgetReached,
            executions};
  }
  // Confirm: the shrunk decisions alone, replayed exactly, fail the same way.
  ReplayStrategy exact(best->result.decisions());
  exact.begin(0, actors);
  Judged confirmed = run(exact);
  if (confirmed.result.outcome == Outcome::kStopped) {
    return {std::move(failing), ShrinkStatus::kInterrupted, executions + 1};
  }
  if (confirmed.verdict.bug != kind || confirmed.result.trace != best->result.trace) {
    return {std::move(failing), ShrinkStatus::kUnconfirmed, executions + 1};
  }
  return {std::move(confirmed), ShrinkStatus::kShrunk, executions + 1};
}

}  // namespace interleave
