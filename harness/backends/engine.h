// harness/backends/: how actors run and wait for the baton: the engine (threads and fibers of the
// harness, forked worker processes, exec'd programs), the actor runtime, fibers, futexes, and the C
// client of the control block (client.h) that forked workers and the shim link. Includes
// scheduler/ and below; never explore/.
//
// The engine: runs executions of a Program under a Strategy, with a strict baton across every actor
// of every process.
//
// The scheduler runs on the caller's thread. Actors are threads, either of this process
// (Topology::in_process: the thread-pool deployment) or of forked worker processes (the --workers
// deployment, one or more threads each). They share a control block (a MAP_SHARED mapping): the one
// actor that holds the baton runs to its next yield point, reports it there and waits; the
// scheduler records the step, asks the strategy, and grants the next actor. Actor threads and
// worker processes persist across executions. A worker that dies or hangs is reported (crash, hang)
// and replaced.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "harness/execution.h"
#include "harness/program.h"
#include "harness/strategies/strategy.h"

namespace interleave {

struct EngineOptions {
  Limits limits;
  // Keep worker processes across executions (a fork server). False forks fresh workers for every
  // execution: the baseline the benchmarks compare against.
  bool persistent_workers = true;
  // Bytes of memory shared by the processes of an execution, for the program's history.
  std::size_t scratch_bytes = 8u << 20;
  // Set (for example by a SIGINT handler) to stop the current execution and refuse new ones.
  const std::atomic<bool>* stop = nullptr;
};

class Engine {
 public:
  // Requires: 1 <= topology.actors() <= kMaxActors; in_process implies processes == 1. Worker
  // processes are forked lazily, from the thread that calls run().
  Engine(Topology topology, InstanceFactory factory, EngineOptions options = {});
  // Stops and reaps every worker and joins every actor thread (leaks them after an in-process
  // hang).
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Starts the actor threads or forks the worker processes now instead of at the first run(), so
  // that several engines can be started from one thread before they run on several.
  void start();

  // Runs one execution of `program` (whose topology must equal this engine's). Requires:
  // strategy.begin_execution() was called for it; no in-process hang happened. Once `stop` is set
  // the execution ends with Outcome::kStopped at its next decision, or within about 0.1 s if the
  // running actor reaches none (its worker is killed; in-process the engine is then unusable).
  // A worker that dies while it is not its turn ends the execution with Outcome::kLost (run it
  // again); workers that died between executions are replaced first. Throws EnvironmentError or
  // std::runtime_error when a process cannot build its instance (a setup error, not a verdict).
  ExecutionResult run(Program& program, Strategy& strategy);

  // False after an in-process hang (an actor thread is stuck in uncontrolled code: report and exit)
  // or once `stop` was set.
  bool usable() const;
  bool stopped() const;
  // True after an in-process hang or interrupt: an actor thread is stuck in uncontrolled code, so
  // the process must end without unwinding (std::_Exit) once it has reported.
  bool broken() const;
  const Topology& topology() const { return topology_; }

  // Memory shared by the processes of an execution (what Program::begin and judge see).
  std::span<std::byte> scratch() const;

  // The pids of the live worker processes (for tests that check nothing is left behind).
  std::vector<pid_t> worker_pids() const;
  // Worker processes that died (a crash, a hang, killed from outside) and were forked again.
  std::uint64_t workers_replaced() const;

 private:
  class Impl;
  Topology topology_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace interleave
