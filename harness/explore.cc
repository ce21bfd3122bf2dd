#include "harness/explore.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <thread>

#include "fmt/format.h"
#include "harness/dependence.h"
#include "harness/environment.h"
#include "harness/replay_strategy.h"
#include "harness/rng.h"
#include "harness/shrink.h"
#include "harness/strategy.h"

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

// PCT needs k, the steps of an execution. It is taken from the sequential execution, which depends
// only on the program, so any execution of the run replays alone by its seed. Sets pct_steps.
void calibrate_pct(const ProgramFactory& factory, const ExploreOptions& options, Engine& engine,
                   ExploreReport& report) {
  if (options.strategy != StrategyKind::kPct) return;
  auto sequential = make_sequential_strategy();
  report.pct_steps = static_cast<std::uint32_t>(
      run_judged(factory, *sequential, 0, engine, &report.actors).result.trace.size());
}

// Runs executions and keeps the report's counters; shared by every strategy.
class Runner {
 public:
  Runner(const ProgramFactory& factory, const ExploreOptions& options, Engine& engine,
         ExploreReport& report)
      : factory_(factory), options_(options), engine_(engine), report_(report) {}

  Judged run(Strategy& strategy, std::uint64_t seed, bool count = true) {
    if (options_.before_execution) {
      options_.before_execution(count ? "explore" : "shrink", count ? explored_++ : shrunk_++);
    }
    Judged judged = run_judged(factory_, strategy, seed, engine_, &report_.actors);
    if (judged.result.outcome == Outcome::kStopped) report_.stopped = true;
    if (count && !report_.stopped) count_execution(report_.stats, judged, start_, options_);
    return judged;
  }

  // True once a stop was requested (Ctrl-C) or the engine cannot go on.
  bool stopped() {
    report_.stopped |= engine_.stopped();
    return report_.stopped || !engine_.usable();
  }

  bool should_stop() {
    if (report_.stopped || !engine_.usable()) {
      report_.stopped |= engine_.stopped();
      return true;
    }
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
      const RunJudged rerun = [this](Strategy& s) { return run(s, 0, false); };
      ShrinkOptions shrink{.processes = processes(), .stopped = [this] { return stopped(); }};
      try {
        Shrunk shrunk = shrink_failure(judged, rerun, shrink);
        judged = std::move(shrunk.judged);
        f.shrink = shrunk.status;
        f.shrink_executions = shrunk.executions;
      } catch (const EnvironmentError& e) {
        report_.environment_error = e.what();
        f.shrink = ShrinkStatus::kEnvironment;
      }
    }
    f.verdict = judged.verdict;
    f.preemptions = count_preemptions(judged.result.trace);
    f.result = std::move(judged.result);
    f.spans = std::move(judged.spans);
    report_.verdict = f.verdict;
    report_.failure = std::move(f);
  }

  std::vector<int> processes() const {
    const Topology t = engine_.topology();
    std::vector<int> out;
    for (int a = 0; a < t.actors(); ++a)
      out.push_back(t.in_process ? 0 : a / t.threads_per_process);
    return out;
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

std::unique_ptr<Strategy> make_sampling_strategy(const ExploreOptions& options,
                                                 std::uint32_t pct_steps) {
  if (options.strategy == StrategyKind::kPct) return make_pct_strategy(options.depth, pct_steps);
  return make_random_strategy();
}

void explore_sampled(Runner& runner, const ProgramFactory& factory, const ExploreOptions& options,
                     Engine& engine, ExploreReport& report) {
  calibrate_pct(factory, options, engine, report);
  std::unique_ptr<Strategy> strategy = make_sampling_strategy(options, report.pct_steps);
  const std::uint32_t shards = std::max<std::uint32_t>(options.shard.count, 1);
  for (std::uint64_t i = options.shard.index; i < options.executions; i += shards) {
    if (runner.should_stop()) break;
    const std::uint64_t seed = execution_seed(options.seed, i);
    Judged judged = runner.run(*strategy, seed);
    if (report.stopped) break;
    report.executed.push_back(i);
    if (!judged.verdict.passed()) runner.fail(judged, i, seed);
    if (report.failure && options.stop_at_first_bug) break;
  }
}

// Random or PCT on one thread per engine. Executions are dealt out by index; once a failure is
// known, indices above it are not started, and the lowest failing index wins. Every index below it
// runs to its end, so the executions reported (those up to the failing index) and their counts do
// not depend on timing; the ones above it that happened to finish are not counted.
void explore_parallel(Runner& runner, const ProgramFactory& factory, const ExploreOptions& options,
                      std::span<Engine* const> engines, ExploreReport& report) {
  calibrate_pct(factory, options, *engines.front(), report);
  const std::uint32_t shards = std::max<std::uint32_t>(options.shard.count, 1);
  std::atomic<std::uint64_t> next{options.shard.index};
  std::atomic<std::uint64_t> lowest_failing{UINT64_MAX};
  std::mutex mu;  // guards report and `found`
  std::optional<std::pair<std::uint64_t, Judged>> found;
  std::map<std::uint64_t, Counted> counted;  // by execution index
  const auto start = Clock::now();
  ThreadErrors errors;
  auto work = [&](Engine& engine) {
    auto strategy = make_sampling_strategy(options, report.pct_steps);
    int actors = 0;
    for (;;) {
      const std::uint64_t i = next.fetch_add(shards);
      if (i >= options.executions || errors.failed()) return;
      if (options.stop_at_first_bug && i > lowest_failing.load()) return;
      if (!engine.usable()) return;
      if (options.time_limit && Clock::now() - start > *options.time_limit) return;
      if (options.before_execution) {
        std::lock_guard lock(mu);
        options.before_execution("explore", i);
      }
      Judged judged =
          run_judged(factory, *strategy, execution_seed(options.seed, i), engine, &actors);
      std::lock_guard lock(mu);
      if (judged.result.outcome == Outcome::kStopped) return;
      report.actors = actors;
      counted[i] =
          Counted{judged.result.trace.size(), judged.result.handoffs, !judged.verdict.passed()};
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
  if (found && options.stop_at_first_bug)
    counted.erase(counted.upper_bound(found->first), counted.end());
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

SystematicOptions systematic_options(const ExploreOptions& options, std::vector<int> processes) {
  SystematicOptions sys;
  sys.dpor = options.strategy == StrategyKind::kDpor;
  sys.preemption_bound = options.preemption_bound;
  sys.sleep_sets = options.sleep_sets;
  sys.max_executions = options.executions;
  sys.shard = options.shard;
  sys.processes = std::move(processes);
  return sys;
}

void explore_exhaustively(Runner& runner, const ExploreOptions& options, ExploreReport& report) {
  SystematicOptions sys = systematic_options(options, runner.processes());
  sys.should_stop = [&] { return runner.should_stop(); };
  std::optional<Judged> last;
  std::uint64_t index = 0;
  const SystematicReport result = explore_systematic(sys, [&](Strategy& strategy) -> const Trace* {
    last = runner.run(strategy, 0);
    if (report.stopped) return nullptr;
    if (!last->verdict.passed()) {
      runner.fail(*last, index, 0);
      if (options.stop_at_first_bug) return nullptr;
    }
    ++index;
    return &last->result.trace;
  });
  report.exhausted = result.exhausted && !report.stopped;
}

// DFS or DPOR on one thread per engine. Engine j searches part j of the campaign's shard I/N: the
// subtrees dealt to shard I + N*j of N*J, so the parts together search exactly shard I/N. Each part
// stops at its first failure, parts above a failing one are cancelled, and the failure reported is
// that of the lowest failing part: for a given number of engines it does not depend on timing.
void explore_exhaustively_parallel(Runner& runner, const ProgramFactory& factory,
                                   const ExploreOptions& options, std::span<Engine* const> engines,
                                   ExploreReport& report) {
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
    SystematicOptions sys = systematic_options(options, runner.processes());
    sys.shard = Shard{whole.index + whole.count * part, whole.count * parts};
    // The budget is dealt out to the parts, so that each part's search does not depend on timing.
    sys.max_executions = options.executions == 0 ? 0
                                                 : options.executions / parts +
                                                       (part < options.executions % parts ? 1 : 0);
    if (options.executions != 0 && sys.max_executions == 0) return;
    sys.should_stop = [&] {
      if (lowest_failing.load() < part || !engine.usable() || errors.failed()) return true;
      if (options.time_limit && Clock::now() - start > *options.time_limit) out_of_time = true;
      return out_of_time.load();
    };
    std::uint64_t index = 0;
    std::optional<Judged> last;
    int actors = 0;
    const SystematicReport result = explore_systematic(sys, [&](Strategy& s) -> const Trace* {
      if (options.before_execution) {
        std::lock_guard lock(mu);
        options.before_execution("explore", index);
      }
      last = run_judged(factory, s, 0, engine, &actors);
      std::lock_guard lock(mu);
      if (last->result.outcome == Outcome::kStopped) return nullptr;
      report.actors = actors;
      count_execution(report.stats, *last, start, options);
      counted[part].push_back(
          Counted{last->result.trace.size(), last->result.handoffs, !last->verdict.passed()});
      if (!last->verdict.passed() && !found[part]) {
        found[part].emplace(index, *last);
        if (options.stop_at_first_bug) {
          lowest_failing = std::min(lowest_failing.load(), part);  // written under `mu` only
          return nullptr;
        }
      }
      ++index;
      return &last->result.trace;
    });
    exhausted[part] = result.exhausted;
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

// The verdict on one finished execution of `program`.
Judged judge(Program& program, ExecutionResult result, Engine& engine) {
  Verdict verdict = verdict_of_outcome(result);
  if (result.outcome == Outcome::kCompleted) verdict = program.judge(result, engine.scratch());
  std::vector<Span> spans;
  if (!verdict.passed()) spans = program.spans(engine.scratch());
  return {std::move(verdict), std::move(result), std::move(spans)};
}

}  // namespace

Judged run_judged(const ProgramFactory& factory, Strategy& strategy, std::uint64_t seed,
                  Engine& engine, int* actors) {
  for (int attempt = 1;; ++attempt) {
    std::unique_ptr<Program> program = factory();
    *actors = program->topology().actors();
    strategy.begin_execution(seed, *actors);
    ExecutionResult result = engine.run(*program, strategy);
    if (result.outcome != Outcome::kLost) return judge(*program, std::move(result), engine);
    if (attempt == kLostAttempts) {
      throw EnvironmentError::described(
          fmt::format("{}, in {} executions in a row: worker processes are being killed from "
                      "outside (the OOM killer?)",
                      result.message, kLostAttempts),
          0);
    }
  }
}

std::string_view to_string(StrategyKind kind) {
  switch (kind) {
    case StrategyKind::kRandom:
      return "random";
    case StrategyKind::kPct:
      return "pct";
    case StrategyKind::kDfs:
      return "dfs";
    case StrategyKind::kDpor:
      return "dpor";
  }
  return "?";
}

std::optional<StrategyKind> parse_strategy(std::string_view name) {
  for (StrategyKind k :
       {StrategyKind::kRandom, StrategyKind::kPct, StrategyKind::kDfs, StrategyKind::kDpor}) {
    if (to_string(k) == name) return k;
  }
  return std::nullopt;
}

bool is_systematic(StrategyKind kind) {
  return kind == StrategyKind::kDfs || kind == StrategyKind::kDpor;
}

Verdict verdict_of_outcome(const ExecutionResult& result) {
  switch (result.outcome) {
    case Outcome::kCompleted:
    case Outcome::kDiverged:
    case Outcome::kStopped:
    case Outcome::kLost:
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
  Engine* const engines[] = {&engine};
  return explore(factory, options, engines);
}

ExploreReport explore(const ProgramFactory& factory, const ExploreOptions& options,
                      std::span<Engine* const> engines) {
  ExploreReport report;
  Engine& first = *engines.front();
  Runner runner(factory, options, first, report);
  try {
    if (is_systematic(options.strategy) && engines.size() == 1) {
      explore_exhaustively(runner, options, report);
    } else if (is_systematic(options.strategy)) {
      explore_exhaustively_parallel(runner, factory, options, engines, report);
    } else if (engines.size() == 1) {
      explore_sampled(runner, factory, options, first, report);
    } else {
      explore_parallel(runner, factory, options, engines, report);
    }
  } catch (const EnvironmentError& e) {
    // A failure recorded before stands; what could not be run says nothing about the store.
    report.environment_error = e.what();
    report.exhausted = false;
  }
  report.stopped |= first.stopped();
  return report;
}

ExploreReport replay(const ProgramFactory& factory, std::vector<int> decisions, Engine& engine) {
  ExploreReport report;
  const Clock::time_point start = Clock::now();
  ReplayStrategy strategy(std::move(decisions));
  Judged judged;
  try {
    judged = run_judged(factory, strategy, 0, engine, &report.actors);
  } catch (const EnvironmentError& e) {
    report.environment_error = e.what();
    return report;
  }
  report.stats.executions = 1;
  report.stats.steps = judged.result.trace.size();
  report.stats.handoffs = judged.result.handoffs;
  report.stats.elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
  if (judged.result.outcome == Outcome::kDiverged) {
    report.error = judged.result.message;
  } else if (strategy.size() > judged.result.trace.size() &&
             judged.result.outcome == Outcome::kCompleted) {
    report.error = fmt::format(
        "diverged at step {}: the execution ended but the schedule has {} more decisions",
        judged.result.trace.size(), strategy.size() - judged.result.trace.size());
  }
  report.stopped = judged.result.outcome == Outcome::kStopped;
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
