#include "harness/explore/shrink.h"

#include <optional>

#include "harness/strategies/dependence.h"
#include "harness/strategies/replay.h"
#include "harness/strategies/systematic.h"

namespace interleave {
namespace {

// After the first schedule of the fewest preemptions, look this much further for fewer steps.
constexpr std::uint64_t kStepSearch = 64;

bool simpler(const Trace& a, const Trace& b) {
  const int pa = count_preemptions(a);
  const int pb = count_preemptions(b);
  return pa < pb || (pa == pb && a.size() < b.size());
}

// Follows a wished-for sequence of decisions as far as it fits: the next wished actor when it is
// runnable, else the current actor when it can go on, else the lowest runnable one (skipping the
// wish until it fits again). After the wishes, no preemption.
class LenientStrategy final : public Strategy {
 public:
  explicit LenientStrategy(std::vector<int> wishes) : wishes_(std::move(wishes)) {}
  bool begin_execution(const ExecutionStart&) override {
    next_ = 0;
    return true;
  }
  int pick(const DecisionPoint& point) override {
    if (next_ < wishes_.size()) {
      const int wish = wishes_[next_];
      for (int a : point.runnable) {
        if (a == wish) {
          ++next_;
          return wish;
        }
      }
    }
    return point.current_runnable ? point.current : point.runnable.front();
  }

 private:
  std::vector<int> wishes_;
  std::size_t next_ = 0;
};

// The decisions of `trace` with the preemption at step `at` removed: the run of the actor chosen
// there is moved after the preempted actor's next run (when it comes right after), or the
// preempted actor simply goes on at `at`.
std::vector<int> without_preemption(const std::vector<int>& d, std::size_t at) {
  const int preempted = d[at - 1];
  const int chosen = d[at];
  std::size_t run_end = at;
  while (run_end < d.size() && d[run_end] == chosen) ++run_end;
  std::vector<int> out(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(at));
  if (run_end < d.size() && d[run_end] == preempted) {
    std::size_t next_end = run_end;
    while (next_end < d.size() && d[next_end] == preempted) ++next_end;
    out.insert(out.end(), d.begin() + static_cast<std::ptrdiff_t>(run_end),
               d.begin() + static_cast<std::ptrdiff_t>(next_end));
    out.insert(out.end(), d.begin() + static_cast<std::ptrdiff_t>(at),
               d.begin() + static_cast<std::ptrdiff_t>(run_end));
    out.insert(out.end(), d.begin() + static_cast<std::ptrdiff_t>(next_end), d.end());
  } else {
    out.push_back(preempted);
    out.insert(out.end(), d.begin() + static_cast<std::ptrdiff_t>(at), d.end());
  }
  return out;
}

// The decisions with every decision of `actor` moved together: to where its first one was
// (`to_end` false: it runs without interruption from its start) or to the end.
std::vector<int> serialized(const std::vector<int>& d, int actor, bool to_end) {
  std::vector<int> others;
  std::vector<int> mine;
  std::size_t first = d.size();
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (d[i] == actor) {
      first = std::min(first, others.size());
      mine.push_back(d[i]);
    } else {
      others.push_back(d[i]);
    }
  }
  if (to_end) first = others.size();
  std::vector<int> out(others.begin(), others.begin() + static_cast<std::ptrdiff_t>(first));
  out.insert(out.end(), mine.begin(), mine.end());
  out.insert(out.end(), others.begin() + static_cast<std::ptrdiff_t>(first), others.end());
  return out;
}

enum class LocalEnd { kMinimum, kBudget, kStopped };

// Removes preemptions of `best` while the bug stays (see shrink_failure()): first whole actors
// (each made to run without interruption, from its start or at the end), then one preemption at a
// time.
LocalEnd remove_preemptions(Judged* best, BugKind kind, const RunJudged& run, int actors,
                            std::uint64_t budget, const std::function<bool()>& stopped,
                            std::uint64_t* executions) {
  std::uint64_t spent = 0;
  // Runs `wishes` leniently; keeps it when it fails the same way with fewer preemptions.
  const auto attempt = [&](std::vector<int> wishes) -> std::optional<bool> {
    if (spent >= budget) return std::nullopt;
    if (stopped && stopped()) return std::nullopt;
    LenientStrategy lenient(std::move(wishes));
    lenient.begin_execution({0, 0, actors});
    Judged tried = run(lenient);
    ++spent;
    ++*executions;
    if (tried.result.outcome == Outcome::kStopped) return std::nullopt;
    if (tried.verdict.bug != kind ||
        count_preemptions(tried.result.trace) >= count_preemptions(best->result.trace)) {
      return false;
    }
    *best = std::move(tried);
    return true;
  };
  const auto ended = [&] {
    return (stopped && stopped()) ? LocalEnd::kStopped : LocalEnd::kBudget;
  };
  for (int actor = 0; actor < actors; ++actor) {
    for (bool to_end : {false, true}) {
      if (count_preemptions(best->result.trace) == 0) return LocalEnd::kMinimum;
      const std::optional<bool> kept = attempt(serialized(best->result.decisions(), actor, to_end));
      if (!kept) return ended();
      if (*kept) break;
    }
  }
  for (bool improved = true; improved;) {
    improved = false;
    const Trace& trace = best->result.trace;
    const std::vector<int> decisions = best->result.decisions();
    for (std::size_t at = 1; at < trace.size() && !improved; ++at) {
      if (!is_preemption(trace[at - 1].actor, trace[at].runnable, trace[at].actor)) continue;
      const std::optional<bool> kept = attempt(without_preemption(decisions, at));
      if (!kept) return ended();
      improved = *kept;
    }
  }
  return LocalEnd::kMinimum;
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
    case ShrinkStatus::kLocalMinimum:
      return "local-minimum";
    case ShrinkStatus::kBudgetReached:
      return "budget-reached";
    case ShrinkStatus::kInterrupted:
      return "interrupted";
    case ShrinkStatus::kUnconfirmed:
      return "unconfirmed";
    case ShrinkStatus::kEnvironment:
      return "environment-error";
    case ShrinkStatus::kError:
      return "error";
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
  ShrinkStatus status = ShrinkStatus::kShrunk;
  if (!best && !exhausted) {
    // The bounded search (which finds the fewest preemptions first) ran out of budget: go on from
    // the schedule as found, one preemption at a time.
    const int before = preemptions;
    Judged start = failing;
    switch (remove_preemptions(&start, kind, run, actors, shrink.local_budget, shrink.stopped,
                               &executions)) {
      case LocalEnd::kStopped:
        return {std::move(failing), ShrinkStatus::kInterrupted, executions};
      case LocalEnd::kMinimum:
        status = ShrinkStatus::kLocalMinimum;
        break;
      case LocalEnd::kBudget:
        status = ShrinkStatus::kBudgetReached;
        break;
    }
    if (count_preemptions(start.result.trace) < before) best = std::move(start);
  }
  if (!best) {
    return {std::move(failing), exhausted ? ShrinkStatus::kNoSimpler : status, executions};
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
  return {std::move(confirmed), status, executions + 1};
}

}  // namespace interleave
