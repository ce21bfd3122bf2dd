// Crash states (docs/crashes.md): how many distinct crash states the harness recovers and judges
// per second on a workload of about 100 operations, and how the number of crash states grows with
// the number of unsynced writes under each persistence model.
//
//   build/bench/crash_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <chrono>

#include "harness/backends/engine.h"
#include "harness/explore/explore.h"
#include "scenarios/program.h"
#include "scenarios/registry.h"
#include "store/crash_model.h"

namespace interleave {
namespace {

using store::Persistence;

// durability at 2 actors x 50 puts (100 operations) with one crash decision per execution, on
// fibers (threads-mode semantics), files in memory; PCT (its crash step is uniform over the whole
// calibrated execution, so the crash lands anywhere in the 100 operations, unlike random's first
// 128 steps). Counts the crash states recovered and judged (identical ones after an identical
// history are skipped, and not counted); the time includes running the executions.
// In processes mode (`mode`), a power loss instead: two worker processes on disk, their changes
// journaled, every crash state restored to disk before it is recovered.
void crash_states_per_second(benchmark::State& state, store::Variant variant, Persistence model,
                             scenarios::Mode mode = scenarios::Mode::kThreads) {
  scenarios::Target target{&scenarios::durability_scenario(), variant, mode,
                           scenarios::Sizes{2, 50, 1}};
  if (mode == scenarios::Mode::kThreads) target.backend = scenarios::Backend::kFibers;
  target.crashes = 1;
  target.persistence = model;
  Engine engine(target.topology(), scenarios::scenario_instances(),
                EngineOptions{.limits = target.limits()});
  double checked = 0;
  double duplicates = 0;
  double executions = 0;
  double seconds = 0;
  std::uint64_t seed = 1;
  for (auto _ : state) {
    auto states = std::make_shared<scenarios::CrashStates>();
    const auto start = std::chrono::steady_clock::now();
    const ExploreReport report = explore(scenarios::factory_for(target, states),
                                         {.strategy = "pct",
                                          .seed = seed++,
                                          .executions = 50,
                                          .stop_at_first_bug = false,
                                          .shrink = false},
                                         engine);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    checked += static_cast<double>(states->checked);
    duplicates += static_cast<double>(states->duplicates);
    executions += static_cast<double>(report.stats.executions);
  }
  state.counters["states_per_second"] = benchmark::Counter(checked / seconds);
  state.counters["states_per_execution"] = benchmark::Counter(checked / executions);
  state.counters["executions_per_second"] = benchmark::Counter(executions / seconds);
  state.counters["skipped_identical"] = benchmark::Counter(duplicates / (checked + duplicates));
}

void BM_CrashStatesSafe(benchmark::State& state) {
  crash_states_per_second(state, store::Variant::kSafe,
                          store::all_persistence_models()[state.range(0)]);
  state.SetLabel(std::string(store::to_string(store::all_persistence_models()[state.range(0)])));
}
void BM_CrashStatesAckBeforeSync(benchmark::State& state) {
  crash_states_per_second(state, store::Variant::kAckBeforeSync,
                          store::all_persistence_models()[state.range(0)]);
  state.SetLabel(std::string(store::to_string(store::all_persistence_models()[state.range(0)])));
}
void BM_CrashStatesSafeProcessesPowerLoss(benchmark::State& state) {
  crash_states_per_second(state, store::Variant::kSafe,
                          store::all_persistence_models()[state.range(0)],
                          scenarios::Mode::kProcesses);
  state.SetLabel(std::string(store::to_string(store::all_persistence_models()[state.range(0)])));
}

// One file with `n` unsynced appends of `bytes` bytes each (records that never were synced): the
// distinct crash images each model allows.
void BM_CrashStateGrowth(benchmark::State& state) {
  const Persistence model = store::all_persistence_models()[state.range(0)];
  const auto n = static_cast<std::size_t>(state.range(1));
  const auto bytes = static_cast<std::size_t>(state.range(2));
  store::FileState f;
  f.path = "mem:/bench/database.bin";
  f.entry_durable = false;
  for (std::size_t i = 0; i < n; ++i) {
    f.unsynced.push_back(store::UnsyncedWrite{false, i * bytes, std::string(bytes, 'a' + i % 26)});
    f.current += f.unsynced.back().data;
  }
  std::size_t count = 0;
  for (auto _ : state) {
    const auto images = store::crash_images({&f, 1}, model, 1u << 20);
    count = images.size();
    benchmark::DoNotOptimize(images.data());
  }
  state.counters["states"] = static_cast<double>(count);
  state.SetLabel(std::string(store::to_string(model)));
}

BENCHMARK(BM_CrashStatesSafe)->DenseRange(0, 4)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_CrashStatesAckBeforeSync)
    ->DenseRange(0, 4)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_CrashStatesSafeProcessesPowerLoss)
    ->DenseRange(1, 4)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_CrashStateGrowth)
    ->ArgsProduct({{0, 1, 2, 3, 4}, {1, 2, 4, 8, 12}, {100, 1500}})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace interleave

BENCHMARK_MAIN();
