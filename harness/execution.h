// What one execution produced, independent of the backend that ran it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/control.h"
#include "harness/trace.h"

namespace interleave {

// The most actors one execution may have (the schedule token encodes an actor id in one letter).
inline constexpr int kMaxActors = IL_MAX_ACTORS;

struct Limits {
  // Decisions per execution before the run is stopped as a livelock or unbounded loop.
  std::uint32_t max_steps = 100'000;
  // Time one actor may run without reaching a yield point before the execution is a hang.
  std::chrono::milliseconds hang_timeout{2'000};
  // Crash decisions offered per execution (--crashes K, docs/crashes.md): while some are left,
  // every decision offers the strategy, beside the runnable actors, the choice to crash there. A
  // crash stops every actor where it is, as SIGKILL would, and ends the execution
  // (Outcome::kCrashed); the program then recovers and judges the state the disk kept.
  std::uint32_t crashes = 0;
  // With one process per actor (processes mode), whether a crash stops every process at once and
  // ends the execution (a power loss: the machine goes down) rather than one process, which
  // restarts and recovers while the others go on. In one process a crash always stops everything.
  bool crash_stops_every_process = false;
};

enum class Outcome {
  kCompleted,    // every actor finished its body
  kDeadlock,     // no actor runnable, some blocked
  kStepLimit,    // Limits::max_steps decisions made
  kCrash,        // an actor's body threw
  kDiverged,     // the strategy made a decision the program does not allow (replay mismatch)
  kHang,         // an actor reached no yield point within Limits::hang_timeout
  kStopped,      // the engine was asked to stop (Ctrl-C); nothing to judge
  kLost,         // a worker process died while it was not its turn (killed from outside: the OOM
                 // killer, a kill): the execution says nothing about the store; run it again
  kBlockedLoop,  // event-loop mode: a handler took a synchronous lock another handler holds
  kCrashed,      // the strategy chose to crash here (Limits::crashes): judged after recovery
};

std::string_view to_string(Outcome outcome);

struct ExecutionResult {
  Outcome outcome = Outcome::kCompleted;
  std::string message;         // why, for every outcome but kCompleted
  Trace trace;                 // trace[i].actor is decision i
  std::uint64_t handoffs = 0;  // decisions that passed control to another actor
  // Actors of exec'd programs whose program ended before it attached to the scheduler (bit a =
  // actor a): nothing of them was controlled.
  std::uint64_t unattached = 0;

  std::vector<int> decisions() const;
};

}  // namespace interleave
