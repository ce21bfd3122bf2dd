#include "harness/scheduler/scheduler.h"

#include <algorithm>
#include <array>
#include <string>

#include "fmt/format.h"

namespace interleave::detail {

Scheduler::Scheduler(const Topology& topology, const Limits& limits, const std::atomic<bool>* stop,
                     il_control* control)
    : topology_(topology),
      limits_(limits),
      stop_(stop),
      control_(control),
      actor_count_(topology.actors()),
      actors_(static_cast<std::size_t>(actor_count_)),
      last_step_(static_cast<std::size_t>(actor_count_)) {}

int Scheduler::begin(Strategy& strategy) {
  strategy_ = &strategy;
  std::fill(actors_.begin(), actors_.end(), Actor{});
  std::fill(last_step_.begin(), last_step_.end(), 0);
  // A program's threads other than its first are not there yet: each starts when its creator's
  // step (kSpawn) runs.
  for (std::size_t g = 0; g < topology_.groups.size(); ++g) {
    if (topology_.groups[g].kind != ActorKind::kProgram) continue;
    const int first = topology_.first_of(static_cast<int>(g));
    for (int a = first + 1; a < first + topology_.groups[g].actors; ++a) {
      actors_[static_cast<std::size_t>(a)].state = State::kFinished;
    }
  }
  holders_.clear();
  crashes_ = 0;
  crash_grant_ = false;
  trace_.clear();
  trace_.reserve(64);
  handoffs_ = 0;
  outcome_ = Outcome::kCompleted;
  message_.clear();
  aborting_ = false;
  stop_requested_.store(false, std::memory_order_relaxed);
  steps_.store(0, std::memory_order_relaxed);
  running_.store(kNoActor, std::memory_order_relaxed);
  running_label_.store("start", std::memory_order_relaxed);
  publish_steps();
  __atomic_store_n(&control_->aborting, 0, __ATOMIC_RELAXED);
  return decide(kNoActor);
}

int Scheduler::advance(int actor, const Pending& pending) {
  Actor& a = actors_[static_cast<std::size_t>(actor)];
  switch (pending.event) {
    case Event::kFinish:
      a.state = State::kFinished;
      if (pending.lock != 0) release(pending.lock);  // its joiners
      if (!pending.failure.empty()) stop(Outcome::kCrash, pending.failure);
      break;
    case Event::kExit: {
      const int group = topology_.group_of(actor);
      const int first = topology_.first_of(group);
      for (int b = first; b < first + topology_.groups[static_cast<std::size_t>(group)].actors;
           ++b) {
        actors_[static_cast<std::size_t>(b)].state = State::kFinished;
      }
      if (!pending.failure.empty()) stop(Outcome::kCrash, pending.failure);
      break;
    }
    case Event::kBlocked:
    case Event::kWait: {
      // The step just run was this actor's attempt to take the lock, refused natively (a holder the
      // scheduler does not know): it took nothing and only read the lock's state, which
      // partial-order reduction must see as a read.
      holders_.erase(std::remove_if(holders_.begin(), holders_.end(),
                                    [&](const Holder& h) {
                                      return h.lock == pending.lock && h.actor == actor;
                                    }),
                     holders_.end());
      for (auto it = trace_.rbegin(); it != trace_.rend() && !pending.keep_last; ++it) {
        if (it->actor == actor) {
          it->object.access = Access::kRead;
          break;
        }
      }
      a.state = State::kBlocked;
      a.lock = pending.lock;
      a.retry_plain = pending.event == Event::kWait;
      a.timed = pending.event == Event::kWait && pending.timed;
      a.until_stuck = a.timed && pending.until_stuck;
      a.aftermath = false;
      a.since = trace_.size();
      if (pending.event == Event::kWait) {
        // The step that ends the wait (a retry, or a timeout) is the wait's own.
        a.label = pending.label;
        a.object.kind = pending.kind;
        a.object.space = pending.space;
        a.object.name.assign(pending.name);
        a.object.access = pending.access;
      }
      break;
    }
    default:
      a.state = State::kRunnable;
      a.event = pending.event;
      a.label = pending.label;
      a.object.kind = pending.kind;
      a.object.space = pending.space;
      a.object.name.assign(pending.name);
      a.object.access = pending.access;
      a.lock = pending.lock;
      a.description = pending.description;
      a.fifo = pending.fifo;
      a.arrival = ++arrivals_;
      break;
  }
  if (aborting_) return kNoActor;
  return decide(actor);
}

void Scheduler::touch(int actor, ObjectKind kind, const char* space, std::string_view name,
                      Access access) {
  if (kind == ObjectKind::kNone || trace_.empty()) return;
  for (auto it = trace_.rbegin(); it != trace_.rend(); ++it) {
    if (it->actor != actor) continue;
    it->also.push_back(Object{kind, space, std::string(name), access});
    return;
  }
}

void Scheduler::take(int actor, std::uint64_t lock, std::uint64_t description) {
  holders_.push_back(Holder{lock, actor, description});
}

void Scheduler::give_back(std::uint64_t lock) {
  release(lock);
  // Hand it to the first actor in line, if any: it is enabled from now on, and holds it.
  Actor* first = nullptr;
  int first_id = kNoActor;
  for (int i = 0; i < actor_count_; ++i) {
    Actor& a = actors_[static_cast<std::size_t>(i)];
    if (a.state != State::kRunnable || a.event != Event::kAcquire || !a.fifo || a.lock != lock) {
      continue;
    }
    if (first == nullptr || a.arrival < first->arrival) {
      first = &a;
      first_id = i;
    }
  }
  if (first != nullptr) holders_.push_back(Holder{lock, first_id, 0});
}

bool Scheduler::has_waiters(std::uint64_t lock) const {
  for (const Actor& a : actors_) {
    if (a.state == State::kRunnable && a.event == Event::kAcquire && a.fifo && a.lock == lock) {
      return true;
    }
  }
  return false;
}

int Scheduler::holder_against(std::uint64_t lock, std::uint64_t description) const {
  for (const Holder& h : holders_) {
    if (h.lock == lock && (description == 0 || h.description != description)) return h.actor;
  }
  return kNoActor;
}

void Scheduler::stop(Outcome outcome, std::string_view message) {
  if (outcome_ == Outcome::kCompleted) {
    outcome_ = outcome;
    message_.assign(message);
  }
  aborting_ = true;
  __atomic_store_n(&control_->aborting, 1, __ATOMIC_RELEASE);
}

void Scheduler::request_stop(Outcome outcome, std::string message) {
  std::lock_guard lock(request_mu_);
  if (stop_requested_.load(std::memory_order_relaxed)) return;
  requested_outcome_ = outcome;
  requested_message_ = std::move(message);
  stop_requested_.store(true, std::memory_order_release);
}

void Scheduler::mark_finished(int actor) {
  actors_[static_cast<std::size_t>(actor)].state = State::kFinished;
}

bool Scheduler::may_time_out(int actor) const {
  const Actor& a = actors_[static_cast<std::size_t>(actor)];
  if (a.state != State::kBlocked || !a.timed || a.until_stuck) return false;
  if (a.timeouts < kTimeoutsWithoutProgress) return true;
  for (int b = 0; b < actor_count_; ++b) {
    if (b != actor && last_step_[static_cast<std::size_t>(b)] > a.since) return true;
  }
  return false;
}

bool Scheduler::enabled(int actor) const {
  const Actor& a = actors_[static_cast<std::size_t>(actor)];
  if (may_time_out(actor)) return true;
  if (a.state != State::kRunnable) return false;
  if (a.event != Event::kAcquire) return true;
  if (a.fifo) return holder_against(a.lock, 0) == actor;  // handed to it
  return holder_against(a.lock, a.description) == kNoActor;
}

std::string Scheduler::describe_deadlock() const {
  std::string out = "every unfinished actor is blocked:";
  for (int a = 0; a < actor_count_; ++a) {
    const Actor& actor = actors_[static_cast<std::size_t>(a)];
    if (actor.state == State::kFinished || enabled(a)) continue;
    out += fmt::format(" actor {} waits for {}", a, actor.object.to_string());
    for (const Holder& h : holders_) {
      if (h.lock == actor.lock) out += fmt::format(" held by actor {}", h.actor);
    }
    out += ';';
  }
  out.pop_back();
  return out;
}

void Scheduler::publish_steps() {
  __atomic_store_n(&control_->steps, static_cast<std::uint32_t>(trace_.size()), __ATOMIC_RELAXED);
}

int Scheduler::decide(int current) {
  if (stop_requested_.load(std::memory_order_acquire)) {
    std::lock_guard lock(request_mu_);
    stop(requested_outcome_, requested_message_);
  }
  if (stop_ != nullptr && stop_->load(std::memory_order_relaxed)) {
    stop(Outcome::kStopped, "stopped on request");
  }
  if (aborting_) return kNoActor;
  std::array<int, 2 * kMaxActors + 1> runnable;
  std::size_t count = 0;
  bool any_waiting = false;
  bool current_runnable = false;
  bool any_timed = false;
  for (int a = 0; a < actor_count_; ++a) {
    const Actor& actor = actors_[static_cast<std::size_t>(a)];
    if (actor.state == State::kFinished) continue;
    any_timed |= actor.state == State::kBlocked && actor.timed;
    if (!enabled(a)) {
      any_waiting = true;
      continue;
    }
    runnable[count++] = a;
    current_runnable |= a == current;
  }
  // Every actor that can run only waits or spins after a timeout of its own (it made no progress
  // since): time passes for the other timed waits too, as it would in real time.
  bool only_aftermath = count > 0 && any_timed;
  for (std::size_t i = 0; i < count && only_aftermath; ++i) {
    const Actor& actor = actors_[static_cast<std::size_t>(runnable[i])];
    only_aftermath = actor.state == State::kBlocked || actor.aftermath;
  }
  if (only_aftermath) {
    for (int a = 0; a < actor_count_; ++a) {
      const Actor& actor = actors_[static_cast<std::size_t>(a)];
      if (actor.state == State::kBlocked && actor.timed && !actor.until_stuck && !enabled(a)) {
        runnable[count++] = a;
      }
    }
    std::sort(runnable.begin(), runnable.begin() + static_cast<std::ptrdiff_t>(count));
  }
  if (count == 0 && any_timed) {
    // Nothing else can run: time passes, and every timed wait may end; a wait that ends only when
    // nothing else can run (left to the kernel then) only once no timed wait is left to end.
    for (const bool until_stuck : {false, true}) {
      for (int a = 0; a < actor_count_; ++a) {
        const Actor& actor = actors_[static_cast<std::size_t>(a)];
        if (actor.state == State::kBlocked && actor.timed && actor.until_stuck == until_stuck) {
          runnable[count++] = a;
        }
      }
      if (count > 0) break;
    }
  }
  const auto step = static_cast<std::uint32_t>(trace_.size());
  if (count == 0) {
    if (any_waiting) stop(Outcome::kDeadlock, describe_deadlock());
    return kNoActor;
  }
  if (step >= limits_.max_steps) {
    const int last = step == 0 ? current : trace_.back().actor;
    stop(Outcome::kStepLimit,
         fmt::format("stopped after the step limit of {} steps (last: actor {} at {}): a livelock "
                     "or an unbounded loop? raise --max-steps if the scenario is just long",
                     limits_.max_steps, last,
                     last == kNoActor ? "start" : actors_[static_cast<std::size_t>(last)].label));
    return kNoActor;
  }
  // A crash is offered as more choices past the last actor (DecisionPoint::crash): in one process
  // (threads mode), or when a crash is a power loss, one, actor_count_, which crashes everything;
  // else, with one process per actor (processes mode), actor_count_ + a for each enabled actor a
  // past its start, which crashes a's process alone: it is granted IL_GO_CRASH, and restarts.
  const bool crash_everything = topology_.in_process() || limits_.crash_stops_every_process;
  const std::size_t actors_enabled = count;
  bool crash_offered = false;
  if (crashes_ < limits_.crashes && 2 * actor_count_ <= kMaxActors) {
    if (crash_everything) {
      runnable[count++] = actor_count_;
    } else {
      for (std::size_t i = 0; i < actors_enabled; ++i) {
        const Actor& c = actors_[static_cast<std::size_t>(runnable[i])];
        // Not at its start (nothing to crash) nor at a release (release() never throws: the
        // lock goes at the next step, where the crash is offered again).
        if (std::string_view(c.label) != "start" && c.event != Event::kRelease) {
          runnable[count++] = actor_count_ + runnable[i];
        }
      }
    }
    crash_offered = count > actors_enabled;
  }
  DecisionPoint point{step, current, current_runnable, {runnable.data(), count}};
  if (crash_offered) point.crash = runnable[actors_enabled];
  const int chosen = strategy_->pick(point);
  if (std::find(runnable.begin(), runnable.begin() + count, chosen) == runnable.begin() + count) {
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
  if (crash_offered && chosen >= actor_count_) {
    ++crashes_;
    Step& s = trace_.emplace_back();
    s.index = step;
    s.actor = chosen;
    s.label = "crash";
    if (!crash_everything) {
      // Which process: "crash of actor 1's process" (stable strings, as labels must be).
      static const auto kVictimLabels = [] {
        std::array<std::string, kMaxActors> labels;
        for (int i = 0; i < kMaxActors; ++i) labels[i] = fmt::format("crash of actor {}", i);
        return labels;
      }();
      s.label = kVictimLabels[static_cast<std::size_t>(chosen - actor_count_)].c_str();
    }
    for (std::size_t i = 0; i < count; ++i) s.runnable |= std::uint64_t{1} << runnable[i];
    publish_steps();
    if (crash_everything) {
      steps_.store(step + 1, std::memory_order_release);
      stop(Outcome::kCrashed,
           topology_.in_process()
               ? fmt::format("crashed at step {}: every actor stopped there, as by SIGKILL", step)
               : fmt::format("crashed at step {}: the power went, every process stopped there",
                             step));
      return kNoActor;
    }
    // One process crashes: its actor is granted the crash at its pending step (no lock effect:
    // the step does not run) and restarts; the others go on.
    // Its locks go with it (the kernel drops its flocks; its mutexes die with its memory).
    const int victim = chosen - actor_count_;
    Actor& v = actors_[static_cast<std::size_t>(victim)];
    v.event = Event::kYield;
    std::vector<std::uint64_t> held;
    for (const Holder& h : holders_) {
      if (h.actor == victim) held.push_back(h.lock);
    }
    for (std::uint64_t lock : held) release(lock);
    crash_grant_ = true;
    if (current != kNoActor && victim != current) ++handoffs_;
    running_label_.store("crash", std::memory_order_relaxed);
    running_.store(victim, std::memory_order_relaxed);
    steps_.store(step + 1, std::memory_order_release);
    return victim;
  }
  Actor& a = actors_[static_cast<std::size_t>(chosen)];
  Step& s = trace_.emplace_back();
  s.index = step;
  s.actor = chosen;
  s.label = a.label;
  s.object = a.object;
  if (a.state == State::kBlocked && a.timed) {
    // The wait ends, woken or timed out: either way what the actor does next (a timeout, a GIL
    // drop request) may change what its process's other threads do, through memory.
    a.state = State::kRunnable;
    a.event = Event::kYield;
    a.timed = false;
    a.aftermath = true;
    ++a.timeouts;
    s.also.push_back(Object{ObjectKind::kProcess, "process", "", Access::kWrite});
  } else if (!a.aftermath) {
    // Progress that lets a timed wait end: a timeout is none (two waiters timing out in turn
    // would otherwise run forever in no time).
    made_progress(chosen, step);
  }
  for (std::size_t i = 0; i < count; ++i) s.runnable |= std::uint64_t{1} << runnable[i];
  if (current != kNoActor && chosen != current) ++handoffs_;
  grant_effects(chosen);
  running_label_.store(a.label, std::memory_order_relaxed);
  running_.store(chosen, std::memory_order_relaxed);
  publish_steps();
  // Release, last: the watchdog's acquire of `steps` orders everything done so far before what it
  // does if the holder then hangs in uncontrolled code (it takes the trace over).
  steps_.store(step + 1, std::memory_order_release);
  return chosen;
}

void Scheduler::grant_effects(int chosen) {
  Actor& a = actors_[static_cast<std::size_t>(chosen)];
  if (a.event == Event::kAcquire) {
    if (!a.fifo) holders_.push_back(Holder{a.lock, chosen, a.description});  // fifo: handed over
  } else if (a.event == Event::kRelease) {
    if (release(a.lock)) made_progress(chosen, trace_.size() - 1);
  } else if (a.event == Event::kSpawn) {
    // The new thread waits at its "start" step, which reads what the creating step wrote (the
    // thread's object): nothing of the thread can be ordered before its creation.
    Actor& born = actors_[static_cast<std::size_t>(a.lock)];
    born = Actor{};
    born.object = a.object;
    born.object.access = Access::kRead;
  }
  a.event = Event::kYield;  // the effect is applied once
}

bool Scheduler::release(std::uint64_t lock) {
  holders_.erase(std::remove_if(holders_.begin(), holders_.end(),
                                [&](const Holder& h) { return h.lock == lock; }),
                 holders_.end());
  bool woke = false;
  for (Actor& a : actors_) {
    if (a.state == State::kBlocked && a.lock == lock) {
      a.state = State::kRunnable;  // it waits at the acquisition again, or retries
      a.event = a.retry_plain ? Event::kYield : Event::kAcquire;
      a.timed = false;
      woke = true;
    }
  }
  return woke;
}

void Scheduler::wake(int actor, std::uint64_t lock) {
  if (!release(lock)) return;
  for (auto it = trace_.rbegin(); it != trace_.rend(); ++it) {
    if (it->actor == actor) {
      made_progress(actor, it->index);
      return;
    }
  }
}

void Scheduler::made_progress(int actor, std::uint64_t index) {
  actors_[static_cast<std::size_t>(actor)].aftermath = false;
  std::uint64_t& last = last_step_[static_cast<std::size_t>(actor)];
  last = std::max(last, index + 1);
  for (int b = 0; b < actor_count_; ++b) {
    if (b != actor) actors_[static_cast<std::size_t>(b)].timeouts = 0;
  }
}

void Scheduler::report_fatal_signals(std::string_view token_prefix) {
  const std::size_t n = std::min(token_prefix.size(), sizeof fatal_prefix_ - 1);
  token_prefix.copy(fatal_prefix_, n);
  fatal_prefix_[n] = '\0';
  fatal_active_.store(n > 0, std::memory_order_release);
}

ExecutionResult Scheduler::take_result() {
  ExecutionResult result;
  result.outcome = outcome_;
  result.message = std::move(message_);
  result.handoffs = handoffs_;
  result.trace = std::move(trace_);
  trace_ = Trace();
  return result;
}

}  // namespace interleave::detail
