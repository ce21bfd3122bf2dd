// Actors as stackful fibers on the harness's own thread (Boost.Context). Internal to the engine.
//
// The engine resumes one fiber at a time; the fiber runs to its next decision, runs the scheduler
// itself (FiberLink) and, when another actor is chosen, suspends back to the engine, which resumes
// that one: a switch costs two context switches and no system call. Fibers persist across
// executions. In event-loop mode only await points decide (ActorRuntime's event_loop).
//
// A fiber that never reaches a yield point again (a hang) cannot be suspended: a watchdog thread
// then interrupts the harness thread with a signal whose handler jumps back to the engine's loop,
// abandoning every fiber's stack. The group is broken from then on (the engine reports and the
// process must exit, as after a hang of an actor thread).
#pragma once

#include <atomic>
#include <chrono>
#include <csetjmp>
#include <memory>
#include <vector>

#include "harness/backends/actor_runtime.h"

namespace interleave::detail {

class FiberGroup {
 public:
  // `count` fibers for actors first..first+count-1 of process `process`, running the bodies of
  // `holder`'s instance.
  FiberGroup(Scheduler& scheduler, int first, int count, int process, bool event_loop,
             InstanceHolder& holder);
  // Ends every fiber (unless the group is broken: then they are abandoned).
  ~FiberGroup();
  FiberGroup(const FiberGroup&) = delete;
  FiberGroup& operator=(const FiberGroup&) = delete;

  // Runs the execution from its first decision `first` until no actor is chosen, then unwinds the
  // unfinished actors (a stop). Watches for a step that makes no progress within `hang_timeout`,
  // or within `stop_grace` once `stop` is set: that ends the run with Outcome::kHang or kStopped
  // through the scheduler, and breaks the group. Returns false when the group broke.
  bool run(int first, std::chrono::milliseconds hang_timeout, std::chrono::milliseconds stop_grace,
           const std::atomic<bool>* stop);
  bool broken() const { return broken_; }

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  bool broken_ = false;
};

}  // namespace interleave::detail
