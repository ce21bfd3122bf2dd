// Benchmarks of the engine, measured side by side in one run:
//   threads:   the one-way cost of a controlled handoff vs a raw futex ping-pong between two
//   threads
//              (same core, as specified, and free to use both cores), and executions per second of
//              lost-update 2x2 on `unlocked` and `mutex` (target: >= 5,000/s);
//   processes: the controlled handoff between two worker processes vs a raw futex ping-pong between
//              two processes over shared memory (target: within 1.5x), and executions per second of
//              lost-update 2x2 with persistent workers vs a fork per execution (target: >= 5x and
//              >= 1,500/s).
// Data directories go to /dev/shm when it exists (scenarios::DataDir).
#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <thread>

#include "benchmark/benchmark.h"
#include "fmt/format.h"
#include "harness/backends/engine.h"
#include "harness/backends/futex.h"
#include "harness/explore/explore.h"
#include "harness/seam.h"
#include "harness/strategies/strategy.h"
#include "scenarios/program.h"
#include "scenarios/registry.h"

namespace interleave {
namespace {

constexpr std::int64_t kRounds = 20'000;

class Pinned {
 public:
  explicit Pinned(bool pin) : pin_(pin) {
    if (!pin_) return;
    sched_getaffinity(0, sizeof saved_, &saved_);
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    sched_setaffinity(0, sizeof one, &one);
  }
  ~Pinned() {
    if (pin_) sched_setaffinity(0, sizeof saved_, &saved_);
  }

 private:
  bool pin_;
  cpu_set_t saved_;
};

// Passes a token back and forth `kRounds` times between words[0] and words[1].
void ping_pong(std::atomic<std::uint32_t>* words, int me) {
  for (std::int64_t i = 0; i < kRounds; ++i) {
    while (words[me].load(std::memory_order_acquire) == 0) detail::futex_wait(&words[me], 0);
    words[me].store(0, std::memory_order_relaxed);
    words[1 - me].store(1, std::memory_order_release);
    detail::futex_wake(&words[1 - me]);
  }
}

void set_per_handoff(benchmark::State& state, double handoffs) {
  state.counters["ns_per_handoff"] =
      benchmark::Counter(handoffs, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// The floor for any futex baton: two threads, each sleeping on its own word. Arg 1: same core.
void BM_RawFutexThreads(benchmark::State& state) {
  Pinned pinned(state.range(0) == 1);
  std::atomic<std::uint32_t> words[2] = {0, 0};
  for (auto _ : state) {
    std::thread peer(ping_pong, words, 1);
    words[0].store(1);
    ping_pong(words, 0);
    peer.join();
    words[0] = words[1] = 0;
  }
  set_per_handoff(state, static_cast<double>(state.iterations() * 2 * kRounds));
}

// The same between two processes over a MAP_SHARED mapping.
void BM_RawFutexProcesses(benchmark::State& state) {
  Pinned pinned(state.range(0) == 1);
  void* mem = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  auto* words = new (mem) std::atomic<std::uint32_t>[2] { 0, 0 };
  for (auto _ : state) {
    const pid_t child = fork();
    if (child == 0) {
      ping_pong(words, 1);
      _exit(0);
    }
    words[0].store(1);
    ping_pong(words, 0);
    waitpid(child, nullptr, 0);
    words[0] = words[1] = 0;
  }
  munmap(mem, 4096);
  set_per_handoff(state, static_cast<double>(state.iterations() * 2 * kRounds));
}

// Always hands the baton to the other actor: every decision is a handoff.
class Alternate final : public Strategy {
 public:
  bool begin_execution(const ExecutionStart&) override { return true; }
  int pick(const DecisionPoint& p) override {
    for (int a : p.runnable) {
      if (a != p.current) return a;
    }
    return p.runnable.front();
  }
};

class PingProgram final : public Program {
 public:
  explicit PingProgram(Topology t) : topology_(t) {}
  Topology topology() const override { return topology_; }
  std::string spec() const override { return {}; }
  Verdict judge(const ExecutionResult&, std::span<const std::byte>) override {
    return Verdict::pass();
  }

 private:
  Topology topology_;
};

class PingInstance final : public ProcessInstance {
 public:
  void body(int) override {
    for (std::int64_t i = 0; i < kRounds; ++i) yield_point("ping");
  }
};

// Arg 0: the engine's default (spin briefly, then sleep); 1: never spin (futex only); 2: never
// spin, everything on one core (comparable to the same-core raw ping-pong).
void controlled_handoff(benchmark::State& state, Topology topology) {
  const int mode = static_cast<int>(state.range(0));
  Pinned pinned(mode == 2);
  if (mode != 0) ::setenv("INTERLEAVE_SPINS", "0", 1);
  Engine engine(topology, [](std::string_view, int, std::span<std::byte>) {
    return std::make_unique<PingInstance>();
  });
  ::unsetenv("INTERLEAVE_SPINS");
  Alternate strategy;
  PingProgram program(topology);
  double handoffs = 0;
  for (auto _ : state) {
    strategy.begin(0, 2);
    handoffs += static_cast<double>(engine.run(program, strategy).handoffs);
  }
  set_per_handoff(state, handoffs);
}

void BM_ControlledHandoffThreads(benchmark::State& state) {
  controlled_handoff(state, Topology::threads(2));
}
void BM_ControlledHandoffProcesses(benchmark::State& state) {
  controlled_handoff(state, Topology::processes(2));
}
void BM_ControlledHandoffFibers(benchmark::State& state) {
  controlled_handoff(state, Topology::fibers(2, false));
}

void executions_per_second(benchmark::State& state, store::Variant variant, scenarios::Mode mode,
                           bool persistent,
                           scenarios::Backend backend = scenarios::Backend::kThreads,
                           scenarios::Files files = scenarios::Files::kDisk) {
  scenarios::Target target{&scenarios::lost_update_scenario(), variant, mode,
                           scenarios::default_sizes(mode)};
  target.backend = backend;
  target.files = files;
  Engine engine(target.topology(), scenarios::scenario_instances(),
                EngineOptions{.persistent_workers = persistent});
  double executions = 0;
  std::uint64_t seed = 1;
  for (auto _ : state) {
    const ExploreReport report =
        explore(scenarios::factory_for(target),
                {.seed = seed++, .executions = persistent ? 500u : 50u, .stop_at_first_bug = false},
                engine);
    executions += static_cast<double>(report.stats.executions);
  }
  state.counters["executions_per_second"] =
      benchmark::Counter(executions, benchmark::Counter::kIsRate);
}

void BM_LostUpdateThreadsUnlocked(benchmark::State& state) {
  executions_per_second(state, store::Variant::kUnlocked, scenarios::Mode::kThreads, true);
}
void BM_LostUpdateThreadsMutex(benchmark::State& state) {
  executions_per_second(state, store::Variant::kMutex, scenarios::Mode::kThreads, true);
}
void BM_LostUpdateFibersUnlocked(benchmark::State& state) {
  executions_per_second(state, store::Variant::kUnlocked, scenarios::Mode::kThreads, true,
                        scenarios::Backend::kFibers);
}
void BM_LostUpdateFibersMemory(benchmark::State& state) {
  executions_per_second(state, store::Variant::kUnlocked, scenarios::Mode::kThreads, true,
                        scenarios::Backend::kFibers, scenarios::Files::kMemory);
}
void BM_LostUpdateThreadsMemory(benchmark::State& state) {
  executions_per_second(state, store::Variant::kUnlocked, scenarios::Mode::kThreads, true,
                        scenarios::Backend::kThreads, scenarios::Files::kMemory);
}
void BM_LostUpdateEventLoopAsync(benchmark::State& state) {
  executions_per_second(state, store::Variant::kAsync, scenarios::Mode::kEventLoop, true,
                        scenarios::Backend::kFibers, scenarios::Files::kMemory);
}
void BM_LostUpdateProcessesPersistent(benchmark::State& state) {
  executions_per_second(state, store::Variant::kUnlocked, scenarios::Mode::kProcesses, true);
}
void BM_LostUpdateProcessesForkPerExecution(benchmark::State& state) {
  executions_per_second(state, store::Variant::kUnlocked, scenarios::Mode::kProcesses, false);
}

BENCHMARK(BM_RawFutexThreads)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ControlledHandoffThreads)
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_RawFutexProcesses)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ControlledHandoffProcesses)
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_RawFutexProcesses)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ControlledHandoffFibers)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LostUpdateThreadsUnlocked)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LostUpdateThreadsMutex)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LostUpdateFibersUnlocked)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LostUpdateThreadsMemory)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LostUpdateFibersMemory)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LostUpdateEventLoopAsync)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LostUpdateProcessesPersistent)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LostUpdateProcessesForkPerExecution)->Unit(benchmark::kMillisecond)->UseRealTime();

// Prints as usual and keeps every run's counters for the summary.
class Collector final : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      for (const auto& [name, counter] : run.counters) values[run.benchmark_name()] = counter.value;
    }
  }
  double operator[](const std::string& prefix) const {
    for (const auto& [name, v] : values) {
      if (name.rfind(prefix, 0) == 0) return v;
    }
    return 0;
  }
  std::map<std::string, double> values;
};

}  // namespace
}  // namespace interleave

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  interleave::Collector c;
  benchmark::RunSpecifiedBenchmarks(&c);
  const double raw_same_core = c["BM_RawFutexThreads/1"] * 1e9;
  const double raw_free = c["BM_RawFutexThreads/0"] * 1e9;
  const double raw_proc_same_core = c["BM_RawFutexProcesses/1"] * 1e9;
  const double raw_proc_free = c["BM_RawFutexProcesses/0"] * 1e9;
  std::printf(
      "\nsummary (%u hardware threads); one-way handoff in ns, and ratio to the raw futex "
      "ping-pong in the same placement (target <= 1.5x)\n",
      std::thread::hardware_concurrency());
  const char* names[] = {"spin, then sleep (default)", "futex only", "futex only, one core"};
  for (const char* kind : {"Threads", "Processes"}) {
    for (int mode = 0; mode < 3; ++mode) {
      const double controlled = c[fmt::format("BM_ControlledHandoff{}/{}", kind, mode)] * 1e9;
      const bool same_core = mode == 2;
      const double raw = std::string(kind) == "Threads"
                             ? (same_core ? raw_same_core : raw_free)
                             : (same_core ? raw_proc_same_core : raw_proc_free);
      std::printf("  %-9s controlled %-27s %8.0f ns; raw %8.0f ns; ratio %.2fx\n", kind,
                  names[mode], controlled, raw, raw > 0 ? controlled / raw : 0.0);
    }
  }
  std::printf("  Fibers    controlled, one thread %20.0f ns\n",
              c["BM_ControlledHandoffFibers/0"] * 1e9);
  const double threads_disk = c["BM_LostUpdateThreadsUnlocked"];
  const double fibers_disk = c["BM_LostUpdateFibersUnlocked"];
  std::printf(
      "  lost-update 2x2 on unlocked, executions/s: fibers %.0f vs threads %.0f with real files "
      "(%.1fx, target >= 2x); in memory: fibers %.0f (target >= 250000), threads %.0f; "
      "event loop (async, memory) %.0f\n",
      fibers_disk, threads_disk, threads_disk > 0 ? fibers_disk / threads_disk : 0.0,
      c["BM_LostUpdateFibersMemory"], c["BM_LostUpdateThreadsMemory"],
      c["BM_LostUpdateEventLoopAsync"]);
  const double persistent = c["BM_LostUpdateProcessesPersistent"];
  const double forked = c["BM_LostUpdateProcessesForkPerExecution"];
  std::printf(
      "  lost-update 2x2 executions/s: threads unlocked %.0f, threads mutex %.0f "
      "(target >= 5000); processes %.0f with persistent workers vs %.0f forking per "
      "execution: %.1fx (target >= 1500/s and >= 5x)\n",
      c["BM_LostUpdateThreadsUnlocked"], c["BM_LostUpdateThreadsMutex"], persistent, forked,
      forked > 0 ? persistent / forked : 0.0);
  benchmark::Shutdown();
  return 0;
}
