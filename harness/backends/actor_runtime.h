// The actor side of the engine: the Controller that store code reaches through the seam, and the
// Link by which each kind of actor reaches the scheduler. Internal to the engine.
//
//   LocalLink   a thread of the harness process: runs the scheduler itself while it holds the
//               baton and grants the next actor directly (one handoff per switch);
//   FiberLink   a fiber on the harness thread: likewise, and switches fibers (fibers.h);
//   RemoteLink  a thread of a forked worker: posts its step through the control block and waits,
//               the engine's thread deciding on its behalf (the C client,
//               harness/backends/client.h, is the same protocol for programs exec'd from other
//               binaries).
#pragma once

#include <atomic>
#include <functional>
#include <span>
#include <string_view>

#include "harness/backends/client.h"
#include "harness/backends/std_sync.h"
#include "harness/program.h"
#include "harness/scheduler/scheduler.h"

namespace interleave::detail {

// Link::touch for an actor of the harness process: straight into its scheduler.
class Scheduler;
bool touch_scheduler(Scheduler& scheduler, int actor, std::string_view name, Access access,
                     std::uint64_t wakes);

class Link {
 public:
  // `actor` (the baton holder) reached `pending`; returns once it is granted its next step:
  // IL_GO_RUN, or IL_GO_ABORT when the execution is being stopped (the body then unwinds).
  virtual int submit(int actor, const Pending& pending) = 0;
  // The body ended (`failure`: why, or empty). Hands the baton on without waiting for a grant.
  virtual void finish(int actor, std::string_view failure) = 0;
  virtual bool aborting() const = 0;
  virtual std::uint32_t steps() const = 0;
  // The scheduler, for an actor of the harness process (event-loop semantics need it); else null.
  virtual Scheduler* scheduler() { return nullptr; }
  // True once the engine gave up on an actor stuck in uncontrolled code: one that comes back from
  // it parks for good.
  virtual bool poisoned() const { return false; }
  // Adds to the step `actor` (the baton holder) is running that it touched the lock-space object
  // `name` and woke the actors waiting for `wakes` (0: none), as a release step would; false when
  // there is no room (the caller then posts a step of its own).
  virtual bool touch(int actor, std::string_view name, Access access, std::uint64_t wakes) = 0;

 protected:
  ~Link() = default;
};

// Where a thread of the harness process hands the baton: grants through the control block, and
// tells the engine when the execution is over (or an aborted actor is done).
class LocalLink final : public Link {
 public:
  LocalLink(Scheduler& scheduler, il_control* control, std::function<void()> return_to_engine,
            const std::atomic<bool>& poisoned)
      : scheduler_(scheduler),
        control_(control),
        return_to_engine_(std::move(return_to_engine)),
        poisoned_(poisoned) {}
  int submit(int actor, const Pending& pending) override;
  void finish(int actor, std::string_view failure) override;
  bool aborting() const override;
  std::uint32_t steps() const override { return scheduler_.steps(); }
  Scheduler* scheduler() override { return &scheduler_; }
  bool poisoned() const override { return poisoned_.load(std::memory_order_relaxed); }
  bool touch(int actor, std::string_view name, Access access, std::uint64_t wakes) override {
    return touch_scheduler(scheduler_, actor, name, access, wakes);
  }

 private:
  void hand_on(int next);
  Scheduler& scheduler_;
  il_control* control_;
  std::function<void()> return_to_engine_;
  const std::atomic<bool>& poisoned_;
};

// A thread of a forked worker: the C client's protocol.
class RemoteLink final : public Link {
 public:
  explicit RemoteLink(il_control* control) : control_(control) {}
  int submit(int actor, const Pending& pending) override;
  void finish(int actor, std::string_view failure) override;
  bool aborting() const override;
  std::uint32_t steps() const override;
  bool touch(int actor, std::string_view name, Access access, std::uint64_t wakes) override;

 private:
  il_control* control_;
};

// The seam's Controller for one actor, over its Link. `process` numbers the actor's process (its
// group), so that lock identities of one process differ from another's; `siblings` counts the
// actors of that process. `event_loop`: only await points switch (fibers of one loop); a Mutex or
// FileLock held by another handler blocks the loop.
class ActorRuntime final : public Controller {
 public:
  ActorRuntime(Link& link, int actor, int process, int siblings, bool event_loop,
               il_sync_table* sync)
      : link_(link),
        me_(actor),
        process_(process),
        siblings_(siblings),
        event_loop_(event_loop),
        sync_(sync) {}

  void yield(const char* label, const Touches& touches, SourceLocation where, bool await) override;
  void acquire(Mutex& m, SourceLocation where) override;
  void release(Mutex& m, SourceLocation where) override;
  void acquire(FileLock& lock, SourceLocation where) override;
  void release(FileLock& lock, SourceLocation where) override;
  std::uint32_t steps() const override;

  // Runs `body` as this actor (the seam then reaches this runtime), catching what it throws (a
  // crash, unless it is the unwinding of a stop), and reports the end to the scheduler.
  void run(const std::function<void()>& body);

  // For the C library's synchronization of the actor's threads (std::mutex and the others:
  // std_sync.cc runs shim/sync.c's model over these).
  // Whether the model decides here: threads or processes mode, and not while stopping.
  bool controls_sync() const { return !event_loop_ && !dying_ && !link_.aborting(); }
  // Whether other actors share the process (else nothing interleaves with this one).
  bool has_siblings() const { return siblings_ > 1; }
  int process() const { return process_; }
  il_sync_table* sync_table() const { return sync_; }
  // Posts a step of the model; true once granted, false when the execution is being stopped (the
  // step was not run, and this actor is to unwind).
  bool post_sync(const Pending& pending);
  // After post_sync() said false: throws the unwinding exception.
  [[noreturn]] void unwind() { stop_here(); }
  // After post_sync() said false while unwinding already: the actor cannot go on and cannot
  // throw; it parks for good (the engine's watchdog ends the execution).
  [[noreturn]] void park() const;
  // Link::touch for this actor.
  bool touch_sync(std::string_view name, Access access, std::uint64_t wakes);

 private:
  // Submits and throws the internal unwinding exception when the execution is being stopped
  // (unless already unwinding: then it returns false).
  bool submit(const Pending& pending);
  // After a refused submit(): ProcessCrashed when the grant was a crash, else the abort.
  [[noreturn]] void stop_here();
  bool crashed_ = false;  // the last refused grant was IL_GO_CRASH
  // Unwinding after ProcessCrashed: the process is dead to the scheduler (which dropped its locks),
  // so the releases and yields on the way out post nothing. Cleared at the next step it posts.
  bool dying_ = false;
  void park_if_poisoned() const;
  // Stops the execution with a blocked-loop verdict; throws the unwinding exception unless the
  // caller is unwinding already.
  void block_the_loop(std::string_view what, const char* name, SourceLocation where, int holder);
  std::uint64_t id_of(const Mutex& m) const;
  std::uint64_t description_of(const FileLock& lock) const;

  Link& link_;
  const int me_;
  const int process_;
  const int siblings_;
  const bool event_loop_;
  il_sync_table* const sync_;
};

// Where an actor thread finds its process's instance for the current execution.
// And the process's table of the C library's synchronization objects (std_sync.h).
struct InstanceHolder {
  ProcessInstance* instance = nullptr;
  il_sync_table* sync = nullptr;
};

// Runs executions on the calling thread for `actor` until granted IL_GO_EXIT: waits for a grant,
// runs the body of the holder's instance (or, when aborted before it started, only reports the
// end), and so on. `siblings`: the actors of the process.
void actor_loop(Link& link, il_control* control, int actor, int process, int siblings,
                InstanceHolder& holder);

// The main loop of forked worker process `group`: starts its actor threads, then obeys commands
// (prepare: build the instance from the spec; cleanup: destroy it; exit). Never returns.
[[noreturn]] void worker_main(il_control* control, int group, const Topology& topology,
                              const InstanceFactory& factory, std::span<std::byte> scratch);

}  // namespace interleave::detail
