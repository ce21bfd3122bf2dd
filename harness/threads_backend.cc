#include "harness/threads_backend.h"

#include <array>
#include <atomic>
#include <exception>
#include <thread>
#include <typeinfo>
#include <vector>

#include "fmt/format.h"
#include "harness/futex.h"
#include "harness/seam.h"

namespace interleave {
namespace {

// Thrown into an actor to unwind its body when the execution is being stopped. Deliberately not a
// std::exception, so store code that catches std::exception does not swallow it.
struct Aborted {};

thread_local int tl_actor = kNoActor;

// Hands the baton to the owner of `word`.
void give(std::atomic<std::uint32_t>& word) {
  word.store(1, std::memory_order_release);
  detail::futex_wake(&word);
}

// Waits until the baton is handed to the owner of `word`, then takes it.
void take(std::atomic<std::uint32_t>& word) {
  while (word.load(std::memory_order_acquire) == 0) detail::futex_wait(&word, 0);
  word.store(0, std::memory_order_relaxed);
}

// True when throwing now would terminate the program (we are already unwinding).
bool unwinding() { return std::uncaught_exceptions() > 0; }

}  // namespace

class ThreadsBackend::Impl final : public Controller {
 public:
  explicit Impl(Limits limits) : limits_(limits) {}

  ~Impl() {
    shutdown_ = true;
    for (int a = 0; a < threads_; ++a) give(slots_[a].baton);
    for (int a = 0; a < threads_; ++a) slots_[a].thread.join();
  }

  ExecutionResult run(int actors, const ActorBody& body, Strategy& strategy);
  bool usable() const { return !broken_; }

  // Controller, called on actor threads holding the baton.
  void yield(const char* label, const Touches& touches, SourceLocation) override;
  void acquire(Mutex& m, SourceLocation) override;
  void release(Mutex& m, SourceLocation) override;

 private:
  enum class State { kRunnable, kBlocked, kFinished };

  struct Slot {
    alignas(64) std::atomic<std::uint32_t> baton{0};
    State state = State::kRunnable;
    const Mutex* blocked_on = nullptr;
    // The yield point the actor waits at: the step it runs when next chosen.
    const char* label = "start";
    const char* kind = "";
    std::string name;
    Access access = Access::kRead;
    std::thread thread;
  };

  void actor_main(int id);
  void ensure_threads(int actors);
  void set_pending(int actor, const char* label, const Touches& touches);
  // Asks the strategy for the next actor and records the step. Returns kNoActor when the execution
  // cannot go on (all finished, deadlock, step limit, divergence); the outcome then says why.
  int decide(int current, bool current_runnable);
  // Passes the baton from `me` to `next` and waits for it to come back.
  void switch_to(int me, int next);
  void finish(int me);
  void stop(Outcome outcome, std::string message);
  // Parks the calling actor for good if the backend was poisoned by a hang.
  void park_if_poisoned();
  void wait_for_main_baton();
  std::string describe_deadlock() const;
  bool aborting() const { return aborting_; }

  const Limits limits_;
  // Fixed storage: actor threads index it while the caller starts more threads.
  std::array<Slot, kMaxActors> slots_;
  int threads_ = 0;  // actor threads started so far
  alignas(64) std::atomic<std::uint32_t> main_baton_{0};
  bool shutdown_ = false;
  bool broken_ = false;

  // Per-execution state, touched only by the baton holder (or by the caller between executions).
  int actors_ = 0;
  const ActorBody* body_ = nullptr;
  Strategy* strategy_ = nullptr;
  bool aborting_ = false;
  ExecutionResult result_;

  // Set after a hang: an actor that comes back from uncontrolled code parks for good instead of
  // touching state the caller has already reported.
  std::atomic<bool> poisoned_{false};
  // Read by the watchdog on the caller's thread while an actor runs.
  std::atomic<std::uint32_t> progress_{0};
  std::atomic<int> last_actor_{kNoActor};
  std::atomic<const char*> last_label_{"start"};
};

void ThreadsBackend::Impl::ensure_threads(int actors) {
  for (; threads_ < actors; ++threads_) {
    slots_[threads_].thread = std::thread([this, id = threads_] { actor_main(id); });
  }
}

void ThreadsBackend::Impl::actor_main(int id) {
  tl_actor = id;
  for (;;) {
    take(slots_[id].baton);
    if (shutdown_) return;
    if (!aborting_) {
      detail::current_controller = this;
      try {
        (*body_)(id);
      } catch (const Aborted&) {
      } catch (const std::exception& e) {
        stop(Outcome::kCrash, fmt::format("actor {} threw {}: {}", id, typeid(e).name(), e.what()));
      } catch (...) {
        stop(Outcome::kCrash, fmt::format("actor {} threw an exception of unknown type", id));
      }
      detail::current_controller = nullptr;
    }
    finish(id);
  }
}

void ThreadsBackend::Impl::finish(int me) {
  park_if_poisoned();
  slots_[me].state = State::kFinished;
  if (!aborting_) {
    const int next = decide(me, false);
    if (next != kNoActor) {
      ++result_.handoffs;
      give(slots_[next].baton);
      return;
    }
  }
  give(main_baton_);
}

void ThreadsBackend::Impl::stop(Outcome outcome, std::string message) {
  if (result_.outcome == Outcome::kCompleted) {
    result_.outcome = outcome;
    result_.message = std::move(message);
  }
  aborting_ = true;
}

void ThreadsBackend::Impl::set_pending(int actor, const char* label, const Touches& touches) {
  Slot& slot = slots_[actor];
  slot.label = label;
  slot.kind = touches.kind;
  slot.name.assign(touches.name);
  slot.access = touches.access;
}

int ThreadsBackend::Impl::decide(int current, bool current_runnable) {
  std::array<int, kMaxActors> runnable;
  std::size_t count = 0;
  bool any_blocked = false;
  for (int a = 0; a < actors_; ++a) {
    const State state = slots_[a].state;
    if (state == State::kRunnable) runnable[count++] = a;
    any_blocked |= state == State::kBlocked;
  }
  const auto step = static_cast<std::uint32_t>(result_.trace.size());
  if (count == 0) {
    if (any_blocked) stop(Outcome::kDeadlock, describe_deadlock());
    return kNoActor;
  }
  if (step >= limits_.max_steps) {
    const int last = result_.trace.empty() ? current : result_.trace.back().actor;
    stop(Outcome::kStepLimit,
         fmt::format("stopped after the step limit of {} steps (last: actor {} at {}): a livelock "
                     "or an unbounded loop? raise --max-steps if the scenario is just long",
                     limits_.max_steps, last, last == kNoActor ? "start" : slots_[last].label));
    return kNoActor;
  }
  const DecisionPoint point{step, current, current_runnable, {runnable.data(), count}};
  const int chosen = strategy_->pick(point);
  bool valid = false;
  for (std::size_t i = 0; i < count; ++i) valid |= runnable[i] == chosen;
  if (!valid) {
    std::string list;
    for (std::size_t i = 0; i < count; ++i) list += fmt::format("{}{}", i ? "," : "", runnable[i]);
    stop(Outcome::kDiverged,
         chosen == kNoActor
             ? fmt::format("diverged at step {}: the schedule has no decision left", step)
             : fmt::format(
                   "diverged at step {}: the schedule chose actor {}, but runnable are {{{}}}",
                   step, chosen, list));
    return kNoActor;
  }
  const Slot& slot = slots_[chosen];
  result_.trace.push_back(Step{step, chosen, slot.label, slot.kind, slot.name, slot.access});
  last_actor_.store(chosen, std::memory_order_relaxed);
  last_label_.store(slot.label, std::memory_order_relaxed);
  progress_.store(step + 1, std::memory_order_relaxed);
  return chosen;
}

void ThreadsBackend::Impl::switch_to(int me, int next) {
  ++result_.handoffs;
  give(slots_[next].baton);
  take(slots_[me].baton);
}

void ThreadsBackend::Impl::park_if_poisoned() {
  if (!poisoned_.load(std::memory_order_relaxed)) [[likely]]
    return;
  std::atomic<std::uint32_t> never{0};
  for (;;) detail::futex_wait(&never, 0);
}

void ThreadsBackend::Impl::yield(const char* label, const Touches& touches, SourceLocation) {
  park_if_poisoned();
  const int me = tl_actor;
  if (!aborting_) {
    set_pending(me, label, touches);
    const int next = decide(me, true);
    if (next != me && next != kNoActor) switch_to(me, next);
  }
  if (aborting_ && !unwinding()) throw Aborted{};
}

void ThreadsBackend::Impl::acquire(Mutex& m, SourceLocation where) {
  yield("lock", Touches{"lock", m.name(), Access::kWrite}, where);
  const int me = tl_actor;
  Slot& slot = slots_[me];
  while (m.controlled_owner != Mutex::kNoOwner && !aborting_) {
    slot.state = State::kBlocked;
    slot.blocked_on = &m;
    const int next = decide(me, false);
    if (next == kNoActor) break;  // deadlock: decide() stopped the execution
    switch_to(me, next);          // release() made us runnable again, or we are being aborted
  }
  slot.state = State::kRunnable;
  slot.blocked_on = nullptr;
  if (aborting_ && !unwinding()) throw Aborted{};
  m.controlled_owner = me;
}

void ThreadsBackend::Impl::release(Mutex& m, SourceLocation) {
  // Never throws: release is usually called from a destructor. A stop decided here takes effect
  // at the actor's next yield point or at the end of its body.
  park_if_poisoned();
  const int me = tl_actor;
  if (!aborting_) {
    set_pending(me, "unlock", Touches{"lock", m.name(), Access::kWrite});
    const int next = decide(me, true);
    if (next != me && next != kNoActor) switch_to(me, next);
  }
  m.controlled_owner = Mutex::kNoOwner;
  for (int a = 0; a < actors_; ++a) {
    Slot& slot = slots_[a];
    if (slot.state == State::kBlocked && slot.blocked_on == &m) {
      slot.state = State::kRunnable;
      slot.blocked_on = nullptr;
    }
  }
}

std::string ThreadsBackend::Impl::describe_deadlock() const {
  std::string out = "every unfinished actor is blocked:";
  for (int a = 0; a < actors_; ++a) {
    const Slot& slot = slots_[a];
    if (slot.state != State::kBlocked) continue;
    const int owner = slot.blocked_on->controlled_owner;
    out += fmt::format(" actor {} waits for lock:{} held by actor {};", a, slot.blocked_on->name(),
                       owner);
  }
  out.pop_back();
  return out;
}

void ThreadsBackend::Impl::wait_for_main_baton() {
  using Clock = std::chrono::steady_clock;
  std::uint32_t seen = progress_.load(std::memory_order_relaxed);
  Clock::time_point since = Clock::now();
  while (main_baton_.load(std::memory_order_acquire) == 0) {
    const timespec tick{0, 50'000'000};
    detail::futex_wait(&main_baton_, 0, &tick);
    if (main_baton_.load(std::memory_order_acquire) != 0) break;
    const std::uint32_t now_seen = progress_.load(std::memory_order_relaxed);
    if (now_seen != seen) {
      seen = now_seen;
      since = Clock::now();
    } else if (Clock::now() - since > limits_.hang_timeout) {
      broken_ = true;
      poisoned_.store(true, std::memory_order_relaxed);
      const double seconds = std::chrono::duration<double>(limits_.hang_timeout).count();
      result_.outcome = Outcome::kHang;
      result_.message = fmt::format(
          "no yield point for {:.1f} s in actor {} after {}: an uncontrolled blocking call or a "
          "spin loop?",
          seconds, last_actor_.load(std::memory_order_relaxed),
          last_label_.load(std::memory_order_relaxed));
      return;
    }
  }
  main_baton_.store(0, std::memory_order_relaxed);
}

ExecutionResult ThreadsBackend::Impl::run(int actors, const ActorBody& body, Strategy& strategy) {
  ensure_threads(actors);
  actors_ = actors;
  body_ = &body;
  strategy_ = &strategy;
  aborting_ = false;
  result_ = ExecutionResult{};
  progress_.store(0, std::memory_order_relaxed);
  for (int a = 0; a < actors; ++a) {
    Slot& slot = slots_[a];
    slot.state = State::kRunnable;
    slot.blocked_on = nullptr;
    set_pending(a, "start", Touches{});
  }
  if (const int first = decide(kNoActor, false); first != kNoActor) {
    give(slots_[first].baton);
    wait_for_main_baton();
  }
  if (broken_) return std::move(result_);
  // Unwind every actor that did not finish, one at a time (strict baton even while stopping).
  aborting_ = true;
  for (int a = 0; a < actors; ++a) {
    if (slots_[a].state == State::kFinished) continue;
    give(slots_[a].baton);
    wait_for_main_baton();
    if (broken_) return std::move(result_);
  }
  return std::move(result_);
}

ThreadsBackend::ThreadsBackend(Limits limits) : impl_(std::make_unique<Impl>(limits)) {}

ThreadsBackend::~ThreadsBackend() {
  // After a hang an actor thread still runs uncontrolled code that may touch the Impl; leaking it
  // (and its threads) is the only safe choice. The process is expected to exit soon after.
  if (!impl_->usable()) (void)impl_.release();
}

ExecutionResult ThreadsBackend::run(int actors, const ActorBody& body, Strategy& strategy) {
  return impl_->run(actors, body, strategy);
}

bool ThreadsBackend::usable() const { return impl_->usable(); }

}  // namespace interleave
