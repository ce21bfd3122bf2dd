// Benchmarks of the threads backend, measured side by side in one run:
//   (a) the one-way cost of a controlled handoff vs a raw futex ping-pong between two threads, both
//       pinned to one core, and their ratio (target: within 1.5x);
//   (b) executions per second of lost-update 2x2 on `unlocked` and `mutex` (target: >= 5,000/s).
// Data directories go to /dev/shm when it exists (scenarios::DataDir).
#include <sched.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <thread>

#include "benchmark/benchmark.h"
#include "harness/explore.h"
#include "harness/futex.h"
#include "harness/seam.h"
#include "harness/strategy.h"
#include "scenarios/program.h"
#include "scenarios/registry.h"

namespace interleave {
namespace {

void pin_to_cpu0() {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(0, &set);
  sched_setaffinity(0, sizeof set, &set);
}

void unpin() {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int c = 0; c < CPU_SETSIZE; ++c) CPU_SET(c, &set);
  sched_setaffinity(0, sizeof set, &set);
}

// Two threads, each sleeping on its own futex word, pass a token back and forth: the floor for any
// futex-based baton.
void BM_RawFutexPingPong(benchmark::State& state) {
  pin_to_cpu0();
  std::atomic<std::uint32_t> words[2] = {0, 0};
  std::atomic<bool> done{false};
  const std::int64_t rounds = 20'000;
  auto pass = [&](int me) {
    for (std::int64_t i = 0; i < rounds; ++i) {
      while (words[me].load(std::memory_order_acquire) == 0) detail::futex_wait(&words[me], 0);
      words[me].store(0, std::memory_order_relaxed);
      words[1 - me].store(1, std::memory_order_release);
      detail::futex_wake(&words[1 - me]);
    }
  };
  for (auto _ : state) {
    std::thread peer(pass, 1);
    words[0].store(1);
    pass(0);
    peer.join();
    words[0].store(0);
    words[1].store(0);
  }
  (void)done;
  state.counters["ns_per_handoff"] =
      benchmark::Counter(static_cast<double>(state.iterations() * 2 * rounds),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  unpin();
}

// Always hands the baton to the other actor: every decision is a handoff.
class Alternate final : public Strategy {
 public:
  std::string_view name() const override { return "alternate"; }
  void begin_execution(std::uint64_t, int) override {}
  int pick(const DecisionPoint& p) override {
    for (int a : p.runnable) {
      if (a != p.current) return a;
    }
    return p.runnable.front();
  }
};

void BM_ControlledHandoff(benchmark::State& state) {
  pin_to_cpu0();
  ThreadsBackend backend;
  Alternate strategy;
  const int yields = 20'000;
  std::uint64_t handoffs = 0;
  const ActorBody body = [&](int) {
    for (int i = 0; i < yields; ++i) yield_point("ping");
  };
  for (auto _ : state) {
    strategy.begin_execution(0, 2);
    handoffs += backend.run(2, body, strategy).handoffs;
  }
  state.counters["ns_per_handoff"] = benchmark::Counter(
      static_cast<double>(handoffs), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  unpin();
}

void executions_per_second(benchmark::State& state, store::Variant variant) {
  const scenarios::Target target{
      &scenarios::lost_update_scenario(), variant, scenarios::Mode::kThreads, {2, 2}};
  ThreadsBackend backend;
  std::uint64_t executions = 0;
  std::uint64_t seed = 1;
  for (auto _ : state) {
    const ExploreReport report =
        explore(scenarios::factory_for(target),
                {.seed = seed++, .executions = 1000, .stop_at_first_bug = false}, backend);
    executions += report.stats.executions;
  }
  state.counters["executions_per_second"] =
      benchmark::Counter(static_cast<double>(executions), benchmark::Counter::kIsRate);
}

void BM_LostUpdateUnlocked(benchmark::State& state) {
  executions_per_second(state, store::Variant::kUnlocked);
}
void BM_LostUpdateMutex(benchmark::State& state) {
  executions_per_second(state, store::Variant::kMutex);
}

BENCHMARK(BM_RawFutexPingPong)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
BENCHMARK(BM_ControlledHandoff)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
BENCHMARK(BM_LostUpdateUnlocked)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_LostUpdateMutex)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

// Prints as usual and keeps every run's counters for the summary.
class Collector final : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      for (const auto& [name, counter] : run.counters) {
        values[run.benchmark_name() + "." + name] = counter.value;
      }
    }
  }
  std::map<std::string, double> values;
};

}  // namespace
}  // namespace interleave

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  interleave::Collector collector;
  benchmark::RunSpecifiedBenchmarks(&collector);
  auto value = [&](const std::string& key) {
    for (const auto& [name, v] : collector.values) {
      if (name.rfind(key, 0) == 0) return v;
    }
    return 0.0;
  };
  const double raw = value("BM_RawFutexPingPong");
  const double controlled = value("BM_ControlledHandoff");
  std::printf("\nsummary (threads backend, %u hardware threads)\n",
              std::thread::hardware_concurrency());
  if (raw > 0 && controlled > 0) {
    std::printf(
        "  handoff: controlled %.0f ns, raw futex ping-pong %.0f ns, ratio %.2fx "
        "(target <= 1.5x)\n",
        controlled * 1e9, raw * 1e9, controlled / raw);
  }
  const double unlocked = value("BM_LostUpdateUnlocked");
  const double mutex = value("BM_LostUpdateMutex");
  if (unlocked > 0 || mutex > 0) {
    std::printf(
        "  lost-update 2x2, threads: unlocked %.0f executions/s, mutex %.0f executions/s "
        "(target >= 5000)\n",
        unlocked, mutex);
  }
  benchmark::Shutdown();
  return 0;
}
