// The control block: the scheduling state every actor of an execution shares, in a MAP_SHARED
// mapping so that forked workers share it too. Internal to the engine.
//
// Strict baton: exactly one actor runs between two yield points. The actor that reaches a yield
// point records it, asks the strategy (a copy placed in shared memory) for the next actor, records
// the step and grants that actor the baton (`go`); then it sleeps on its own `go` word. Everything
// below except the atomics is read and written only by the baton holder, and the baton passes
// through release/acquire operations on the atomics, so the holder sees its predecessor's writes.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "harness/execution.h"
#include "harness/seam.h"
#include "harness/strategy.h"

namespace interleave::detail {

enum Go : std::uint32_t {
  kGoWait = 0,   // not granted
  kGoRun = 1,    // run to the next yield point
  kGoAbort = 2,  // unwind the body, then hand back to the scheduler
  kGoExit = 3,   // the engine shuts down: leave the actor loop
};

enum class ActorState : std::uint32_t { kRunnable, kBlocked, kFinished };

inline constexpr std::size_t kNameCapacity = 48;
inline constexpr std::size_t kMessageCapacity = 512;

// Copies a string into a fixed buffer, cut short if need be, always terminated.
void copy_name(char* to, std::size_t capacity, const char* from, std::size_t size);

struct alignas(64) ActorSlot {
  std::atomic<std::uint32_t> go{kGoWait};
  std::atomic<std::uint32_t> sleeping{0};  // 1 while the actor sleeps on `go` (wake it then)
  ActorState state = ActorState::kRunnable;
  // The yield point the actor waits at: the step it runs when next chosen. Labels and kinds are
  // string literals, at the same address in every forked process.
  const char* label = "start";
  const char* kind = "";
  char name[kNameCapacity] = {};
  Access access = Access::kRead;
  std::uint64_t blocked_on = 0;  // while kBlocked: the lock's id
  // While waiting at a lock acquisition: the lock's id, and for a file lock the open file
  // description it is taken through (0 for a Mutex). The actor is enabled (a candidate for the next
  // step) only while no actor holds the lock through another description (for a Mutex: at all).
  std::uint64_t wants = 0;
  std::uint64_t wants_description = 0;
};

struct TraceRecord {
  std::int32_t actor;
  Access access;
  std::uint64_t runnable;  // bit a: actor a was runnable at this decision
  const char* label;
  const char* kind;
  char name[kNameCapacity];
};

// Per worker process: its main thread obeys `command` and answers on `done`.
enum Command : std::uint32_t { kCmdNone = 0, kCmdPrepare = 1, kCmdCleanup = 2, kCmdExit = 3 };

struct alignas(64) ProcessSlot {
  std::atomic<std::uint32_t> command{kCmdNone};
  std::atomic<std::uint32_t> done{0};  // the sequence number of the last command carried out
  std::uint32_t sequence = 0;
  char error[kMessageCapacity] = {};  // why prepare failed, or empty
  int error_errno = 0;                // set when prepare failed for a reason of the environment
};

struct Holder {
  std::uint64_t lock = 0;  // 0: free entry
  std::int32_t actor = -1;
  std::uint64_t description = 0;  // file locks: the open file description holding it; Mutex: 0
};

inline constexpr std::size_t kSpecCapacity = 4096;
inline constexpr std::size_t kHolders = 2 * kMaxActors;

struct ControlBlock {
  // Raised when control returns to the scheduler: the execution ended, or an aborted actor is done.
  alignas(64) std::atomic<std::uint32_t> scheduler{0};
  std::atomic<std::uint32_t> scheduler_sleeping{0};
  std::atomic<std::uint32_t> process_done{0};       // raised by a worker after a command
  std::atomic<std::uint32_t> progress{0};           // decisions made; the watchdog reads it
  std::atomic<std::int32_t> running{-1};            // the actor holding the baton
  std::atomic<const char*> running_label{"start"};  // the step it runs (for the watchdog)
  std::atomic<std::uint32_t> stop_requested{0};
  // Set after an in-process hang: an actor that comes back from uncontrolled code parks for good.
  std::atomic<std::uint32_t> poisoned{0};
  int spins = 0;
  pid_t harness_pid = 0;  // the process that forks the workers

  // Per execution, written by the baton holder.
  int actors = 0;
  bool aborting = false;
  Outcome outcome = Outcome::kCompleted;
  char message[kMessageCapacity] = {};
  std::uint64_t handoffs = 0;
  std::uint32_t steps = 0;
  std::uint32_t max_steps = 0;
  TraceRecord* trace = nullptr;  // capacity max_steps, in its own shared mapping
  Strategy* strategy = nullptr;  // a copy in shared memory (Strategy::clone_into)
  Holder holders[kHolders];

  // In-process executions (threads mode): set while one runs, with its token prefix, for the replay
  // line fatal_signal.cc prints if an actor takes the harness down.
  std::atomic<bool> fatal_report{false};
  char token_prefix[kMessageCapacity] = {};

  ProcessSlot processes[kMaxActors];
  ActorSlot slots[kMaxActors];
  std::uint32_t spec_size = 0;
  char spec[kSpecCapacity] = {};
};

// --- baton operations (baton.cc) -----------------------------------------------------------------

// Grants `go` to an actor's slot and wakes it if it sleeps.
void grant(ActorSlot& slot, std::uint32_t go);
// Sleeps until the slot is granted something (spinning first when cb.spins > 0); takes it.
std::uint32_t wait_go(ActorSlot& slot, int spins);
// Hands control back to the scheduler.
void wake_scheduler(ControlBlock& cb);
// Ends the execution with `outcome` unless it already has one; the baton holder then unwinds.
void stop(ControlBlock& cb, Outcome outcome, const char* message);
// Asks the strategy for the next actor among the enabled ones (runnable, and not waiting for a held
// Mutex) and records the step; the caller is the baton holder and `current` (kNoActor at the
// start) its actor. Returns kNoActor when the execution cannot go on (all finished, deadlock, step
// limit, divergence, stop); cb.outcome then says why.
int decide(ControlBlock& cb, int current);
// Marks the holders of `lock` and unblocks the actors waiting for it. `description`: as in Holder.
void note_acquired(ControlBlock& cb, std::uint64_t lock, int actor, std::uint64_t description);
void note_released(ControlBlock& cb, std::uint64_t lock);

}  // namespace interleave::detail
