#include "harness/backends/actor_runtime.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <exception>
#include <memory>
#include <string>
#include <thread>
#include <typeinfo>
#include <vector>

#include "fmt/format.h"
#include "harness/backends/futex.h"
#include "harness/backends/wait.h"
#include "harness/environment.h"
#include "harness/seam.h"
#include "harness/tsan.h"

namespace interleave::detail {
namespace {

// Thrown into an actor to unwind its body when the execution is being stopped. Deliberately not a
// std::exception, so store code that catches std::exception does not swallow it.
struct Aborted {};

bool unwinding() { return std::uncaught_exceptions() > 0; }

int wait_grant(il_control* control, int actor) {
  il_client self;
  il_client_init(&self, control, actor);
  const int go = il_wait(&self);
  baton_acquired();
  return go;
}

// A FileLock's identity: its name, shared by every process (FNV-1a, never 0).
std::uint64_t id_of(const FileLock& lock) {
  std::uint64_t h = 1469598103934665603ULL;
  for (const char* p = lock.name(); *p != '\0'; ++p) {
    h = (h ^ static_cast<unsigned char>(*p)) * 1099511628211ULL;
  }
  return h | 1;
}

Pending lock_step(Event event, const char* label, ObjectKind kind, const char* name,
                  std::uint64_t lock, std::uint64_t description = 0) {
  Pending p;
  p.event = event;
  p.label = label;
  p.kind = kind;
  p.space = kind == ObjectKind::kLock ? "lock" : "file-lock";
  p.name = name;
  p.access = Access::kWrite;
  p.lock = lock;
  p.description = description;
  return p;
}

}  // namespace

// --- links ---------------------------------------------------------------------------------------

void LocalLink::hand_on(int next) {
  baton_released();
  if (next == kNoActor) {
    return_to_engine_();
  } else {
    il_grant(control_, next, IL_GO_RUN);
  }
}

int LocalLink::submit(int actor, const Pending& pending) {
  const int next = scheduler_.advance(actor, pending);
  if (next == actor) return IL_GO_RUN;
  hand_on(next);
  return wait_grant(control_, actor);
}

void LocalLink::finish(int actor, std::string_view failure) {
  Pending end;
  end.event = Event::kFinish;
  end.failure = failure;
  hand_on(scheduler_.advance(actor, end));
}

bool LocalLink::aborting() const { return scheduler_.aborting(); }

int RemoteLink::submit(int actor, const Pending& pending) {
  il_pending& slot = control_->actor[actor].pending;
  slot.event = static_cast<std::uint8_t>(pending.event);
  slot.kind = static_cast<std::uint8_t>(pending.kind);
  slot.access = static_cast<std::uint8_t>(pending.access);
  slot.await = 0;
  slot.timed = pending.until_stuck ? IL_TIMED_UNTIL_STUCK : pending.timed ? IL_TIMED : 0;
  slot.keep_last = pending.keep_last ? 1 : 0;
  slot.lock = pending.lock;
  slot.description = pending.description;
  il_copy(slot.label, IL_LABEL_CAPACITY, pending.label);
  il_copy(slot.space, IL_SPACE_CAPACITY, pending.space);
  const std::size_t n = std::min<std::size_t>(pending.name.size(), IL_NAME_CAPACITY - 1);
  if (n > 0) std::memcpy(slot.name, pending.name.data(), n);
  slot.name[n] = '\0';
  slot.message[0] = '\0';
  il_client self;
  il_client_init(&self, control_, actor);
  baton_released();
  const int go = il_post(&self);
  baton_acquired();
  return go;
}

void RemoteLink::finish(int actor, std::string_view failure) {
  il_client self;
  il_client_init(&self, control_, actor);
  const std::string message(failure);
  baton_released();
  il_finish(&self, message.c_str());
}

bool RemoteLink::aborting() const {
  return __atomic_load_n(&control_->aborting, __ATOMIC_ACQUIRE) != 0;
}

bool RemoteLink::touch(int actor, std::string_view name, Access access, std::uint64_t wakes) {
  il_actor& slot = control_->actor[actor];
  if (slot.touches >= IL_MAX_TOUCHES) return false;
  il_touch& t = slot.touch[slot.touches];
  t.wakes = wakes;
  t.kind = IL_KIND_LOCK;
  t.access = access == Access::kWrite ? IL_WRITE : IL_READ;
  il_copy(t.space, sizeof t.space, "lock");
  const std::string copy(name);
  il_copy(t.name, sizeof t.name, copy.c_str());
  ++slot.touches;
  return true;
}

bool touch_scheduler(Scheduler& scheduler, int actor, std::string_view name, Access access,
                     std::uint64_t wakes) {
  scheduler.touch(actor, ObjectKind::kLock, "lock", name, access);
  if (wakes != 0) scheduler.wake(actor, wakes);
  return true;
}

std::uint32_t RemoteLink::steps() const {
  return __atomic_load_n(&control_->steps, __ATOMIC_RELAXED);
}

// --- the runtime ---------------------------------------------------------------------------------

void ActorRuntime::park_if_poisoned() const {
  if (link_.poisoned()) [[unlikely]]
    park();
}

bool ActorRuntime::submit(const Pending& pending) {
  if (link_.aborting()) return false;
  dying_ = false;
  const int go = link_.submit(me_, pending);
  crashed_ = go == IL_GO_CRASH;
  return go == IL_GO_RUN;
}

std::uint64_t ActorRuntime::id_of(const Mutex& m) const {
  // Private to its process: the address, and the process in the top bits.
  return reinterpret_cast<std::uintptr_t>(&m) ^ (static_cast<std::uint64_t>(process_ + 1) << 56);
}

std::uint64_t ActorRuntime::description_of(const FileLock& lock) const {
  // As the scheduler models it: the description's identity within its process, and the process.
  return (lock.file().description() * 1099511628211ULL) ^
         (static_cast<std::uint64_t>(process_ + 1) << 48) ^ 1;
}

void ActorRuntime::yield(const char* label, const Touches& touches, SourceLocation, bool await) {
  bool go_on;
  {
    HarnessRegion harness;
    park_if_poisoned();
    if (dying_ && unwinding()) return;
    if (event_loop_ && !await && !link_.aborting()) {
      link_.scheduler()->touch(me_, touches.kind, touches.space, touches.name, touches.access);
      return;
    }
    Pending p;
    p.label = label;
    p.kind = touches.kind;
    p.space = touches.space;
    p.name = touches.name;
    p.access = touches.access;
    go_on = submit(p);
  }
  if (!go_on && !unwinding()) stop_here();
}

bool ActorRuntime::post_sync(const Pending& pending) {
  HarnessRegion harness;
  park_if_poisoned();
  return submit(pending);
}

void ActorRuntime::park() const {
  std::atomic<std::uint32_t> never{0};
  for (;;) futex_wait(&never, 0);
}

bool ActorRuntime::touch_sync(std::string_view name, Access access, std::uint64_t wakes) {
  HarnessRegion harness;
  return link_.touch(me_, name, access, wakes);
}

void ActorRuntime::stop_here() {
  if (crashed_) {
    crashed_ = false;
    dying_ = true;
    throw ProcessCrashed{};
  }
  throw Aborted{};
}

void ActorRuntime::block_the_loop(std::string_view what, const char* name, SourceLocation where,
                                  int holder) {
  link_.scheduler()->stop(
      Outcome::kBlockedLoop,
      fmt::format("the event loop is blocked: actor {} {} {} ({}:{}) while actor {} holds it "
                  "across an await; a synchronous lock in an async handler stops every handler "
                  "(use an async lock, or do not hold it across an await)",
                  me_, what, name, where.file, where.line, holder));
  if (!unwinding()) throw Aborted{};
}

void ActorRuntime::acquire(Mutex& m, SourceLocation where) {
  const std::uint64_t id = id_of(m);
  bool go_on;
  {
    HarnessRegion harness;
    park_if_poisoned();
    if (event_loop_ && !link_.aborting()) {
      Scheduler& s = *link_.scheduler();
      const int holder = s.holder_against(id, 0);
      // asyncio.Lock: a free lock is taken at once, unless handlers wait in line for it.
      if (holder == kNoActor && !s.has_waiters(id)) {
        s.take(me_, id, 0);
        s.touch(me_, ObjectKind::kLock, "lock", m.name(), Access::kWrite);
        m.controlled_owner = me_;
        return;
      }
      if (!m.is_async()) {
        block_the_loop("takes the interleave::Mutex", m.name(), where, holder);
        m.controlled_owner = me_;
        return;
      }
    }
    // Not scheduled while another actor holds it, so the Mutex is free when the step runs; an
    // AsyncMutex on the event loop waits in line until it is handed over.
    Pending step = lock_step(Event::kAcquire, "lock", ObjectKind::kLock, m.name(), id);
    step.fifo = event_loop_;
    go_on = submit(step);
    // Also when stopped while unwinding (the matching unlock runs and must balance); not when
    // stopped before the lock was taken (lock() throws and no unlock follows).
    if (go_on || unwinding()) m.controlled_owner = me_;
  }
  if (!go_on && !unwinding()) stop_here();
  sync_acquire(&m);  // a Mutex orders its holders, for ThreadSanitizer too
}

// Never throws: release is usually called from a destructor. A stop decided here takes effect at
// the actor's next yield point or at the end of its body.
void ActorRuntime::release(Mutex& m, SourceLocation) {
  sync_release(&m);
  HarnessRegion harness;
  const std::uint64_t id = id_of(m);
  if (!link_.aborting() && !dying_) {
    if (event_loop_) {
      link_.scheduler()->give_back(id);
      link_.scheduler()->touch(me_, ObjectKind::kLock, "lock", m.name(), Access::kWrite);
    } else {
      submit(lock_step(Event::kRelease, "unlock", ObjectKind::kLock, m.name(), id));
    }
  }
  m.controlled_owner = Mutex::kNoOwner;
}

// As for a Mutex, the actor waits at the "flock" step while another description (as
// description_of models it) holds the lock. If the native attempt still fails (a holder the
// scheduler does not know, such as a process outside the harness), the actor blocks until the next
// release of the lock.
void ActorRuntime::acquire(FileLock& lock, SourceLocation where) {
  const std::uint64_t id = detail::id_of(lock);
  const std::uint64_t description = description_of(lock);
  bool go_on;
  {
    HarnessRegion harness;
    park_if_poisoned();
    if (event_loop_ && !link_.aborting()) {
      Scheduler& s = *link_.scheduler();
      const int holder = s.holder_against(id, description);
      if (holder != kNoActor) {
        block_the_loop("takes the file lock on", lock.name(), where, holder);
        return;
      }
      if (!lock.file().try_lock()) {
        block_the_loop("takes the file lock on", lock.name(), where, kNoActor);
        return;
      }
      s.take(me_, id, description);
      s.touch(me_, ObjectKind::kFileLock, "file-lock", lock.name(), Access::kWrite);
      return;
    }
    go_on = submit(
        lock_step(Event::kAcquire, "flock", ObjectKind::kFileLock, lock.name(), id, description));
    while (go_on && !lock.file().try_lock()) {
      go_on = submit(lock_step(Event::kBlocked, "flock", ObjectKind::kFileLock, lock.name(), id));
    }
  }
  if (!go_on && !unwinding()) stop_here();  // unwinding: go on without the lock
  sync_acquire(&lock);
}

void ActorRuntime::release(FileLock& lock, SourceLocation) {
  sync_release(&lock);
  HarnessRegion harness;
  const std::uint64_t id = detail::id_of(lock);
  if (!link_.aborting() && !dying_) {
    if (event_loop_) {
      link_.scheduler()->give_back(id);
      link_.scheduler()->touch(me_, ObjectKind::kFileLock, "file-lock", lock.name(),
                               Access::kWrite);
    } else {
      submit(lock_step(Event::kRelease, "funlock", ObjectKind::kFileLock, lock.name(), id));
    }
  }
  lock.file().unlock();
}

std::uint32_t ActorRuntime::steps() const {
  HarnessRegion harness;
  return link_.steps();
}

void ActorRuntime::run(const std::function<void()>& body) {
  std::string failure;
  sync_acquire(&start_sync);  // the scheduler's setup happens before every actor's work
  il_sync_forget_pretences();
  Controller* const outer = detail::current_controller;
  detail::current_controller = this;
  try {
    body();
  } catch (const Aborted&) {
  } catch (const std::exception& e) {
    failure = fmt::format("actor {} threw {}: {}", me_, typeid(e).name(), e.what());
  } catch (...) {
    failure = fmt::format("actor {} threw an exception of unknown type", me_);
  }
  detail::current_controller = outer;
  sync_release(&end_sync);  // every actor's work happens before the scheduler's judging
  HarnessRegion harness;
  park_if_poisoned();
  link_.finish(me_, failure);
}

// --- actor threads and worker processes ----------------------------------------------------------

void actor_loop(Link& link, il_control* control, int actor, int process, int siblings,
                InstanceHolder& holder) {
  __atomic_store_n(&control->actor[actor].tid, static_cast<std::int32_t>(::gettid()),
                   __ATOMIC_RELAXED);
  for (;;) {
    int go;
    bool aborting;
    {
      HarnessRegion harness;
      go = wait_grant(control, actor);
      aborting = link.aborting();
    }
    if (go == IL_GO_EXIT) return;
    ActorRuntime runtime(link, actor, process, siblings, false, holder.sync);
    if (go == IL_GO_RUN && !aborting) {
      runtime.run([&] { holder.instance->body(actor); });
    } else {
      HarnessRegion harness;
      link.finish(actor, {});
    }
  }
}

[[noreturn]] void worker_main(il_control* control, int group, const Topology& topology,
                              const InstanceFactory& factory, std::span<std::byte> scratch) {
  // Die with the harness; leave Ctrl-C and the other stop signals (sent to the whole process group
  // by a terminal or a job runner) to the harness, which stops the workers itself.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) ::signal(sig, SIG_IGN);
  if (::getppid() != control->harness_pid) ::_exit(1);  // the harness died before PDEATHSIG
  const SyncTable sync = make_sync_table();
  InstanceHolder holder;
  holder.sync = sync.get();
  RemoteLink link(control);
  std::unique_ptr<ProcessInstance> instance;
  std::vector<std::thread> threads;
  const int first = topology.first_of(group);
  const int count = topology.groups[static_cast<std::size_t>(group)].actors;
  for (int a = first; a < first + count; ++a) {
    threads.emplace_back([&, a] { actor_loop(link, control, a, group, count, holder); });
  }
  il_process& slot = control->processes[group];
  for (;;) {
    std::uint32_t command;
    while ((command = __atomic_load_n(&slot.command, __ATOMIC_ACQUIRE)) == IL_CMD_NONE) {
      futex_wait(&slot.command, IL_CMD_NONE);
    }
    __atomic_store_n(&slot.command, IL_CMD_NONE, __ATOMIC_RELAXED);
    baton_acquired();
    slot.error[0] = '\0';
    slot.error_errno = 0;
    if (command == IL_CMD_PREPARE) {
      il_sync_reset(holder.sync);  // the C library's locks are named afresh in each execution
      try {
        instance = factory(std::string_view(control->spec, control->spec_size), group, scratch);
      } catch (const EnvironmentError& e) {
        il_copy(slot.error, IL_MESSAGE_CAPACITY, e.what());
        slot.error_errno = e.sys_errno() != 0 ? e.sys_errno() : -1;
      } catch (const std::exception& e) {
        il_copy(slot.error, IL_MESSAGE_CAPACITY, e.what());
      }
      holder.instance = instance.get();
    } else if (command == IL_CMD_CLEANUP) {
      holder.instance = nullptr;
      instance.reset();
    } else if (command == IL_CMD_EXIT) {
      for (int a = first; a < first + count; ++a) il_grant(control, a, IL_GO_EXIT);
      for (std::thread& thread : threads) thread.join();
      ::_exit(0);
    }
    baton_released();
    __atomic_store_n(&slot.done, slot.sequence, __ATOMIC_RELEASE);
    __atomic_fetch_add(&control->harness, 1, __ATOMIC_SEQ_CST);
    futex_wake(&control->harness, INT32_MAX);
  }
}

}  // namespace interleave::detail
