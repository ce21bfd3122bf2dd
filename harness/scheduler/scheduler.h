// harness/scheduler/: the one decision point, and the replay line a fatal signal prints from its
// state (fatal_signal.h). Includes strategies/ and the vocabulary at the top of harness/; nothing
// about how actors run.
//
// The scheduler: the one place where an execution's decisions are made. Internal to the engine.
//
// Actors only report what they reached (a Pending step) and wait for a grant. The scheduler records
// each actor's pending step, keeps which actors are enabled (runnable, and not waiting for a lock
// held against them), asks the strategy, records the chosen step in the trace, applies its lock
// effects, and says who runs next. Its state lives in the harness process; it is driven by whoever
// holds the baton there: an actor thread or fiber of the harness (which then grants the next actor
// itself: one handoff per switch), or the engine's own thread on behalf of an actor in another
// process, which posted its step through the control block. Exactly one of them runs scheduler
// code at a time; the engine's watchdog only reads the atomics and asks for stops.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/control.h"
#include "harness/execution.h"
#include "harness/program.h"
#include "harness/strategies/strategy.h"

namespace interleave::detail {

// kWait (IL_EVENT_WAIT): the step just run found `lock` held, as kBlocked, but the actor retries
// with an ordinary step once it is released (the resource's state lives with the actor, as the
// kernel's file locks do for an exec'd program), not with a scheduler-side acquisition.
// kSpawn (IL_EVENT_SPAWN): an ordinary step that creates the thread of actor `lock`; kExit
// (IL_EVENT_EXIT): the poster's whole process ends.
enum class Event : std::uint8_t {
  kYield,
  kAcquire,
  kRelease,
  kBlocked,
  kFinish,
  kWait,
  kSpawn,
  kExit
};

// What an actor reached: the step it runs when it is next chosen (or the end of its body).
struct Pending {
  Event event = Event::kYield;
  const char* label = "start";  // stable for the harness process's lifetime (a literal or interned)
  ObjectKind kind = ObjectKind::kNone;
  const char* space = "";  // stable likewise
  std::string_view name;   // copied
  Access access = Access::kRead;
  std::uint64_t lock = 0;         // kAcquire, kRelease, kBlocked: the lock's id
  std::uint64_t description = 0;  // kAcquire of a file lock: the description taking it (else 0)
  // kAcquire of a lock that is handed over in order of arrival (asyncio.Lock): the actor waits in
  // line and is enabled once the lock was handed to it (give_back() hands it to the first waiter).
  bool fifo = false;
  std::string_view failure;  // kFinish: why the body failed (a crash), or empty
  // kWait: the wait may also end by a timeout, which is a decision (virtual time: a timed waiter
  // is runnable once another actor made a step that was no timeout since it began to wait, and
  // always when no other actor can run).
  bool timed = false;
  // kWait with `timed`: the wait ends as a decision only when no other actor can run (a blocking
  // read that no thread of the program may ever satisfy: then it is left to the kernel).
  bool until_stuck = false;
  // kBlocked, kWait: the step before the wait did what it declared (a release of a mutex by a
  // condition wait), so it is not recorded as a mere read of the lock.
  bool keep_last = false;
};

class Scheduler {
 public:
  // `stop`, when set, ends the execution at its next decision (Ctrl-C).
  Scheduler(const Topology& topology, const Limits& limits, const std::atomic<bool>* stop,
            il_control* control);

  // Starts an execution under `strategy` (begun already): every actor waits at its "start" step.
  // Returns the first actor to run, or kNoActor (outcome() says why).
  int begin(Strategy& strategy);

  // `actor`, the baton holder, reached `pending`. Records it, decides, applies the chosen step's
  // lock effects and returns the chosen actor (possibly `actor` again), or kNoActor when the
  // execution cannot go on (every actor finished, a deadlock, the step limit, a divergence, a
  // stop).
  int advance(int actor, const Pending& pending);

  // Event-loop mode: `actor`, running its step, passed a yield point that does not switch; what it
  // touches belongs to the step it is running.
  void touch(int actor, ObjectKind kind, const char* space, std::string_view name, Access access);
  // Event-loop mode: `actor` takes or gives back a lock without a decision (no other actor holds
  // it). `description` as in Pending. Giving back a lock that actors wait for in line (fifo) hands
  // it to the first of them.
  void take(int actor, std::uint64_t lock, std::uint64_t description);
  void give_back(std::uint64_t lock);
  // An exec'd program's release without a decision (il_touch) in `actor`'s last step: wakes the
  // actors waiting for `lock` (and forgets its holders), as a release step would.
  void wake(int actor, std::uint64_t lock);
  // Whether actors wait in line for `lock` (then a newcomer must wait behind them).
  bool has_waiters(std::uint64_t lock) const;
  // The actor holding `lock` through a description other than `description` (0: any), or kNoActor.
  int holder_against(std::uint64_t lock, std::uint64_t description) const;

  // Ends the execution with `outcome` unless it has one already. Only the baton holder's side may
  // call it; other threads use request_stop().
  void stop(Outcome outcome, std::string_view message);
  // Thread-safe: the next decision stops the execution with `outcome` (a watchdog's finding).
  void request_stop(Outcome outcome, std::string message);
  bool aborting() const { return aborting_; }

  // For the watchdog (any thread): the actor last granted, the label of its step, decisions made.
  int running() const { return running_.load(std::memory_order_acquire); }
  const char* running_label() const { return running_label_.load(std::memory_order_acquire); }
  std::uint32_t steps() const { return steps_.load(std::memory_order_acquire); }
  // While the execution is being unwound: the engine hands the baton to `actor` (to abort it).
  void set_running(int actor) { running_.store(actor, std::memory_order_release); }
  // After a step of `actor` was granted but never came back (its worker died, or it hangs): marks
  // it finished, so that the execution can be unwound.
  void mark_finished(int actor);
  bool finished(int actor) const { return actors_[actor].state == State::kFinished; }

  // Processes mode with crashes: whether the actor advance() or begin() just returned is to be
  // granted IL_GO_CRASH (its process crashed there) rather than IL_GO_RUN. Reading clears it.
  bool take_crash_grant() { return std::exchange(crash_grant_, false); }

  // The result of the execution (once it ended); the trace moves out.
  ExecutionResult take_result();

  // For a fatal-signal handler (async-signal-safe reads; valid while an execution runs).
  const Trace& trace() const { return trace_; }
  // The token prefix of the running execution, "" when its fatal signals are not reported.
  const char* fatal_prefix() const {
    return fatal_active_.load(std::memory_order_acquire) ? fatal_prefix_ : "";
  }
  void report_fatal_signals(std::string_view token_prefix);
  void stop_reporting_fatal_signals() { fatal_active_.store(false, std::memory_order_release); }

 private:
  enum class State : std::uint8_t { kRunnable, kBlocked, kFinished };
  struct Actor {
    State state = State::kRunnable;
    const char* label = "start";
    Object object;
    Event event = Event::kYield;
    bool retry_plain = false;  // kBlocked after kWait: the retry is an ordinary step
    bool timed = false;        // kBlocked after a timed kWait: it may time out
    bool until_stuck = false;  // timed: only when no other actor can run
    // Its last wait ended by a timeout, and since then it has neither waited again nor woken
    // another actor: its steps meanwhile are no progress that lets another timed wait end (else
    // two waiters that time out and wait again in turn would run forever in no time).
    bool aftermath = false;
    // Timeouts it took since another actor last made progress: a wait may time out again without
    // such progress while this is below kTimeoutsWithoutProgress (CPython's GIL waiter times out
    // once to see the holder change, and a second time to ask it to drop the GIL).
    int timeouts = 0;
    std::uint64_t since = 0;        // timed: the number of steps when it began to wait
    std::uint64_t lock = 0;         // kAcquire: the lock it waits to take; kBlocked: blocked on
    std::uint64_t description = 0;  // kAcquire of a file lock
    bool fifo = false;              // kAcquire: waits in line (Pending::fifo)
    std::uint64_t arrival = 0;      // fifo: when it got in line
  };
  struct Holder {
    std::uint64_t lock = 0;
    int actor = kNoActor;
    std::uint64_t description = 0;
  };

  bool enabled(int actor) const;
  // A timed waiter may time out now: another actor made progress since it began to wait, or it
  // took fewer than kTimeoutsWithoutProgress timeouts since the last progress of another.
  bool may_time_out(int actor) const;
  static constexpr int kTimeoutsWithoutProgress = 2;
  int decide(int current);
  void grant_effects(int chosen);
  // Forgets the holders of `lock` and wakes the actors blocked on it; whether it woke one.
  bool release(std::uint64_t lock);
  // `actor`'s steps up to its step `index` (from 0) were progress (see last_step_).
  void made_progress(int actor, std::uint64_t index);
  std::string describe_deadlock() const;
  void publish_steps();

  const Topology topology_;
  const Limits limits_;
  const std::atomic<bool>* const stop_;
  il_control* const control_;
  const int actor_count_;
  Strategy* strategy_ = nullptr;
  std::vector<Actor> actors_;
  // Per actor: 1 + the index of its last step that was progress (no timeout or its aftermath), or
  // 0.
  std::vector<std::uint64_t> last_step_;
  std::vector<Holder> holders_;
  std::uint32_t crashes_ = 0;  // crash decisions taken in this execution
  bool crash_grant_ = false;   // the actor just chosen is to be granted IL_GO_CRASH
  std::uint64_t arrivals_ = 0;
  Trace trace_;
  std::uint64_t handoffs_ = 0;
  Outcome outcome_ = Outcome::kCompleted;
  std::string message_;
  bool aborting_ = false;
  std::atomic<int> running_{kNoActor};
  std::atomic<const char*> running_label_{"start"};
  std::atomic<std::uint32_t> steps_{0};
  // A stop asked for by another thread, applied at the next decision.
  std::atomic<bool> stop_requested_{false};
  std::mutex request_mu_;
  Outcome requested_outcome_ = Outcome::kStopped;
  std::string requested_message_;
  std::atomic<bool> fatal_active_{false};
  char fatal_prefix_[IL_MESSAGE_CAPACITY] = {};
};

}  // namespace interleave::detail
