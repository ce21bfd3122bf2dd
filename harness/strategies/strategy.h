// harness/strategies/: how decisions are made, one strategy per file (random, pct, dfs, dpor,
// sequential, replay) behind the interface below, registered by one line each in strategies.def,
// with the schedule tree the systematic ones share (systematic.h) and what DPOR takes to commute
// (dependence.h). Includes only the vocabulary at the top of harness/.
//
// The strategy interface: how the scheduler decides which actor runs next.
//
// A strategy sees only actor ids; it knows nothing about stores or scenarios. It is an ordinary
// object of the harness process: it may use the heap and keep what it learns from one execution
// for the next (DFS and DPOR compute their next schedule from the last trace). The scheduler loop
// is its only caller (harness/scheduler/scheduler.h): actors in any process only post their steps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace interleave {

inline constexpr int kNoActor = -1;

struct ExecutionResult;

struct DecisionPoint {
  std::uint32_t step = 0;         // index of this decision within the execution
  int current = kNoActor;         // the actor that reached the yield point (kNoActor at the start)
  bool current_runnable = false;  // false when `current` just blocked or finished
  std::span<const int> runnable;  // ascending actor ids; never empty
  // When a crash is offered (Limits::crashes): the first id that chooses one; the crash choices
  // are the entries of `runnable` from it on, all past the last actor. kNoActor otherwise. They
  // are not actors. In one process (threads mode), or when a crash is a power loss
  // (Limits::crash_stops_every_process), there is one, the number of actors: it crashes the
  // execution here (every actor stops where it is). Else, with a process per actor (processes
  // mode), actors + a crashes actor a's process alone (it restarts and recovers).
  int crash = kNoActor;

  // The runnable actors, without the crash choices.
  std::span<const int> actors() const {
    if (crash == kNoActor) return runnable;
    std::size_t n = 0;
    while (n < runnable.size() && runnable[n] < crash) ++n;
    return runnable.first(n);
  }
};

// Strategies that sample (random, PCT) crash at one step drawn uniformly in [0, horizon) from a
// stream of their own (so that runs without crashes draw exactly as before): a given crash point
// at step s < horizon, reached by a schedule the strategy runs with probability q, is found with
// probability q / horizon per execution.
// A later crash of the same execution (--crashes 2 and more) comes at a step drawn uniformly among
// the kNextCrashHorizon steps after the previous one (so that a restarted process's recovery, a few
// steps long, is crashed with probability about recovery steps / 16 / processes).
inline constexpr std::uint32_t kRandomCrashHorizon = 128;
inline constexpr std::uint32_t kNextCrashHorizon = 16;

// Which execution of a run is about to start.
struct ExecutionStart {
  std::uint64_t index = 0;  // its number within the run, from 0
  std::uint64_t seed = 0;   // its own seed (derived from the run's seed and the index)
  int actors = 0;
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  // Prepares an execution. Returns false when there is nothing left to run (a systematic search is
  // exhausted): the execution is then not run. May be called again for the same execution without
  // end_execution() in between (an execution lost to a worker killed from outside is run again):
  // it must then make the same decisions again.
  virtual bool begin_execution(const ExecutionStart& start) = 0;
  // Returns one of `point.runnable`, or kNoActor when the strategy cannot decide (a replayed
  // schedule that has run out); any other answer is reported as a divergence by the scheduler.
  virtual int pick(const DecisionPoint& point) = 0;
  // After an execution that ran to its end (or to a verdict), with its trace.
  virtual void end_execution(const ExecutionResult& result) {}

  // begin_execution() for execution 0 of a run, with this seed (tests and one-off runs).
  void begin(std::uint64_t seed, int actors) { begin_execution({0, seed, actors}); }
};

// One disjoint part of a campaign: index in [0, count).
struct Shard {
  std::uint32_t index = 0;
  std::uint32_t count = 1;
};

// What a strategy may be configured with; each strategy reads what applies to it and rejects the
// rest (StrategyInfo::check).
struct StrategyOptions {
  std::optional<int> depth;             // PCT: the bug depth (default 3)
  std::optional<int> preemption_bound;  // DFS: at most this many preemptions, bound by bound
  // DFS, DPOR: false runs every interleaving, even reorderings of independent steps (a slow
  // reference that checks the reductions).
  bool sleep_sets = true;
  Shard shard;                        // DFS, DPOR: the subtrees this part searches
  std::uint32_t estimated_steps = 0;  // PCT: k, the steps of the sequential execution
  std::vector<int> processes;         // the process of each actor (which objects it shares)
};

// A strategy as the command line and the explorer know it.
struct StrategyInfo {
  std::string_view name;
  std::string_view summary;  // one line for `interleave list`
  // Enumerates schedules until the space is exhausted (DFS, DPOR): no seed, every execution
  // depends on the ones before it; shards split its tree. Otherwise every execution follows from
  // its own seed alone, and shards take every n-th execution.
  bool systematic = false;
  // Needs StrategyOptions::estimated_steps (the explorer measures a sequential execution).
  bool calibrated = false;
  // The reason `options` do not apply, or nullopt.
  std::function<std::optional<std::string>(const StrategyOptions&)> check;
  std::function<std::unique_ptr<Strategy>(const StrategyOptions&)> make;
};

// Every strategy, in the order `interleave list` shows them (harness/strategies/strategies.cc).
std::span<const StrategyInfo* const> all_strategies();
const StrategyInfo* find_strategy(std::string_view name);
// "random, pct, dfs, dpor".
std::string strategy_names();

// Uniform random choice among the runnable actors at every decision.
std::unique_ptr<Strategy> make_random_strategy();
// PCT with bug depth `depth` (in [1, kMaxPctDepth]) and an estimate of the steps per execution.
inline constexpr int kMaxPctDepth = 16;
std::unique_ptr<Strategy> make_pct_strategy(int depth, std::uint32_t estimated_steps);
// Runs the current actor for as long as it can, then the lowest runnable one: the execution in
// which actors run one after another. Used to calibrate PCT and as a sequential reference.
std::unique_ptr<Strategy> make_sequential_strategy();

}  // namespace interleave
