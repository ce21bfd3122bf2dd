#include <array>
#include <cstring>
#include <string>

#include "fmt/format.h"
#include "harness/control_block.h"
#include "harness/futex.h"
#include "harness/tsan.h"
#include "harness/wait.h"

namespace interleave::detail {
namespace {

// True when `lock` is held through a description other than `description` (0: any holder).
bool held_against(const ControlBlock& cb, std::uint64_t lock, std::uint64_t description) {
  for (const Holder& h : cb.holders) {
    if (h.lock == lock && (description == 0 || h.description != description)) return true;
  }
  return false;
}

// The lock actor `a` waits for (blocked on it, or waiting to take a lock held against it), or 0.
std::uint64_t waits_for(const ControlBlock& cb, int a) {
  const ActorSlot& slot = cb.slots[a];
  if (slot.state == ActorState::kBlocked) return slot.blocked_on;
  if (slot.state == ActorState::kRunnable && slot.wants != 0 &&
      held_against(cb, slot.wants, slot.wants_description)) {
    return slot.wants;
  }
  return 0;
}

std::string describe_deadlock(const ControlBlock& cb) {
  std::string out = "every unfinished actor is blocked:";
  for (int a = 0; a < cb.actors; ++a) {
    const std::uint64_t lock = waits_for(cb, a);
    if (lock == 0) continue;
    out += fmt::format(" actor {} waits for {}:{}", a, cb.slots[a].kind, cb.slots[a].name);
    for (const Holder& h : cb.holders) {
      if (h.lock == lock) out += fmt::format(" held by actor {}", h.actor);
    }
    out += ';';
  }
  out.pop_back();
  return out;
}

}  // namespace

void copy_name(char* to, std::size_t capacity, const char* from, std::size_t size) {
  const std::size_t n = size < capacity - 1 ? size : capacity - 1;
  if (n > 0) std::memcpy(to, from, n);  // from may be null when n == 0
  to[n] = '\0';
}

void grant(ActorSlot& slot, std::uint32_t go) {
  baton_released();
  slot.go.store(go, std::memory_order_seq_cst);
  if (slot.sleeping.load(std::memory_order_seq_cst) != 0) futex_wake(&slot.go);
}

std::uint32_t wait_go(ActorSlot& slot, int spins) {
  std::uint32_t go = spin_while(slot.go, kGoWait, spins);
  while (go == kGoWait) {
    slot.sleeping.store(1, std::memory_order_seq_cst);
    if (slot.go.load(std::memory_order_seq_cst) == kGoWait) futex_wait(&slot.go, kGoWait);
    slot.sleeping.store(0, std::memory_order_relaxed);
    go = slot.go.load(std::memory_order_acquire);
  }
  slot.go.store(kGoWait, std::memory_order_relaxed);
  baton_acquired();
  return go;
}

void wake_scheduler(ControlBlock& cb) {
  baton_released();
  cb.scheduler.store(1, std::memory_order_seq_cst);
  if (cb.scheduler_sleeping.load(std::memory_order_seq_cst) != 0) futex_wake(&cb.scheduler);
}

void stop(ControlBlock& cb, Outcome outcome, const char* message) {
  if (cb.outcome == Outcome::kCompleted) {
    cb.outcome = outcome;
    copy_name(cb.message, kMessageCapacity, message, std::strlen(message));
  }
  cb.aborting = true;
}

void note_acquired(ControlBlock& cb, std::uint64_t lock, int actor, std::uint64_t description) {
  for (Holder& h : cb.holders) {
    if (h.lock == 0 || h.lock == lock) {
      h = Holder{lock, actor, description};
      return;
    }
  }
}

void note_released(ControlBlock& cb, std::uint64_t lock) {
  for (Holder& h : cb.holders) {
    if (h.lock == lock) h = Holder{};
  }
  for (int a = 0; a < cb.actors; ++a) {
    ActorSlot& slot = cb.slots[a];
    if (slot.state == ActorState::kBlocked && slot.blocked_on == lock) {
      slot.state = ActorState::kRunnable;
    }
  }
}

int decide(ControlBlock& cb, int current) {
  std::array<int, kMaxActors> runnable;
  std::size_t count = 0;
  bool any_blocked = false;
  bool current_runnable = false;
  for (int a = 0; a < cb.actors; ++a) {
    if (cb.slots[a].state == ActorState::kFinished) continue;
    if (waits_for(cb, a) != 0) {
      any_blocked = true;
    } else {
      runnable[count++] = a;
      current_runnable |= a == current;
    }
  }
  const std::uint32_t step = cb.steps;
  if (cb.aborting) return kNoActor;
  if (cb.stop_requested.load(std::memory_order_relaxed) != 0) {
    stop(cb, Outcome::kStopped, "stopped on request");
    return kNoActor;
  }
  if (count == 0) {
    if (any_blocked) stop(cb, Outcome::kDeadlock, describe_deadlock(cb).c_str());
    return kNoActor;
  }
  if (step >= cb.max_steps) {
    const int last = step == 0 ? current : cb.trace[step - 1].actor;
    stop(cb, Outcome::kStepLimit,
         fmt::format("stopped after the step limit of {} steps (last: actor {} at {}): a livelock "
                     "or an unbounded loop? raise --max-steps if the scenario is just long",
                     cb.max_steps, last, last == kNoActor ? "start" : cb.slots[last].label)
             .c_str());
    return kNoActor;
  }
  const DecisionPoint point{step, current, current_runnable, {runnable.data(), count}};
  const int chosen = cb.strategy->pick(point);
  bool valid = false;
  for (std::size_t i = 0; i < count; ++i) valid |= runnable[i] == chosen;
  if (!valid) {
    std::string list;
    for (std::size_t i = 0; i < count; ++i) list += fmt::format("{}{}", i ? "," : "", runnable[i]);
    stop(cb, Outcome::kDiverged,
         (chosen == kNoActor
              ? fmt::format("diverged at step {}: the schedule has no decision left", step)
              : fmt::format(
                    "diverged at step {}: the schedule chose actor {}, but runnable are {{{}}}",
                    step, chosen, list))
             .c_str());
    return kNoActor;
  }
  const ActorSlot& slot = cb.slots[chosen];
  TraceRecord& record = cb.trace[step];
  record.actor = chosen;
  record.access = slot.access;
  record.runnable = 0;
  for (std::size_t i = 0; i < count; ++i) record.runnable |= std::uint64_t{1} << runnable[i];
  record.label = slot.label;
  record.kind = slot.kind;
  std::memcpy(record.name, slot.name, kNameCapacity);
  cb.steps = step + 1;
  if (current != kNoActor && chosen != current) ++cb.handoffs;
  cb.running.store(chosen, std::memory_order_relaxed);
  cb.running_label.store(slot.label, std::memory_order_relaxed);
  // Release: the watchdog's acquire of `progress` orders everything this baton holder did so far
  // before what the scheduler does if the holder then hangs in uncontrolled code.
  cb.progress.store(step + 1, std::memory_order_release);
  return chosen;
}

}  // namespace interleave::detail
