#include "harness/explore/explore.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "fmt/format.h"
#include "harness/environment.h"
#include "harness/explore/shrink.h"
#include "harness/rng.h"
#include "harness/strategies/dependence.h"
#include "harness/strategies/replay.h"
#include "harness/strategies/strategy.h"

namespace interleave {
namespace {

using Clock = std::chrono::steady_clock;

// Executions in a row lost to worker processes killed from outside before the run gives up.
constexpr int kLostAttempts = 3;

// What one execution adds to the totals.
struct Counted {
  std::uint64_t steps = 0;
  std::uint64_t handoffs = 0;
  bool bug = false;
};

Counted counted_of(const Judged& judged) {
  return {judged.result.trace.size(), judged.result.handoffs, !judged.verdict.passed()};
}

// Recomputes the counting totals from the executions that count; elapsed time stays as measured.
template <typename Range>
void recount(RunStats& s, const Range& counted) {
  s.executions = s.steps = s.handoffs = s.bugs = 0;
  for (const Counted& c : counted) {
    ++s.executions;
    s.steps += c.steps;
    s.handoffs += c.handoffs;
    s.bugs += c.bug;
  }
}

// Adds one execution to the totals and reports progress.
void count_execution(RunStats& s, const Judged& judged, Clock::time_point start,
                     const ExploreOptions& options) {
  ++s.executions;
  s.steps += judged.result.trace.size();
  s.handoffs += judged.result.handoffs;
  s.bugs += !judged.verdict.passed();
  s.elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
  if (options.on_progress) options.on_progress(s);
}

const StrategyInfo& strategy_of(const ExploreOptions& options) {
  const StrategyInfo* info = find_strategy(options.strategy);
  if (info == nullptr) {
    throw std::invalid_argument(
        fmt::format("unknown strategy '{}' (known: {})", options.strategy, strategy_names()));
  }
  return *info;
}

StrategyOptions strategy_options(const ExploreOptions& options, const Engine& engine,
                                 std::uint32_t estimated_steps, Shard shard) {
  return StrategyOptions{.depth = options.depth,
                         .preemption_bound = options.preemption_bound,
                         .sleep_sets = options.sleep_sets,
                         .shard = shard,
                         .estimated_steps = estimated_steps,
                         .processes = engine.topology().processes_of_actors()};
}

// PCT needs k, the steps of an execution. It is taken from the sequential execution, which depends
// only on the program, so any execution of the run replays alone by its seed. Sets pct_steps.
void calibrate(const StrategyInfo& info, const ProgramFactory& factory, Engine& engine,
               ExploreReport& report) {
  if (!info.calibrated) return;
  auto sequential = make_sequential_strategy();
  report.pct_steps =
      static_cast<std::uint32_t>(run_judged(factory, *sequential, 0, engine).result.trace.size());
}

// The number of the n-th execution a shard runs: every count-th from its index.
std::uint64_t sampled_index(const Shard& shard, std::uint64_t n) {
  return shard.index + n * std::max<std::uint32_t>(shard.count, 1);
}

// Runs executions and keeps the report's counters; shared by every strategy.
class Runner {
 public:
  Runner(const ProgramFactory& factory, const ExploreOptions& options, Engine& engine,
         ExploreReport& report)
      : factory_(factory), options_(options), engine_(engine), report_(report) {}

  // Runs execution `start` under `strategy`, begun for it already, and counts it unless `count` is
  // false (the executions of shrinking). A failure's spans are kept only until one is reported
  // (only the reported execution needs them).
  Judged run(Strategy& strategy, const ExecutionStart& start, bool count = true) {
    if (options_.before_execution) {
      options_.before_execution(count ? "explore" : "shrink", count ? explored_++ : shrunk_++);
    }
    Judged judged = run_judged(factory_, strategy, start, engine_, !count || !report_.failure);
    if (judged.result.outcome == Outcome::kStopped) report_.stopped = true;
    if (count && !report_.stopped) count_execution(report_.stats, judged, start_, options_);
    return judged;
  }

  ExecutionStart start_of(std::uint64_t index) const {
    return {index, execution_seed(options_.seed, index), engine_.topology().actors()};
  }

  // True once a stop was requested (Ctrl-C) or the engine cannot go on.
  bool stopped() {
    report_.stopped |= engine_.stopped();
    return report_.stopped || !engine_.usable();
  }

  bool should_stop() {
    if (stopped()) return true;
    if (options_.time_limit && Clock::now() - start_ > *options_.time_limit) {
      report_.timed_out = true;
      return true;
    }
    return false;
  }

  // Records the first failure (shrinking it if asked).
  void fail(const Judged& found, std::uint64_t execution, std::uint64_t seed) {
    if (report_.failure) return;
    Judged judged = found;
    Failure f;
    f.execution = execution;
    f.execution_seed = seed;
    f.original_steps = judged.result.trace.size();
    f.original_preemptions = count_preemptions(judged.result.trace);
    if (options_.shrink && judged.result.outcome != Outcome::kHang) {
      const RunJudged rerun = [this](Strategy& s) { return run(s, start_of(0), false); };
      ShrinkOptions shrink{.processes = engine_.topology().processes_of_actors(),
                           .stopped = [this] { return stopped(); }};
      try {
        Shrunk shrunk = shrink_failure(judged, rerun, shrink);
        judged = std::move(shrunk.judged);
        f.shrink = shrunk.status;
        f.shrink_executions = shrunk.executions;
      } catch (const EnvironmentError& e) {
        report_.environment_error = e.what();
        f.shrink = ShrinkStatus::kEnvironment;
      } catch (const TestError& e) {
        report_.error = e.what();
        f.shrink = ShrinkStatus::kError;
      }
    }
    f.verdict = judged.verdict;
    f.preemptions = count_preemptions(judged.result.trace);
    f.result = std::move(judged.result);
    f.spans = std::move(judged.spans);
    report_.verdict = f.verdict;
    report_.failure = std::move(f);
  }

 private:
  const ProgramFactory& factory_;
  const ExploreOptions& options_;
  Engine& engine_;
  ExploreReport& report_;
  const Clock::time_point start_ = Clock::now();
  std::uint64_t explored_ = 0;  // executions started, per phase (for before_execution)
  std::uint64_t shrunk_ = 0;
};

// One engine, any strategy: executions in order until the strategy has none left, the budget is
// spent, a bug is found (unless the whole budget is wanted) or the run is stopped.
// A systematic search replays a prefix of an earlier execution: when the program does not follow
// it, the search cannot tell what it covered, so it ends with an error rather than a claim.
[[noreturn]] void throw_diverged(const ExecutionResult& result, std::uint64_t execution) {
  throw TestError(fmt::format(
      "execution {} of the search did not follow the schedule it replays ({}): the program is "
      "not deterministic under control (something escaped it?), so no exhaustion is claimed",
      execution + 1, result.message));
}

void explore_one(Runner& runner, const StrategyInfo& info, const ProgramFactory& factory,
                 const ExploreOptions& options, Engine& engine, ExploreReport& report) {
  calibrate(info, factory, engine, report);
  const Shard shard = options.shard;
  std::unique_ptr<Strategy> strategy = info.make(
      strategy_options(options, engine, report.pct_steps, info.systematic ? shard : Shard{}));
  for (std::uint64_t n = 0;; ++n) {
    const std::uint64_t index = info.systematic ? n : sampled_index(shard, n);
    if (info.systematic ? options.executions != 0 && n >= options.executions
                        : index >= options.executions) {
      break;
    }
    if (runner.should_stop()) break;
    const ExecutionStart start = runner.start_of(index);
    if (!strategy->begin_execution(start)) {
      report.exhausted = true;
      break;
    }
    const Judged judged = runner.run(*strategy, start);
    if (judged.result.outcome == Outcome::kDiverged) throw_diverged(judged.result, n);
    strategy->end_execution(judged.result);
    if (report.stopped) break;
    if (!info.systematic) report.executed.push_back(index);
    if (!judged.verdict.passed()) {
      runner.fail(judged, n, info.systematic ? 0 : start.seed);
      if (options.stop_at_first_bug) break;
    }
  }
}

// The errors of the threads of a multi-engine run: the first exception one throws is kept (instead
// of ending the process) and the others are told to stop.
class ThreadErrors {
 public:
  template <typename Work>
  std::thread start(Work work) {
    return std::thread([this, work = std::move(work)]() mutable {
      try {
        work();
      } catch (...) {
        std::lock_guard lock(mu_);
        if (!first_) first_ = std::current_exception();
        failed_.store(true);
      }
    });
  }
  bool failed() const { return failed_.load(); }
  // After every thread joined: rethrows the first error (explore() records an EnvironmentError).
  void rethrow() const {
    if (first_) std::rethrow_exception(first_);
  }

 private:
  std::mutex mu_;
  std::exception_ptr first_;
  std::atomic<bool> failed_{false};
};

// A sampling strategy on one thread per engine. Executions are dealt out by index; once a failure
// is known, indices above it are not started, and the lowest failing index wins. Every index below
// it runs to its end, so the executions reported (those up to the failing index) and their counts
// do not depend on timing; the ones above it that happened to finish are not counted.
void explore_sampled_parallel(Runner& runner, const StrategyInfo& info,
                              const ProgramFactory& factory, const ExploreOptions& options,
                              std::span<Engine* const> engines, ExploreReport& report) {
  calibrate(info, factory, *engines.front(), report);
  std::atomic<std::uint64_t> next{0};
  std::atomic<std::uint64_t> lowest_failing{UINT64_MAX};
  std::mutex mu;  // guards report, `found` and `counted`
  std::optional<std::pair<std::uint64_t, Judged>> found;
  std::map<std::uint64_t, Counted> counted;  // by execution index
  const auto start = Clock::now();
  ThreadErrors errors;
  auto work = [&](Engine& engine) {
    auto strategy = info.make(strategy_options(options, engine, report.pct_steps, Shard{}));
    for (;;) {
      const std::uint64_t i = sampled_index(options.shard, next.fetch_add(1));
      if (i >= options.executions || errors.failed()) return;
      if (options.stop_at_first_bug && i > lowest_failing.load()) return;
      if (!engine.usable()) return;
      if (options.time_limit && Clock::now() - start > *options.time_limit) return;
      if (options.before_execution) {
        std::lock_guard lock(mu);
        options.before_execution("explore", i);
      }
      const ExecutionStart at{i, execution_seed(options.seed, i), engine.topology().actors()};
      strategy->begin_execution(at);
      Judged judged = run_judged(factory, *strategy, at, engine);
      strategy->end_execution(judged.result);
      std::lock_guard lock(mu);
      if (judged.result.outcome == Outcome::kStopped) return;
      counted[i] = counted_of(judged);
      count_execution(report.stats, judged, start, options);
      if (!judged.verdict.passed() && (!found || i < found->first)) {
        found.emplace(i, std::move(judged));
        lowest_failing = i;
      }
    }
  };
  std::vector<std::thread> threads;
  for (Engine* engine : engines)
    threads.push_back(errors.start([&work, engine] { work(*engine); }));
  for (std::thread& t : threads) t.join();
  if (found && options.stop_at_first_bug) {
    counted.erase(counted.upper_bound(found->first), counted.end());
  }
  std::vector<Counted> kept;
  for (const auto& [index, c] : counted) {
    report.executed.push_back(index);
    kept.push_back(c);
  }
  recount(report.stats, kept);
  report.timed_out = options.time_limit && Clock::now() - start > *options.time_limit;
  if (found) runner.fail(found->second, found->first, execution_seed(options.seed, found->first));
  errors.rethrow();
}

// A systematic strategy on one thread per engine. Engine j searches part j of the campaign's shard
// I/N: the subtrees dealt to shard I + N*j of N*J, so the parts together search exactly shard I/N.
// Each part stops at its first failure, parts above a failing one are cancelled, and the failure
// reported is that of the lowest failing part: for a given number of engines it does not depend on
// timing.
void explore_systematic_parallel(Runner& runner, const StrategyInfo& info,
                                 const ProgramFactory& factory, const ExploreOptions& options,
                                 std::span<Engine* const> engines, ExploreReport& report) {
  const auto parts = static_cast<std::uint32_t>(engines.size());
  const Shard whole{options.shard.index, std::max<std::uint32_t>(options.shard.count, 1)};
  std::mutex mu;  // guards report and `found`
  std::vector<std::optional<std::pair<std::uint64_t, Judged>>> found(parts);
  std::vector<char> exhausted(parts, 0);
  std::vector<std::vector<Counted>> counted(parts);  // per part, in order
  std::atomic<std::uint32_t> lowest_failing{parts};
  std::atomic<bool> out_of_time{false};
  ThreadErrors errors;
  const auto start = Clock::now();
  auto work = [&](std::uint32_t part) {
    Engine& engine = *engines[part];
    const Shard mine{whole.index + whole.count * part, whole.count * parts};
    auto strategy = info.make(strategy_options(options, engine, 0, mine));
    // The budget is dealt out to the parts, so that each part's search does not depend on timing.
    const std::uint64_t budget =
        options.executions == 0
            ? 0
            : options.executions / parts + (part < options.executions % parts ? 1 : 0);
    if (options.executions != 0 && budget == 0) return;
    for (std::uint64_t index = 0; budget == 0 || index < budget; ++index) {
      if (lowest_failing.load() < part || !engine.usable() || errors.failed()) return;
      if (options.time_limit && Clock::now() - start > *options.time_limit) out_of_time = true;
      if (out_of_time.load()) return;
      if (options.before_execution) {
        std::lock_guard lock(mu);
        options.before_execution("explore", index);
      }
      const ExecutionStart at{index, 0, engine.topology().actors()};
      if (!strategy->begin_execution(at)) {
        exhausted[part] = 1;
        return;
      }
      Judged judged = run_judged(factory, *strategy, at, engine);
      if (judged.result.outcome == Outcome::kDiverged) throw_diverged(judged.result, index);
      strategy->end_execution(judged.result);
      std::lock_guard lock(mu);
      if (judged.result.outcome == Outcome::kStopped) return;
      count_execution(report.stats, judged, start, options);
      counted[part].push_back(counted_of(judged));
      if (!judged.verdict.passed() && !found[part]) {
        found[part].emplace(index, std::move(judged));
        if (options.stop_at_first_bug) {
          lowest_failing = std::min(lowest_failing.load(), part);  // written under `mu` only
          return;
        }
      }
    }
  };
  std::vector<std::thread> threads;
  for (std::uint32_t part = 0; part < parts; ++part) {
    threads.push_back(errors.start([&work, part] { work(part); }));
  }
  for (std::thread& t : threads) t.join();
  report.timed_out = out_of_time.load();
  report.exhausted = std::all_of(exhausted.begin(), exhausted.end(), [](char e) { return e != 0; });
  // The parts below the lowest failing one ran to their end and the failing one to its failure;
  // the ones above it were cancelled at a moment that depends on timing, so they are not counted.
  const std::uint32_t counted_parts =
      options.stop_at_first_bug ? std::min(lowest_failing.load() + 1, parts) : parts;
  std::vector<Counted> kept;
  for (std::uint32_t part = 0; part < counted_parts; ++part) {
    kept.insert(kept.end(), counted[part].begin(), counted[part].end());
  }
  recount(report.stats, kept);
  for (std::uint32_t part = 0; part < parts; ++part) {
    if (!found[part]) continue;
    runner.fail(found[part]->second, found[part]->first, 0);
    report.failure->part = part;
    report.exhausted = report.exhausted && !options.stop_at_first_bug;
    break;
  }
  errors.rethrow();
}

// The verdict on one finished execution of `program` (and, when it failed and `spans`, its
// operations as spans).
Judged judge(Program& program, ExecutionResult result, Engine& engine, bool spans_wanted) {
  if (result.outcome != Outcome::kStopped) program.check_environment(engine.scratch());
  Verdict verdict = verdict_of_outcome(result);
  if (result.outcome == Outcome::kCompleted || result.outcome == Outcome::kCrashed) {
    verdict = program.judge(result, engine.scratch());
  } else if (!verdict.passed()) {
    verdict = program.judge_incomplete(result, std::move(verdict));
  }
  std::vector<Span> spans;
  if (!verdict.passed() && spans_wanted) spans = program.spans(engine.scratch());
  return {std::move(verdict), std::move(result), std::move(spans)};
}

}  // namespace

Judged run_judged(const ProgramFactory& factory, Strategy& strategy, const ExecutionStart& start,
                  Engine& engine, bool spans) {
  const auto stopped = [] {
    Judged judged;
    judged.result.outcome = Outcome::kStopped;
    judged.result.message = "stopped on request";
    return judged;
  };
  for (int attempt = 1;; ++attempt) {
    std::unique_ptr<Program> program;
    try {
      program = factory();
    } catch (const ExecutionStopped&) {
      return stopped();
    }
    if (attempt > 1) strategy.begin_execution(start);
    ExecutionResult result = engine.run(*program, strategy);
    if (result.outcome != Outcome::kLost) {
      try {
        return judge(*program, std::move(result), engine, spans);
      } catch (const ExecutionStopped&) {
        return stopped();
      }
    }
    if (attempt == kLostAttempts) {
      throw EnvironmentError::described(
          fmt::format("{}, in {} executions in a row: worker processes are being killed from "
                      "outside (the OOM killer?)",
                      result.message, kLostAttempts),
          0);
    }
  }
}

Judged run_judged(const ProgramFactory& factory, Strategy& strategy, std::uint64_t seed,
                  Engine& engine) {
  const ExecutionStart start{0, seed, engine.topology().actors()};
  strategy.begin_execution(start);
  return run_judged(factory, strategy, start, engine);
}

Verdict verdict_of_outcome(const ExecutionResult& result) {
  switch (result.outcome) {
    case Outcome::kCompleted:
    case Outcome::kCrashed:  // judged by the program, after recovery
    case Outcome::kDiverged:
    case Outcome::kStopped:
    case Outcome::kLost:
      return Verdict::pass();
    case Outcome::kDeadlock:
      return Verdict::fail(BugKind::kDeadlock, result.message);
    case Outcome::kCrash:
      return Verdict::fail(BugKind::kCrash, result.message);
    case Outcome::kBlockedLoop:
      return Verdict::fail(BugKind::kBlockedLoop, result.message);
    case Outcome::kStepLimit:
    case Outcome::kHang:
      return Verdict::fail(BugKind::kHang, result.message);
  }
  return Verdict::pass();
}

ExploreReport explore(const ProgramFactory& factory, const ExploreOptions& options,
                      Engine& engine) {
  Engine* const engines[] = {&engine};
  return explore(factory, options, engines);
}

ExploreReport explore(const ProgramFactory& factory, const ExploreOptions& options,
                      std::span<Engine* const> engines) {
  const StrategyInfo& info = strategy_of(options);
  ExploreReport report;
  report.actors = engines.front()->topology().actors();
  Engine& first = *engines.front();
  Runner runner(factory, options, first, report);
  try {
    if (engines.size() == 1) {
      explore_one(runner, info, factory, options, first, report);
    } else if (info.systematic) {
      explore_systematic_parallel(runner, info, factory, options, engines, report);
    } else {
      explore_sampled_parallel(runner, info, factory, options, engines, report);
    }
  } catch (const EnvironmentError& e) {
    // A failure recorded before stands; what could not be run says nothing about the store.
    report.environment_error = e.what();
    report.exhausted = false;
  } catch (const TestError& e) {
    report.error = e.what();
    report.exhausted = false;
  }
  report.stopped |= first.stopped();
  return report;
}

ExploreReport replay(const ProgramFactory& factory, std::vector<int> decisions, Engine& engine) {
  ExploreReport report;
  report.actors = engine.topology().actors();
  const Clock::time_point start = Clock::now();
  ReplayStrategy strategy(std::move(decisions));
  Judged judged;
  try {
    judged = run_judged(factory, strategy, 0, engine);
  } catch (const EnvironmentError& e) {
    report.environment_error = e.what();
    return report;
  } catch (const TestError& e) {
    report.error = e.what();
    return report;
  }
  report.stats.executions = 1;
  report.stats.steps = judged.result.trace.size();
  report.stats.handoffs = judged.result.handoffs;
  report.stats.elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
  if (judged.result.outcome == Outcome::kDiverged) {
    report.error = judged.result.message;
  } else if (strategy.size() > judged.result.trace.size() &&
             judged.result.outcome != Outcome::kStopped) {
    // Every execution that ended, on a verdict or not, used all of its token's decisions.
    report.error = fmt::format(
        "diverged at step {}: the execution ended but the schedule has {} more decisions",
        judged.result.trace.size(), strategy.size() - judged.result.trace.size());
  }
  report.stopped = judged.result.outcome == Outcome::kStopped;
  if (report.error) return report;  // a token that does not fit the program judges nothing
  report.verdict = judged.verdict;
  if (!judged.verdict.passed()) {
    Failure f;
    f.verdict = judged.verdict;
    f.preemptions = count_preemptions(judged.result.trace);
    f.original_steps = judged.result.trace.size();
    f.original_preemptions = f.preemptions;
    f.result = std::move(judged.result);
    f.spans = std::move(judged.spans);
    report.failure = std::move(f);
  }
  return report;
}

PctRisk pct_risk(int actors, std::uint32_t steps, int depth, std::uint64_t executions) {
  PctRisk risk;
  risk.per_execution =
      1.0 / (actors * std::pow(static_cast<double>(std::max(steps, 1u)), depth - 1));
  risk.miss = std::pow(1.0 - risk.per_execution, static_cast<double>(executions));
  return risk;
}

}  // namespace interleave
