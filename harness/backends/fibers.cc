#include "harness/backends/fibers.h"

#include <pthread.h>
#include <signal.h>

#include <boost/context/fiber.hpp>
#include <boost/context/protected_fixedsize_stack.hpp>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "fmt/format.h"
#include "harness/backends/fiber_sanitizers.h"

namespace interleave::detail {
namespace {

namespace ctx = boost::context;

constexpr std::size_t kStackBytes = 256 * 1024;
// The signal the watchdog interrupts a hung fiber with (the first real-time signals are glibc's).
int interrupt_signal() { return SIGRTMIN + 4; }

}  // namespace

class FiberGroup::Impl {
 public:
  Impl(Scheduler& scheduler, int first, int count, int process, bool event_loop,
       InstanceHolder& holder)
      : scheduler_(scheduler),
        first_(first),
        count_(count),
        process_(process),
        event_loop_(event_loop),
        holder_(holder),
        link_(*this),
        slots_(static_cast<std::size_t>(count)) {
#ifdef INTERLEAVE_TSAN_ANNOTATIONS
    main_context_.tsan = __tsan_get_current_fiber();
#endif
    for (int i = 0; i < count; ++i) {
      Slot& slot = slots_[static_cast<std::size_t>(i)];
      ctx::protected_fixedsize_stack stack(kStackBytes);
      slot.fiber = ctx::fiber(std::allocator_arg, stack, [this, i](ctx::fiber&& engine) {
        main_ = std::move(engine);
        arrived(nullptr, &main_context_);
        loop(first_ + i);
        leaving(main_context_, nullptr);
        return std::move(main_);
      });
#ifdef INTERLEAVE_TSAN_ANNOTATIONS
      slot.context.tsan = __tsan_create_fiber(0);
#endif
      slot.context.stack_size = kStackBytes;
    }
    install_interrupt_handler();
    watchdog_ = std::thread([this] { watch(); });
  }

  ~Impl() {
    {
      std::lock_guard lock(watch_mu_);
      closing_ = true;
    }
    watch_cv_.notify_all();
    watchdog_.join();
    for (int i = 0; i < static_cast<int>(slots_.size()); ++i) resume(first_ + i, IL_GO_EXIT);
#ifdef INTERLEAVE_TSAN_ANNOTATIONS
    for (Slot& slot : slots_) __tsan_destroy_fiber(slot.context.tsan);
#endif
  }

  bool run(int first, std::chrono::milliseconds hang_timeout, std::chrono::milliseconds grace,
           const std::atomic<bool>* stop) {
    {
      std::lock_guard lock(watch_mu_);
      hang_timeout_ = hang_timeout;
      grace_ = grace;
      stop_ = stop;
      interrupted_.store(false);
    }
    harness_thread_ = ::pthread_self();
    interrupted_here = this;
    active_.store(true, std::memory_order_release);
    if (sigsetjmp(jump_, 1) != 0) {
      // A fiber never reached a yield point again: the watchdog's interrupt jumped here, off its
      // stack. The scheduler's baton holder is gone for good.
      active_.store(false);
      broken_ = true;
      std::lock_guard lock(watch_mu_);
      scheduler_.stop(interrupt_outcome_, interrupt_message_);
      return false;
    }
    for (int next = first; next != kNoActor;) next = resume(next, IL_GO_RUN);
    // A stop: unwind the actors that did not finish.
    for (int i = 0; i < static_cast<int>(slots_.size()); ++i) {
      if (!scheduler_.finished(first_ + i)) resume(first_ + i, IL_GO_ABORT);
    }
    active_.store(false, std::memory_order_release);
    interrupted_here = nullptr;
    return true;
  }

  bool broken() const { return broken_; }

 private:
  class FiberLink final : public Link {
   public:
    explicit FiberLink(Impl& group) : group_(group) {}
    int submit(int actor, const Pending& pending) override {
      const int next = group_.scheduler_.advance(actor, pending);
      if (next == actor) return IL_GO_RUN;
      return group_.switch_away(actor, next);
    }
    void finish(int actor, std::string_view failure) override {
      Pending end;
      end.event = Event::kFinish;
      end.failure = failure;
      group_.next_ = group_.scheduler_.advance(actor, end);
    }
    bool aborting() const override { return group_.scheduler_.aborting(); }
    std::uint32_t steps() const override { return group_.scheduler_.steps(); }
    Scheduler* scheduler() override { return &group_.scheduler_; }
    bool touch(int actor, std::string_view name, Access access, std::uint64_t wakes) override {
      return touch_scheduler(group_.scheduler_, actor, name, access, wakes);
    }

   private:
    Impl& group_;
  };

  struct Slot {
    ctx::fiber fiber;
    int go = IL_GO_WAIT;
    SanitizerContext context;
  };

  Slot& slot_of(int actor) { return slots_[static_cast<std::size_t>(actor - first_)]; }

  // Engine side: runs `actor`'s fiber with grant `go` until it suspends; returns the actor it chose
  // to run next (kNoActor: the execution is over, or the aborted actor finished).
  int resume(int actor, int go) {
    Slot& slot = slot_of(actor);
    slot.go = go;
    next_ = kNoActor;
    void* fake = nullptr;
    detail::current_controller = nullptr;  // the fiber sets its own (fibers share this thread's)
    start_switch(slot.context, &fake);
    slot.fiber = std::move(slot.fiber).resume();
    finish_switch(fake, nullptr);
    detail::current_controller = nullptr;  // the engine's side is uncontrolled
    return next_;
  }

  // Fiber side: hands the baton to `next` through the engine and waits to be resumed.
  int switch_away(int actor, int next) {
    next_ = next;
    Controller* const mine = detail::current_controller;
    suspend();
    detail::current_controller = mine;
    return slot_of(actor).go;
  }

  void suspend() {
    void* fake = nullptr;
    leaving(main_context_, &fake);
    main_ = std::move(main_).resume();
    arrived(fake, nullptr);
  }

  static void leaving(const SanitizerContext& to, void** fake) { start_switch(to, fake); }
  static void arrived(void* fake, SanitizerContext* came_from) { finish_switch(fake, came_from); }

  void loop(int actor) {
    for (;;) {
      const int go = slot_of(actor).go;
      if (go == IL_GO_EXIT) return;
      ActorRuntime runtime(link_, actor, process_, count_, event_loop_, holder_.sync);
      if (go == IL_GO_RUN && !scheduler_.aborting()) {
        runtime.run([&] { holder_.instance->body(actor); });
      } else {
        link_.finish(actor, {});
      }
      suspend();  // until the next execution grants this actor again
    }
  }

  // The watchdog: a step that makes no progress within the hang timeout (or the grace after a
  // stop request) is interrupted.
  void watch() {
    std::unique_lock lock(watch_mu_);
    std::uint32_t seen = ~0u;
    auto since = std::chrono::steady_clock::now();
    std::optional<std::chrono::steady_clock::time_point> stop_seen;
    while (!closing_) {
      watch_cv_.wait_for(lock, std::chrono::milliseconds(20));
      if (closing_) break;
      const auto now = std::chrono::steady_clock::now();
      if (!active_.load(std::memory_order_acquire) || interrupted_.load()) {
        seen = ~0u;
        stop_seen.reset();
        continue;
      }
      const std::uint32_t steps = scheduler_.steps();
      if (steps != seen) {
        seen = steps;
        since = now;
      }
      if (stop_ != nullptr && stop_->load(std::memory_order_relaxed) && !stop_seen) stop_seen = now;
      const int actor = scheduler_.running();
      const char* label = scheduler_.running_label();
      if (stop_seen && now - std::max(*stop_seen, since) > grace_) {
        interrupt(
            Outcome::kStopped,
            fmt::format("interrupted while actor {} ran uncontrolled code after {}", actor, label));
      } else if (now - since > hang_timeout_) {
        interrupt(Outcome::kHang,
                  fmt::format("no yield point for {:.1f} s in actor {} after {}: an uncontrolled "
                              "blocking call or a spin loop?",
                              std::chrono::duration<double>(hang_timeout_).count(), actor, label));
      }
    }
  }

  // Requires watch_mu_. The handler runs on the harness thread and jumps back into run().
  void interrupt(Outcome outcome, std::string message) {
    interrupt_outcome_ = outcome;
    interrupt_message_ = std::move(message);
    interrupted_.store(true, std::memory_order_release);
    ::pthread_kill(harness_thread_, interrupt_signal());
  }

  static void on_interrupt(int) {
    Impl* group = interrupted_here;
    if (group != nullptr && group->interrupted_.load(std::memory_order_acquire) &&
        group->active_.load(std::memory_order_acquire)) {
      siglongjmp(group->jump_, 1);
    }
  }

  static void install_interrupt_handler() {
    static std::once_flag once;
    std::call_once(once, [] {
      struct sigaction action {};
      action.sa_handler = on_interrupt;
      sigemptyset(&action.sa_mask);
      ::sigaction(interrupt_signal(), &action, nullptr);
    });
  }

  Scheduler& scheduler_;
  const int first_;
  const int count_;
  const int process_;
  const bool event_loop_;
  InstanceHolder& holder_;
  FiberLink link_;
  std::vector<Slot> slots_;
  ctx::fiber main_;  // the engine's continuation while a fiber runs
  SanitizerContext main_context_;
  int next_ = kNoActor;  // set by a fiber before it suspends: who runs next
  bool broken_ = false;

  // The watchdog and the interrupt.
  std::thread watchdog_;
  std::mutex watch_mu_;
  std::condition_variable watch_cv_;
  bool closing_ = false;
  std::chrono::milliseconds hang_timeout_{2000};
  std::chrono::milliseconds grace_{100};
  const std::atomic<bool>* stop_ = nullptr;
  std::atomic<bool> active_{false};
  std::atomic<bool> interrupted_{false};
  Outcome interrupt_outcome_ = Outcome::kHang;
  std::string interrupt_message_;
  pthread_t harness_thread_{};
  sigjmp_buf jump_;
  // The group whose fiber runs on this thread, for the interrupt handler.
  static thread_local Impl* interrupted_here;
};

thread_local FiberGroup::Impl* FiberGroup::Impl::interrupted_here = nullptr;

FiberGroup::FiberGroup(Scheduler& scheduler, int first, int count, int process, bool event_loop,
                       InstanceHolder& holder)
    : impl_(std::make_unique<Impl>(scheduler, first, count, process, event_loop, holder)) {}

FiberGroup::~FiberGroup() {
  // A broken group's stacks were abandoned mid-call and cannot be unwound; its watchdog still
  // reads the group. Leak both (the process is about to exit).
  if (broken_) (void)impl_.release();
}

bool FiberGroup::run(int first, std::chrono::milliseconds hang_timeout,
                     std::chrono::milliseconds stop_grace, const std::atomic<bool>* stop) {
  const bool ok = impl_->run(first, hang_timeout, stop_grace, stop);
  broken_ = impl_->broken();
  return ok;
}

}  // namespace interleave::detail
