// Executions and seconds to the first bug, interleave against an uncontrolled stress loop.
//
// For each scenario on `unlocked` (threads mode, 2 actors x 2 ops): every strategy of interleave
// until the first bug (unshrunk), and a stress loop that runs the same program on free threads (no
// scheduler attached: yield points do nothing) execution after execution, judged by the same
// oracle, until its first bug or its budget. Both are averaged over kTrials trials: random and PCT
// from seeds 1..kTrials, the stress loop kTrials times (DFS and DPOR do not depend on a seed and
// run once). Prints one table; the ratios go in the README.
//
// The stress loop runs the unlocked store on free threads, where its std::map index races and can
// crash the process: each trial runs in a forked child, and a child killed by a signal found a bug
// (a crash) in the execution it was running.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "harness/backends/engine.h"
#include "harness/explore/explore.h"
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
  bool crashed = false;  // the stress loop's bug was a crash of the store (a signal)
};

// Means over trials; `found` only if every trial found the bug.
struct MeanToBug {
  double executions = 0;
  double seconds = 0;
  bool found = true;
  int trials = 0;
  int crashes = 0;  // trials whose bug was a crash of the store

  void add(const ToBug& one) {
    executions += static_cast<double>(one.executions);
    seconds += one.seconds;
    found &= one.found;
    crashes += one.crashed;
    ++trials;
  }
  MeanToBug mean() const { return {executions / trials, seconds / trials, found, trials, crashes}; }
};

ToBug with_interleave(Engine& engine, const scenarios::Target& target, const char* kind,
                      std::uint64_t seed) {
  const auto start = Clock::now();
  const ExploreReport report =
      explore(scenarios::factory_for(target),
              {.strategy = kind,
               .seed = seed,
               .executions = find_strategy(kind)->systematic ? 0u : 100'000u,
               .shrink = false},
              engine);
  return {report.failure ? report.failure->execution + 1 : report.stats.executions,
          std::chrono::duration<double>(Clock::now() - start).count(), report.failure.has_value()};
}

// The same program on free-running threads: the actors of one execution start together. Runs in
// the calling process; `*executions` counts the executions started (the one running included).
ToBug stress_loop(const scenarios::Target& target, std::atomic<std::uint64_t>* executions) {
  std::vector<std::uint64_t> buffer((8u << 20) / sizeof(std::uint64_t));
  const std::span<std::byte> scratch(reinterpret_cast<std::byte*>(buffer.data()),
                                     buffer.size() * sizeof(std::uint64_t));
  const InstanceFactory instances = scenarios::scenario_instances();
  const auto start = Clock::now();
  ToBug result;
  while (result.executions < kStressBudget &&
         std::chrono::duration<double>(Clock::now() - start).count() < kStressSeconds) {
    executions->store(result.executions + 1);
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

// One trial of the stress loop in a forked child: a crash of the code under test ends the child,
// not the benchmark, and counts as the bug found in the execution it was running.
ToBug with_stress(const scenarios::Target& target) {
  struct Shared {
    std::atomic<std::uint64_t> executions;
    ToBug result;
  };
  void* memory =
      ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) {
    std::perror("mmap");
    std::exit(1);
  }
  auto* shared = new (memory) Shared{};
  const auto start = Clock::now();
  const pid_t child = ::fork();
  if (child == 0) {
    // The store's own crash report (glibc's heap checks) is counted, not printed.
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) ::dup2(null, STDERR_FILENO);
    shared->result = stress_loop(target, &shared->executions);
    ::_exit(0);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  ToBug result = shared->result;
  if (WIFSIGNALED(status)) {
    result = ToBug{shared->executions.load(),
                   std::chrono::duration<double>(Clock::now() - start).count(), true, true};
  }
  ::munmap(memory, sizeof(Shared));
  return result;
}

}  // namespace
}  // namespace interleave

int main() {
  using namespace interleave;
  std::printf("means over %d trials (dfs and dpor: one run; they do not depend on the seed)\n",
              kTrials);
  std::printf("%-18s %-7s %12s %10s | %13s %10s %7s | %s\n", "scenario", "strategy", "executions",
              "seconds", "stress execs", "seconds", "crashes",
              "ratio (stress / interleave executions)");
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
    for (const char* kind : {"random", "pct", "dfs", "dpor"}) {
      MeanToBug ours_sum;
      const int trials = find_strategy(kind)->systematic ? 1 : kTrials;
      for (int trial = 0; trial < trials; ++trial) {
        ours_sum.add(with_interleave(engine, target, kind, static_cast<std::uint64_t>(trial) + 1));
      }
      const MeanToBug ours = ours_sum.mean();
      std::printf("%-18s %-7s %12.1f%s %10.4f | %12.1f%s %10.3f %7d | %s%.1fx\n",
                  std::string(s->name()).c_str(), std::string(kind).c_str(), ours.executions,
                  ours.found ? " " : "+", ours.seconds, stress.executions, stress.found ? " " : "+",
                  stress.seconds, stress.crashes,
                  stress.found ? "" : ">= ", stress.executions / ours.executions);
    }
  }
  std::printf(
      "(+: some trial found no bug within its budget (stress: %llu executions or %.0f s); its "
      "budget counts in the mean. crashes: stress trials whose bug was the store crashing the "
      "process (a signal), counted as found in the execution it was running)\n",
      static_cast<unsigned long long>(kStressBudget), kStressSeconds);
  return 0;
}
