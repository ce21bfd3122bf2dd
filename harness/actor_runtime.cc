#include "harness/actor_runtime.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <exception>
#include <string>
#include <thread>
#include <typeinfo>
#include <vector>

#include "fmt/format.h"
#include "harness/environment.h"
#include "harness/fatal_signal.h"
#include "harness/futex.h"
#include "harness/seam.h"
#include "harness/tsan.h"

namespace interleave::detail {
namespace {

// Thrown into an actor to unwind its body when the execution is being stopped. Deliberately not a
// std::exception, so store code that catches std::exception does not swallow it.
struct Aborted {};

bool unwinding() { return std::uncaught_exceptions() > 0; }

// A lock's identity for blocking: a Mutex is private to its process, a file lock is named.
std::uint64_t id_of(const Mutex& m, int process) {
  return reinterpret_cast<std::uintptr_t>(&m) ^ (static_cast<std::uint64_t>(process + 1) << 56);
}

std::uint64_t id_of(const FileLock& lock) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a of the name
  for (const char* p = lock.name(); *p != '\0'; ++p) {
    h = (h ^ static_cast<unsigned char>(*p)) * 1099511628211ULL;
  }
  return h | 1;  // never 0, which marks a free holder entry
}

// The open file description a FileLock is taken through, as the scheduler models it: its
// descriptor in its process (never 0). Threads sharing a descriptor share the description; two
// descriptors count as two descriptions, even dup()ed ones or ones inherited across fork.
std::uint64_t description_of(const FileLock& lock, int process) {
  return (static_cast<std::uint64_t>(process) + 1) << 32 | static_cast<std::uint32_t>(lock.fd());
}

class ActorRuntime final : public Controller {
 public:
  explicit ActorRuntime(const ActorPlace& place)
      : place_(place), cb_(*place.cb), me_(place.actor), slot_(cb_.slots[me_]) {}

  void yield(const char* label, const Touches& touches, SourceLocation) override {
    bool aborting;
    {
      HarnessRegion harness;
      aborting = step(label, touches);
    }
    if (aborting && !unwinding()) throw Aborted{};
  }

  // The actor waits at the "lock" yield point while the Mutex is held (decide() does not choose
  // it), so the Mutex is free when the step runs: taking a Mutex never fails under control.
  void acquire(Mutex& m, SourceLocation where) override {
    const std::uint64_t id = id_of(m, place_.process);
    want(id, 0);
    yield("lock", Touches{"lock", m.name(), Access::kWrite}, where);  // throws only when aborting
    bool aborting;
    {
      HarnessRegion harness;
      slot_.wants = 0;
      aborting = cb_.aborting;
      if (!aborting) {
        m.controlled_owner = me_;
        note_acquired(cb_, id, me_, 0);
      }
    }
    if (aborting && !unwinding()) throw Aborted{};
    if (aborting) m.controlled_owner = me_;
    sync_acquire(&m);  // a Mutex orders its holders, for ThreadSanitizer too
  }

  // Never throws: release is usually called from a destructor. A stop decided here takes effect at
  // the actor's next yield point or at the end of its body.
  void release(Mutex& m, SourceLocation) override {
    sync_release(&m);
    HarnessRegion harness;
    step("unlock", Touches{"lock", m.name(), Access::kWrite});
    m.controlled_owner = Mutex::kNoOwner;
    note_released(cb_, id_of(m, place_.process));
  }

  // As for a Mutex, the actor waits at the "flock" yield point while another description (as
  // description_of models it) holds the lock. If flock still refuses (a holder the scheduler does
  // not know, such as a process outside the harness), the actor blocks until the next release.
  void acquire(FileLock& lock, SourceLocation where) override {
    const std::uint64_t id = id_of(lock);
    const std::uint64_t description = description_of(lock, place_.process);
    want(id, description);
    yield("flock", Touches{"file-lock", lock.name(), Access::kWrite}, where);
    bool aborting;
    {
      HarnessRegion harness;
      slot_.wants = 0;
      while (!cb_.aborting && !lock.try_lock_native()) block(id);
      aborting = cb_.aborting;
      if (!aborting) note_acquired(cb_, id, me_, description);
    }
    if (aborting && !unwinding()) throw Aborted{};  // unwinding: go on without the lock
    sync_acquire(&lock);
  }

  void release(FileLock& lock, SourceLocation) override {
    sync_release(&lock);
    HarnessRegion harness;
    step("funlock", Touches{"file-lock", lock.name(), Access::kWrite});
    lock.unlock_native();
    note_released(cb_, id_of(lock));
  }

  std::uint32_t steps() const override {
    HarnessRegion harness;
    return cb_.steps;
  }

  // The body ended, normally or unwound: pass the baton on, or back to the scheduler.
  void finish() {
    park_if_poisoned();
    slot_.state = ActorState::kFinished;
    if (!cb_.aborting) {
      const int next = decide(cb_, me_);
      if (next != kNoActor) {
        grant(cb_.slots[next], kGoRun);
        return;
      }
    }
    wake_scheduler(cb_);
  }

  void crash(const std::string& message) { stop(cb_, Outcome::kCrash, message.c_str()); }

 private:
  void park_if_poisoned() {
    if (cb_.poisoned.load(std::memory_order_relaxed) == 0) [[likely]]
      return;
    std::atomic<std::uint32_t> never{0};
    for (;;) futex_wait(&never, 0);
  }

  // Records the yield point, decides, and passes the baton if another actor was chosen. Returns
  // true when the execution is being stopped (then it records nothing). When this actor goes on,
  // it touches no shared state after deciding: the watchdog may be reading it.
  bool step(const char* label, const Touches& touches) {
    park_if_poisoned();
    if (cb_.aborting) return true;
    slot_.label = label;
    slot_.kind = touches.kind;
    copy_name(slot_.name, kNameCapacity, touches.name.data(), touches.name.size());
    slot_.access = touches.access;
    const int next = decide(cb_, me_);
    if (next == me_) return false;
    if (next != kNoActor) switch_to(next);
    return cb_.aborting;
  }

  // Records the lock this actor is about to take (see ActorSlot::wants).
  void want(std::uint64_t id, std::uint64_t description) {
    HarnessRegion harness;
    slot_.wants = id;
    slot_.wants_description = description;
  }

  // Waits, blocked on file lock `id`, until a release makes this actor runnable and it is chosen.
  void block(std::uint64_t id) {
    // The step just run was this actor's attempt to take the lock, and it only read the lock's
    // state: record it as a read, so that partial-order reduction does not treat it as a write.
    if (cb_.steps > 0 && cb_.trace[cb_.steps - 1].actor == me_) {
      cb_.trace[cb_.steps - 1].access = Access::kRead;
    }
    slot_.state = ActorState::kBlocked;
    slot_.blocked_on = id;
    const int next = decide(cb_, me_);
    if (next != kNoActor) switch_to(next);  // else: deadlock or stop; cb_.aborting is set
    if (cb_.aborting) slot_.state = ActorState::kRunnable;
  }

  void switch_to(int next) {
    grant(cb_.slots[next], kGoRun);
    wait_go(slot_, cb_.spins);  // kGoRun, or kGoAbort with cb_.aborting set
  }

  const ActorPlace place_;
  ControlBlock& cb_;
  const int me_;
  ActorSlot& slot_;
};

std::string describe(const std::exception& e) {
  return fmt::format("{}: {}", typeid(e).name(), e.what());
}

}  // namespace

void actor_loop(const ActorPlace& place) {
  ActorSlot& slot = place.cb->slots[place.actor];
  fatal_report_thread(place.cb);  // reports only while an in-process execution runs
  for (;;) {
    std::uint32_t go;
    bool aborting;
    {
      HarnessRegion harness;
      go = wait_go(slot, 0);
      aborting = place.cb->aborting;
    }
    if (go == kGoExit) return;
    ActorRuntime runtime(place);
    if (go == kGoRun && !aborting) {
      sync_acquire(&start_sync);  // the scheduler's setup happens before every actor's work
      detail::current_controller = &runtime;
      try {
        place.holder->instance->body(place.actor);
      } catch (const Aborted&) {
      } catch (const std::exception& e) {
        const std::string message = fmt::format("actor {} threw {}", place.actor, describe(e));
        HarnessRegion harness;
        runtime.crash(message);
      } catch (...) {
        HarnessRegion harness;
        runtime.crash(fmt::format("actor {} threw an exception of unknown type", place.actor));
      }
      detail::current_controller = nullptr;
      sync_release(&end_sync);  // every actor's work happens before the scheduler's judging
    }
    HarnessRegion harness;
    runtime.finish();
  }
}

[[noreturn]] void worker_main(ControlBlock* cb, int process, const Topology& topology,
                              const InstanceFactory& factory, std::span<std::byte> scratch) {
  // Die with the harness; leave Ctrl-C and the other stop signals (sent to the whole process group
  // by a terminal or a job runner) to the harness, which stops the workers itself.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) ::signal(sig, SIG_IGN);
  if (::getppid() != cb->harness_pid) ::_exit(1);  // the harness died before PDEATHSIG was set
  InstanceHolder holder;
  std::unique_ptr<ProcessInstance> instance;
  std::vector<std::thread> threads;
  const int first = process * topology.threads_per_process;
  for (int t = 0; t < topology.threads_per_process; ++t) {
    threads.emplace_back(actor_loop, ActorPlace{cb, first + t, process, &holder});
  }
  ProcessSlot& slot = cb->processes[process];
  for (;;) {
    std::uint32_t command;
    while ((command = slot.command.load(std::memory_order_acquire)) == kCmdNone) {
      futex_wait(&slot.command, kCmdNone);
    }
    slot.command.store(kCmdNone, std::memory_order_relaxed);
    baton_acquired();
    slot.error[0] = '\0';
    slot.error_errno = 0;
    if (command == kCmdPrepare) {
      try {
        instance = factory(std::string_view(cb->spec, cb->spec_size), process, scratch);
      } catch (const EnvironmentError& e) {
        const std::string what = e.what();
        copy_name(slot.error, kMessageCapacity, what.data(), what.size());
        slot.error_errno = e.sys_errno() != 0 ? e.sys_errno() : -1;
      } catch (const std::exception& e) {
        const std::string what = e.what();
        copy_name(slot.error, kMessageCapacity, what.data(), what.size());
      }
      holder.instance = instance.get();
    } else if (command == kCmdCleanup) {
      holder.instance = nullptr;
      instance.reset();
    } else if (command == kCmdExit) {
      for (int t = 0; t < topology.threads_per_process; ++t) grant(cb->slots[first + t], kGoExit);
      for (std::thread& thread : threads) thread.join();
      ::_exit(0);
    }
    baton_released();
    slot.done.store(slot.sequence, std::memory_order_release);
    cb->process_done.fetch_add(1, std::memory_order_seq_cst);
    futex_wake(&cb->process_done, INT32_MAX);
  }
}

}  // namespace interleave::detail
