#include "harness/engine.h"

#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "fmt/format.h"
#include "harness/actor_runtime.h"
#include "harness/control_block.h"
#include "harness/environment.h"
#include "harness/fatal_signal.h"
#include "harness/futex.h"
#include "harness/tsan.h"
#include "harness/wait.h"

namespace interleave {
namespace detail {

int default_spins() {
  if (const char* env = std::getenv("INTERLEAVE_SPINS")) return std::atoi(env);
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 0;
  return CPU_COUNT(&set) > 1 ? 4000 : 0;
}

}  // namespace detail

namespace {

using Clock = std::chrono::steady_clock;
using detail::ActorState;
using detail::ControlBlock;

constexpr std::size_t kStrategyBytes = 1u << 20;
// A stop request ends a step that makes no progress for this long: an actor in uncontrolled code
// (a hang) is not waited for until the hang timeout.
constexpr auto kStopGrace = std::chrono::milliseconds(100);
// Attempts at preparing an execution while worker processes keep dying (killed from outside).
constexpr int kPrepareAttempts = 3;

// An anonymous MAP_SHARED mapping: shared with every worker forked afterwards.
class SharedMapping {
 public:
  explicit SharedMapping(std::size_t bytes) : bytes_(bytes) {
    data_ = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (data_ == MAP_FAILED) {
      throw EnvironmentError(fmt::format("cannot map {} bytes of shared memory", bytes), errno);
    }
  }
  ~SharedMapping() { ::munmap(data_, bytes_); }
  SharedMapping(const SharedMapping&) = delete;
  SharedMapping& operator=(const SharedMapping&) = delete;
  std::span<std::byte> bytes() const { return {static_cast<std::byte*>(data_), bytes_}; }

 private:
  void* data_;
  std::size_t bytes_;
};

std::string describe_status(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* abbrev = sigabbrev_np(sig);
    return fmt::format("was killed by SIG{} ({})", abbrev ? abbrev : "?", strsignal(sig));
  }
  return fmt::format("exited with status {}", WEXITSTATUS(status));
}

}  // namespace

class Engine::Impl {
 public:
  Impl(const Topology& topology, InstanceFactory factory, EngineOptions options);
  ~Impl();

  ExecutionResult run(Program& program, Strategy& strategy);
  void start() { start_workers(); }
  bool broken() const { return broken_; }
  bool stop_requested() const {
    return options_.stop != nullptr && options_.stop->load(std::memory_order_relaxed);
  }
  std::vector<pid_t> worker_pids() const;
  std::span<std::byte> scratch() const { return scratch_.bytes(); }
  std::uint64_t workers_replaced() const { return replaced_; }

 private:
  int process_of(int actor) const { return actor / topology_.threads_per_process; }
  void start_workers();
  void fork_worker(int process);
  void stop_worker(int process);
  void mark_process_finished(int process);
  void command_all(std::uint32_t command);
  // Builds every process's instance. Returns false when a stop request ended it (nothing was
  // built). Replaces workers that die meanwhile; throws when a process cannot build its instance.
  bool prepare(Program& program);
  void cleanup();
  // Waits until control returns to the scheduler, watching for dead and hung workers and for a stop
  // request. Returns false after an in-process hang or interrupt (the engine is broken).
  bool wait_for_scheduler();
  // The running actor makes no progress and the run must end (a hang, or a stop request): kills its
  // worker, or in-process marks the engine broken. Returns false when the engine is broken.
  bool end_stuck_actor(Outcome outcome, std::string message);
  struct Deaths {
    std::optional<std::string> holder;  // the baton holder's process died: a crash, with why
    std::optional<std::string> other;   // a process died outside its turn, with why
  };
  // Reaps dead workers and marks their actors finished.
  Deaths reap_dead_workers();
  void abort_remaining();
  ExecutionResult collect();

  const Topology topology_;
  const InstanceFactory factory_;
  const EngineOptions options_;
  SharedMapping control_;
  SharedMapping trace_;
  SharedMapping strategy_;
  SharedMapping scratch_;
  ControlBlock* cb_;

  // In-process actors.
  detail::InstanceHolder holder_;
  std::unique_ptr<ProcessInstance> instance_;
  std::vector<std::thread> threads_;
  // Forked workers: pid per process, 0 when there is none.
  std::array<pid_t, kMaxActors> pids_{};
  std::array<std::string, kMaxActors> deaths_;  // per process: how its last worker died
  std::uint64_t replaced_ = 0;                  // workers that died and were forked again
  bool broken_ = false;
};

Engine::Impl::Impl(const Topology& topology, InstanceFactory factory, EngineOptions options)
    : topology_(topology),
      factory_(std::move(factory)),
      options_(options),
      control_(sizeof(ControlBlock)),
      trace_(sizeof(detail::TraceRecord) * std::max<std::uint32_t>(options.limits.max_steps, 1)),
      strategy_(kStrategyBytes),
      scratch_(options.scratch_bytes),
      cb_(new (control_.bytes().data()) ControlBlock()) {
  if (topology.actors() < 1 || topology.actors() > kMaxActors ||
      (topology.in_process && topology.processes != 1)) {
    throw std::invalid_argument(fmt::format("bad topology: {} processes x {} threads",
                                            topology.processes, topology.threads_per_process));
  }
  cb_->spins = detail::default_spins();
  cb_->harness_pid = ::getpid();
#ifdef INTERLEAVE_TSAN_ANNOTATIONS
  if (const char* races = std::getenv("INTERLEAVE_TSAN_RACES");
      races != nullptr && races[0] == '1') {
    detail::tsan_races.store(true);
  }
#endif
  cb_->actors = topology.actors();
  cb_->max_steps = options.limits.max_steps;
  cb_->trace = reinterpret_cast<detail::TraceRecord*>(trace_.bytes().data());
}

Engine::Impl::~Impl() {
  for (int p = 0; p < topology_.processes; ++p) stop_worker(p);
  for (std::size_t a = 0; a < threads_.size(); ++a) detail::grant(cb_->slots[a], detail::kGoExit);
  for (std::thread& t : threads_) t.join();
  cb_->~ControlBlock();
}

std::vector<pid_t> Engine::Impl::worker_pids() const {
  std::vector<pid_t> out;
  for (int p = 0; p < topology_.processes; ++p) {
    if (pids_[p] != 0) out.push_back(pids_[p]);
  }
  return out;
}

void Engine::Impl::fork_worker(int process) {
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    throw_if_environment(fmt::format("cannot fork worker process {}", process), err);
    throw std::runtime_error(fmt::format("fork failed: {}", std::strerror(err)));
  }
  if (pid == 0) detail::worker_main(cb_, process, topology_, factory_, scratch_.bytes());
  pids_[process] = pid;
}

void Engine::Impl::stop_worker(int process) {
  if (pids_[process] == 0) return;
  ::kill(pids_[process], SIGKILL);
  while (::waitpid(pids_[process], nullptr, 0) < 0 && errno == EINTR) {
  }
  pids_[process] = 0;
}

void Engine::Impl::mark_process_finished(int process) {
  for (int t = 0; t < topology_.threads_per_process; ++t) {
    cb_->slots[process * topology_.threads_per_process + t].state = ActorState::kFinished;
  }
}

void Engine::Impl::start_workers() {
  if (topology_.in_process) {
    for (int a = static_cast<int>(threads_.size()); a < topology_.actors(); ++a) {
      threads_.emplace_back(detail::actor_loop, detail::ActorPlace{cb_, a, 0, &holder_});
    }
    return;
  }
  reap_dead_workers();  // died since the last execution (killed from outside): replace them
  for (int p = 0; p < topology_.processes; ++p) {
    if (!options_.persistent_workers) stop_worker(p);
    if (pids_[p] != 0) continue;
    if (!deaths_[p].empty()) ++replaced_;
    fork_worker(p);
  }
}

Engine::Impl::Deaths Engine::Impl::reap_dead_workers() {
  Deaths deaths;
  const int running = cb_->running.load(std::memory_order_relaxed);
  for (int p = 0; p < topology_.processes && !topology_.in_process; ++p) {
    int status;
    if (pids_[p] == 0 || ::waitpid(pids_[p], &status, WNOHANG) != pids_[p]) continue;
    pids_[p] = 0;
    deaths_[p] = describe_status(status);
    mark_process_finished(p);
    // The harness reaps the workers it kills itself: a SIGKILL seen here came from outside (the
    // OOM killer, a kill -9), even when the worker held the baton, since code under test hardly
    // ever dies of it. Any other death of the baton holder's process is its crash.
    const bool killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    if (!killed && running >= 0 && process_of(running) == p) {
      deaths.holder = fmt::format("actor {} (worker process {}) {} after {}", running, p,
                                  deaths_[p], cb_->running_label.load(std::memory_order_relaxed));
    } else {
      deaths.other = fmt::format("worker process {} {} {}", p, deaths_[p],
                                 killed ? "from outside" : "while it was not its turn");
    }
  }
  return deaths;
}

void Engine::Impl::command_all(std::uint32_t command) {
  detail::baton_released();
  for (int p = 0; p < topology_.processes; ++p) {
    if (pids_[p] == 0) continue;
    detail::ProcessSlot& slot = cb_->processes[p];
    ++slot.sequence;
    slot.command.store(command, std::memory_order_release);
    detail::futex_wake(&slot.command);
  }
  const Clock::time_point since = Clock::now();
  for (;;) {
    const std::uint32_t seen = cb_->process_done.load(std::memory_order_acquire);
    bool all = true;
    for (int p = 0; p < topology_.processes; ++p) {
      const detail::ProcessSlot& slot = cb_->processes[p];
      all &= pids_[p] == 0 || slot.done.load(std::memory_order_acquire) == slot.sequence;
    }
    if (all) {
      detail::baton_acquired();
      return;
    }
    const timespec tick{0, 20'000'000};
    detail::futex_wait(&cb_->process_done, seen, &tick);
    reap_dead_workers();
    const auto waited = Clock::now() - since;
    if (waited > options_.limits.hang_timeout || (stop_requested() && waited > kStopGrace)) {
      for (int p = 0; p < topology_.processes; ++p) {
        const detail::ProcessSlot& slot = cb_->processes[p];
        if (pids_[p] != 0 && slot.done.load() != slot.sequence) stop_worker(p);
      }
    }
  }
}

bool Engine::Impl::prepare(Program& program) {
  const std::string spec = program.spec();
  if (spec.size() > detail::kSpecCapacity) throw std::runtime_error("program spec too long");
  std::memcpy(cb_->spec, spec.data(), spec.size());
  cb_->spec_size = static_cast<std::uint32_t>(spec.size());
  program.begin(scratch_.bytes());
  if (topology_.in_process) {
    instance_ = factory_(spec, 0, scratch_.bytes());
    holder_.instance = instance_.get();
    return true;
  }
  for (int attempt = 1;; ++attempt) {
    command_all(detail::kCmdPrepare);
    if (stop_requested()) {
      cleanup();
      return false;
    }
    int died = -1;
    for (int p = 0; p < topology_.processes; ++p) {
      const detail::ProcessSlot& slot = cb_->processes[p];
      if (pids_[p] != 0 && slot.error[0] != '\0') {
        const std::string why = slot.error;
        const int err = slot.error_errno;
        cleanup();
        const std::string what = fmt::format("worker process {} could not set up: {}", p, why);
        if (err != 0) throw EnvironmentError::described(what, err > 0 ? err : 0);
        throw std::runtime_error(what);
      }
      if (pids_[p] == 0 && died < 0) died = p;
    }
    if (died < 0) return true;
    // A worker died while preparing: killed from outside, or the store's open crashed. Replace it
    // and try again; the same death every time is the store's.
    cleanup();
    if (attempt == kPrepareAttempts) {
      throw std::runtime_error(
          fmt::format("worker process {} {} while opening the store, {} times in a row: does "
                      "opening the store crash or hang?",
                      died, deaths_[died], kPrepareAttempts));
    }
    start_workers();
  }
}

void Engine::Impl::cleanup() {
  if (topology_.in_process) {
    holder_.instance = nullptr;
    instance_.reset();
    return;
  }
  command_all(detail::kCmdCleanup);
}

bool Engine::Impl::end_stuck_actor(Outcome outcome, std::string message) {
  const int running = cb_->running.load(std::memory_order_relaxed);
  if (topology_.in_process) {
    // The thread cannot be stopped; it parks if it ever comes back. Report and exit.
    cb_->poisoned.store(1, std::memory_order_relaxed);
    broken_ = true;
    detail::stop(*cb_, outcome, message.c_str());
    return false;
  }
  const int process = process_of(running);
  message += fmt::format(" (worker process {} was killed and will be replaced)", process);
  stop_worker(process);
  mark_process_finished(process);
  detail::stop(*cb_, outcome, message.c_str());
  return true;
}

bool Engine::Impl::wait_for_scheduler() {
  std::uint32_t seen_progress = cb_->progress.load(std::memory_order_acquire);
  Clock::time_point since = Clock::now();
  std::optional<Clock::time_point> stop_seen;  // when the stop request was first seen
  for (;;) {
    if (detail::spin_while(cb_->scheduler, 0, cb_->spins) != 0) break;
    cb_->scheduler_sleeping.store(1, std::memory_order_seq_cst);
    if (cb_->scheduler.load(std::memory_order_seq_cst) == 0) {
      const timespec tick{0, 20'000'000};
      detail::futex_wait(&cb_->scheduler, 0, &tick);
    }
    cb_->scheduler_sleeping.store(0, std::memory_order_relaxed);
    if (cb_->scheduler.load(std::memory_order_acquire) != 0) break;
    if (stop_requested()) {
      cb_->stop_requested.store(1, std::memory_order_relaxed);
      if (!stop_seen) stop_seen = Clock::now();
    }
    const Deaths deaths = reap_dead_workers();
    if (deaths.holder || deaths.other) {
      // Once a stop was requested a death is the stop's doing, not the store's.
      const Outcome outcome = stop_seen       ? Outcome::kStopped
                              : deaths.holder ? Outcome::kCrash
                                              : Outcome::kLost;
      detail::stop(*cb_, outcome, (deaths.holder ? *deaths.holder : *deaths.other).c_str());
      break;
    }
    const std::uint32_t progress = cb_->progress.load(std::memory_order_acquire);
    if (progress != seen_progress) {
      seen_progress = progress;
      since = Clock::now();
      continue;
    }
    const int running = cb_->running.load(std::memory_order_relaxed);
    const char* label = cb_->running_label.load(std::memory_order_relaxed);
    if (stop_seen && Clock::now() - std::max(*stop_seen, since) > kStopGrace) {
      if (!end_stuck_actor(Outcome::kStopped,
                           fmt::format("interrupted while actor {} ran uncontrolled code after {}",
                                       running, label))) {
        return false;
      }
      break;
    }
    if (Clock::now() - since <= options_.limits.hang_timeout) continue;
    const double seconds = std::chrono::duration<double>(options_.limits.hang_timeout).count();
    if (!end_stuck_actor(Outcome::kHang,
                         fmt::format("no yield point for {:.1f} s in actor {} after {}: an "
                                     "uncontrolled blocking call or a spin loop?",
                                     seconds, running, label))) {
      return false;
    }
    break;
  }
  cb_->scheduler.store(0, std::memory_order_relaxed);
  detail::baton_acquired();
  return true;
}

void Engine::Impl::abort_remaining() {
  cb_->aborting = true;
  for (int a = 0; a < topology_.actors(); ++a) {
    if (cb_->slots[a].state == ActorState::kFinished) continue;
    cb_->running.store(a, std::memory_order_relaxed);
    detail::grant(cb_->slots[a], detail::kGoAbort);
    if (!wait_for_scheduler()) return;
  }
}

ExecutionResult Engine::Impl::collect() {
  ExecutionResult result;
  result.outcome = cb_->outcome;
  result.message = cb_->message;
  result.handoffs = cb_->handoffs;
  result.trace.reserve(cb_->steps);
  for (std::uint32_t i = 0; i < cb_->steps; ++i) {
    const detail::TraceRecord& r = cb_->trace[i];
    result.trace.push_back(Step{i, r.actor, r.label, r.kind, r.name, r.access, r.runnable});
  }
  return result;
}

ExecutionResult Engine::Impl::run(Program& program, Strategy& strategy) {
  start_workers();
  if (!prepare(program)) {
    ExecutionResult stopped;
    stopped.outcome = Outcome::kStopped;
    stopped.message = "stopped on request";
    return stopped;
  }
  ControlBlock& cb = *cb_;
  cb.strategy = strategy.clone_into(strategy_.bytes());
  if (cb.strategy == nullptr) {
    cleanup();
    throw std::runtime_error("the strategy does not fit in shared memory (a schedule too long?)");
  }
  cb.aborting = false;
  cb.outcome = Outcome::kCompleted;
  cb.message[0] = '\0';
  cb.handoffs = 0;
  cb.steps = 0;
  std::fill(std::begin(cb.holders), std::end(cb.holders), detail::Holder{});
  for (int a = 0; a < topology_.actors(); ++a) {
    detail::ActorSlot& slot = cb.slots[a];
    slot.state = ActorState::kRunnable;
    slot.label = "start";
    slot.kind = "";
    slot.name[0] = '\0';
    slot.access = Access::kRead;
    slot.blocked_on = 0;
    slot.wants = 0;
    slot.wants_description = 0;
  }
  cb.progress.store(0, std::memory_order_relaxed);
  cb.running.store(-1, std::memory_order_relaxed);
  cb.running_label.store("start", std::memory_order_relaxed);
  cb.scheduler.store(0, std::memory_order_relaxed);
  if (stop_requested()) cb.stop_requested.store(1, std::memory_order_relaxed);
  if (topology_.in_process) detail::fatal_report_begin(cb_, program.token_prefix());
  detail::sync_release(&detail::start_sync);
  if (const int first = detail::decide(cb, kNoActor); first != kNoActor) {
    detail::grant(cb.slots[first], detail::kGoRun);
    if (!wait_for_scheduler()) return collect();
  }
  if (topology_.in_process) detail::fatal_report_end(cb_);
  abort_remaining();
  if (broken_) return collect();
  detail::sync_acquire(&detail::end_sync);
  cleanup();
  return collect();
}

Engine::Engine(Topology topology, InstanceFactory factory, EngineOptions options)
    : topology_(topology), impl_(std::make_unique<Impl>(topology, std::move(factory), options)) {}

Engine::~Engine() {
  // After an in-process hang a thread still runs uncontrolled code that may touch the shared
  // state; leaking it (and the threads) is the only safe choice. The process exits soon after.
  if (impl_->broken()) (void)impl_.release();
}

ExecutionResult Engine::run(Program& program, Strategy& strategy) {
  if (impl_->broken()) throw std::logic_error("Engine::run after an in-process hang");
  return impl_->run(program, strategy);
}

void Engine::start() { impl_->start(); }

bool Engine::usable() const { return !impl_->broken() && !impl_->stop_requested(); }
bool Engine::stopped() const { return impl_->stop_requested(); }
bool Engine::broken() const { return impl_->broken(); }
std::vector<pid_t> Engine::worker_pids() const { return impl_->worker_pids(); }
std::uint64_t Engine::workers_replaced() const { return impl_->workers_replaced(); }
std::span<std::byte> Engine::scratch() const { return impl_->scratch(); }

}  // namespace interleave
