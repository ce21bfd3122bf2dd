// The threads backend: actors are real OS threads under a strict baton.
//
// Exactly one actor runs between two yield points; every other actor sleeps on its own futex word.
// The actor that reaches a yield point asks the strategy for the next actor and hands the baton to
// it directly (one futex wake, one futex wait), so the scheduler's bookkeeping runs on whichever
// thread holds the baton and is plain single-threaded C++. Actor threads are created once and
// reused across executions.
#pragma once

#include <functional>
#include <memory>

#include "harness/execution.h"
#include "harness/strategy.h"

namespace interleave {

using ActorBody = std::function<void(int actor)>;

class ThreadsBackend {
 public:
  explicit ThreadsBackend(Limits limits = {});
  ~ThreadsBackend();
  ThreadsBackend(const ThreadsBackend&) = delete;
  ThreadsBackend& operator=(const ThreadsBackend&) = delete;

  // Runs one execution: body(a) for every actor a in [0, actors), each on its own thread, one at a
  // time as `strategy` decides. Returns when every actor has finished or the execution was stopped
  // (deadlock, step limit, crash, divergence, hang); stopped actors are unwound with an internal
  // exception that is not a std::exception. Requires: strategy.begin_execution() was called for
  // this execution; 1 <= actors <= kMaxActors; usable(); not called concurrently.
  ExecutionResult run(int actors, const ActorBody& body, Strategy& strategy);

  // False after a hang: an actor thread is stuck in uncontrolled code, so no further execution can
  // run. The process should report and exit; the destructor then leaks the stuck thread's state.
  bool usable() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace interleave
