// Executions and seconds to the first bug, interleave against an uncontrolled stress loop.
//
// For each scenario on `unlocked` (threads mode, 2 actors x 2 ops): every strategy of interleave
// until the first bug (unshrunk), and a stress loop that runs the same program on free threads (no
// scheduler attached: yield points do nothing) execution after execution, judged by the same
// oracle, until its first bug or its budget. Both are averaged over kTrials trials: random and PCT
// from seeds 1..kTrials, the stress loop kTrials times (DFS and DPOR do not depend on a seed and
// run once). Prints one table; the ratios go in the README.
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "harness/engine.h"
#include "harness/explore.h"
#include "scenarios/program.h"
#include "scenarios/registry.h"

namespace interleave {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kTrials = 10;
constexpr std::uint64_t kStressBudget = 20'000;  // per trial
constexpr double kStressSeconds = 10.0;          // per trial

struct ToBug {
  std::uint64_t executions = 0;
  double seconds = 0;
  bool found = false;
};

// Means over trials; `found` only if every trial found the bug.
struct MeanToBug {
  double executions = 0;
  double seconds = 0;
  bool found = true;
  int trials = 0;

  void add(const ToBug& one) {
    executions += static_cast<double>(one.executions);
    seconds += one.seconds;
    found &= one.found;
    ++trials;
  }
  MeanToBug mean() const { return {executions / trials, seconds / trials, found, trials}; }
};

ToBug with_interleave(Engine& engine, const scenarios::Target& target, StrategyKind kind,
                      std::uint64_t seed) {
  const auto start = Clock::now();
  const ExploreReport report = explore(scenarios::factory_for(target),
                                       {.strategy = kind,
                                        .seed = seed,
                                        .executions = is_systematic(kind) ? 0u : 100'000u,
                                        .shrink = false},
                                       engine);
  return {report.failure ? report.failure->execution + 1 : report.stats.executions,
          std::chrono::duration<double>(Clock::now() - start).count(), report.failure.has_value()};
}

// The same program on free-running threads: the actors of one execution start together.
ToBug with_stress(const scenarios::Target& target) {
  std::vector<std::uint64_t> buffer((8u << 20) / sizeof(std::uint64_t));
  const std::span<std::byte> scratch(reinterpret_cast<std::byte*>(buffer.data()),
                                     buffer.size() * sizeof(std::uint64_t));
  const InstanceFactory instances = scenarios::scenario_instances();
  const auto start = Clock::now();
  ToBug result;
  while (result.executions < kStressBudget &&
         std::chrono::duration<double>(Clock::now() - start).count() < kStressSeconds) {
    scenarios::ScenarioProgram program(target);
    program.begin(scratch);
    auto instance = instances(program.spec(), 0, scratch);
    std::atomic<int> ready{0};
    std::vector<std::thread> actors;
    for (int a = 0; a < target.sizes.actors; ++a) {
      actors.emplace_back([&, a] {
        ++ready;
        while (ready.load() < target.sizes.actors) {
        }
        instance->body(a);
      });
    }
    for (std::thread& t : actors) t.join();
    instance.reset();
    ++result.executions;
    if (!program.judge(ExecutionResult{}, scratch).passed()) {
      result.found = true;
      break;
    }
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

}  // namespace
}  // namespace interleave

int main() {
  using namespace interleave;
  std::printf("means over %d trials (dfs and dpor: one run; they do not depend on the seed)\n",
              kTrials);
  std::printf("%-18s %-7s %12s %10s | %13s %10s | %s\n", "scenario", "strategy", "executions",
              "seconds", "stress execs", "seconds", "ratio (stress / interleave executions)");
  for (const scenarios::Scenario* s :
       {&scenarios::lost_update_scenario(), &scenarios::duplicate_offsets_scenario(),
        &scenarios::torn_read_scenario()}) {
    const scenarios::Target target{s, store::Variant::kUnlocked, scenarios::Mode::kThreads,
                                   scenarios::Sizes{2, 2, 1}};
    MeanToBug stress_sum;
    for (int trial = 0; trial < kTrials; ++trial) stress_sum.add(with_stress(target));
    const MeanToBug stress = stress_sum.mean();
    Engine engine(scenarios::topology_of(target.mode, target.sizes),
                  scenarios::scenario_instances());
    for (StrategyKind kind :
         {StrategyKind::kRandom, StrategyKind::kPct, StrategyKind::kDfs, StrategyKind::kDpor}) {
      MeanToBug ours_sum;
      const int trials = is_systematic(kind) ? 1 : kTrials;
      for (int trial = 0; trial < trials; ++trial) {
        ours_sum.add(with_interleave(engine, target, kind, static_cast<std::uint64_t>(trial) + 1));
      }
      const MeanToBug ours = ours_sum.mean();
      std::printf("%-18s %-7s %12.1f%s %10.4f | %12.1f%s %10.3f | %s%.0fx\n",
                  std::string(s->name()).c_str(), std::string(to_string(kind)).c_str(),
                  ours.executions, ours.found ? " " : "+", ours.seconds, stress.executions,
                  stress.found ? " " : "+", stress.seconds,
                  stress.found ? "" : ">= ", stress.executions / ours.executions);
    }
  }
  std::printf(
      "(+: some trial found no bug within its budget (stress: %llu executions or %.0f s); its "
      "budget counts in the mean)\n",
      static_cast<unsigned long long>(kStressBudget), kStressSeconds);
  return 0;
}
