#include "harness/explore.h"

#include <chrono>

#include "fmt/format.h"
#include "harness/replay_strategy.h"
#include "harness/rng.h"
#include "harness/strategy.h"

namespace interleave {
namespace {

using Clock = std::chrono::steady_clock;

struct Judged {
  Verdict verdict;
  ExecutionResult result;
};

Judged run_one(const ProgramFactory& factory, Strategy& strategy, std::uint64_t seed,
               Engine& engine, int* actors) {
  std::unique_ptr<Program> program = factory();
  *actors = program->topology().actors();
  strategy.begin_execution(seed, *actors);
  ExecutionResult result = engine.run(*program, strategy);
  Verdict verdict = verdict_of_outcome(result);
  if (result.outcome == Outcome::kCompleted) verdict = program->judge(result, engine.scratch());
  return {std::move(verdict), std::move(result)};
}

void count(RunStats& stats, const ExecutionResult& result) {
  ++stats.executions;
  stats.steps += result.trace.size();
  stats.handoffs += result.handoffs;
}

}  // namespace

std::string_view to_string(StrategyKind kind) {
  return kind == StrategyKind::kPct ? "pct" : "random";
}

std::optional<StrategyKind> parse_strategy(std::string_view name) {
  if (name == "random") return StrategyKind::kRandom;
  if (name == "pct") return StrategyKind::kPct;
  return std::nullopt;
}

Verdict verdict_of_outcome(const ExecutionResult& result) {
  switch (result.outcome) {
    case Outcome::kCompleted:
    case Outcome::kDiverged:
    case Outcome::kStopped:
      return Verdict::pass();
    case Outcome::kDeadlock:
      return Verdict::fail(BugKind::kDeadlock, result.message);
    case Outcome::kCrash:
      return Verdict::fail(BugKind::kCrash, result.message);
    case Outcome::kStepLimit:
    case Outcome::kHang:
      return Verdict::fail(BugKind::kHang, result.message);
  }
  return Verdict::pass();
}

ExploreReport explore(const ProgramFactory& factory, const ExploreOptions& options,
                      Engine& engine) {
  ExploreReport report;
  const Clock::time_point start = Clock::now();
  std::unique_ptr<Strategy> strategy;
  if (options.strategy == StrategyKind::kPct) {
    // PCT needs k, the steps of an execution. It is taken from the sequential execution, which
    // depends only on the program, so any execution of the run replays alone by its seed.
    auto sequential = make_sequential_strategy();
    report.pct_steps = static_cast<std::uint32_t>(
        run_one(factory, *sequential, 0, engine, &report.actors).result.trace.size());
    strategy = make_pct_strategy(options.depth, report.pct_steps);
  } else {
    strategy = make_random_strategy();
  }
  for (std::uint64_t i = 0; i < options.executions && engine.usable(); ++i) {
    const std::uint64_t seed = execution_seed(options.seed, i);
    Judged judged = run_one(factory, *strategy, seed, engine, &report.actors);
    if (judged.result.outcome == Outcome::kStopped) {
      report.stopped = true;
      break;
    }
    count(report.stats, judged.result);
    if (!judged.verdict.passed() && !report.failure) {
      report.verdict = judged.verdict;
      report.failure = Failure{std::move(judged.verdict), i, seed, std::move(judged.result)};
    }
    if (report.failure && options.stop_at_first_bug) break;
  }
  report.stopped |= engine.stopped();
  report.stats.elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
  return report;
}

ExploreReport replay(const ProgramFactory& factory, std::vector<int> decisions, Engine& engine) {
  ExploreReport report;
  const Clock::time_point start = Clock::now();
  ReplayStrategy strategy(std::move(decisions));
  Judged judged = run_one(factory, strategy, 0, engine, &report.actors);
  count(report.stats, judged.result);
  report.stats.elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
  if (judged.result.outcome == Outcome::kDiverged) {
    report.error = judged.result.message;
  } else if (strategy.size() > judged.result.trace.size() &&
             judged.result.outcome == Outcome::kCompleted) {
    report.error = fmt::format(
        "diverged at step {}: the execution ended but the schedule has {} more decisions",
        judged.result.trace.size(), strategy.size() - judged.result.trace.size());
  }
  report.verdict = judged.verdict;
  if (!judged.verdict.passed()) {
    report.failure = Failure{judged.verdict, 0, 0, std::move(judged.result)};
  } else {
    report.failure = std::nullopt;
  }
  return report;
}

}  // namespace interleave
