#include "harness/backends/engine.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include "fmt/format.h"
#include "harness/backends/actor_runtime.h"
#include "harness/backends/blocked_in.h"
#include "harness/backends/fibers.h"
#include "harness/backends/futex.h"
#include "harness/backends/std_sync.h"
#include "harness/backends/wait.h"
#include "harness/cleanup.h"
#include "harness/environment.h"
#include "harness/scheduler/fatal_signal.h"
#include "harness/scheduler/scheduler.h"
#include "harness/tsan.h"

extern char** environ;

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

// What the child of spawn_each_program() needs, made before vfork.
struct ProgramLaunch {
  char* const* argv;
  char* const* envp;
  const char* cwd;     // "" for the harness's
  const char* output;  // "" to keep the harness's stdout and stderr
  int control_fd;
  int report;  // where it writes {step, errno} when it cannot exec
};

// The child cannot start the program: it says why ({step, errno}) and exits.
[[noreturn]] void launch_failed(int report, int step) {
  const int why[2] = {step, errno};
  (void)!::write(report, why, sizeof why);
  ::_exit(127);
}

// The child of vfork(): it shares the harness's memory and runs in a frame of its own below the
// harness thread's, making only system calls, until it execs or exits; it never returns. `mask`
// is the signal mask to give the program, restored once no handler of the harness is left.
[[noreturn]] __attribute__((noinline)) void launch_program(const ProgramLaunch& launch,
                                                           const sigset_t& mask) {
  for (int sig = 1; sig < NSIG; ++sig) {
    struct sigaction action {};
    if (::sigaction(sig, nullptr, &action) == 0 && action.sa_handler != SIG_IGN &&
        action.sa_handler != SIG_DFL) {
      action.sa_handler = SIG_DFL;
      action.sa_flags = 0;
      ::sigaction(sig, &action, nullptr);
    }
  }
  ::sigprocmask(SIG_SETMASK, &mask, nullptr);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // Addresses are an input of the program like time: without ASLR they are the same in every
  // execution (CPython's sets of objects hash by address, so their order follows it).
  ::personality(ADDR_NO_RANDOMIZE);
  ::fcntl(launch.control_fd, F_SETFD, 0);  // inherited across exec
  if (launch.cwd[0] != '\0' && ::chdir(launch.cwd) != 0) launch_failed(launch.report, 0);
  if (launch.output[0] != '\0') {
    const int out = ::open(launch.output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0) launch_failed(launch.report, 1);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
  }
  ::execve(launch.argv[0], launch.argv, launch.envp);
  launch_failed(launch.report, 2);
}

// vfork()s a child that runs launch_program(); in the harness, returns its pid (-1: errno says).
// Its own small frame: the child never comes back into the caller's.
__attribute__((noinline)) pid_t vfork_program(const ProgramLaunch& launch, const sigset_t& mask) {
  const pid_t pid = ::vfork();
  if (pid == 0) launch_program(launch, mask);
  return pid;
}

using Clock = std::chrono::steady_clock;
using detail::Scheduler;

// A stop request ends a step that makes no progress for this long: an actor in uncontrolled code
// (a hang) is not waited for until the hang timeout.
constexpr auto kStopGrace = std::chrono::milliseconds(100);
// Attempts at preparing an execution while worker processes keep dying (killed from outside).
constexpr int kPrepareAttempts = 3;
// How often the engine's thread wakes to watch for deaths, hangs and stop requests.
constexpr timespec kTick{0, 20'000'000};
// An actor that makes no progress for this long is looked at: blocked in a lock the scheduler does
// not see (a std::mutex), on kUncontrolledSightings ticks in a row, it ends the execution as a hang
// named for that lock, long before the hang timeout.
constexpr auto kUncontrolledLockDelay = std::chrono::milliseconds(200);
constexpr int kUncontrolledSightings = 3;

// A MAP_SHARED mapping, shared with every process forked afterwards. With `named`, it is a memfd
// whose descriptor an exec'd program can inherit and map.
class SharedMapping {
 public:
  SharedMapping(std::size_t bytes, bool named) : bytes_(bytes) {
    if (named) {
      fd_ = ::memfd_create("interleave-control", MFD_CLOEXEC);
      if (fd_ < 0 || ::ftruncate(fd_, static_cast<off_t>(bytes)) != 0) {
        throw EnvironmentError("cannot create the control block's memory file", errno);
      }
    }
    data_ = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | (named ? 0 : MAP_ANONYMOUS),
                   fd_, 0);
    if (data_ == MAP_FAILED) {
      throw EnvironmentError(fmt::format("cannot map {} bytes of shared memory", bytes), errno);
    }
  }
  ~SharedMapping() {
    ::munmap(data_, bytes_);
    if (fd_ >= 0) ::close(fd_);
  }
  SharedMapping(const SharedMapping&) = delete;
  SharedMapping& operator=(const SharedMapping&) = delete;
  std::span<std::byte> bytes() const { return {static_cast<std::byte*>(data_), bytes_}; }
  int fd() const { return fd_; }

 private:
  std::size_t bytes_;
  int fd_ = -1;
  void* data_;
};

std::string describe_status(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* abbrev = sigabbrev_np(sig);
    return fmt::format("was killed by SIG{} ({})", abbrev ? abbrev : "?", strsignal(sig));
  }
  return fmt::format("exited with status {}", WEXITSTATUS(status));
}

std::uint32_t load(const std::uint32_t& word) { return __atomic_load_n(&word, __ATOMIC_ACQUIRE); }

}  // namespace

class Engine::Impl {
 public:
  Impl(const Topology& topology, InstanceFactory factory, EngineOptions options);
  ~Impl();

  ExecutionResult run(Program& program, Strategy& strategy);
  void start() { start_groups(); }
  bool broken() const { return broken_; }
  bool stop_requested() const {
    return options_.stop != nullptr && options_.stop->load(std::memory_order_relaxed);
  }
  std::vector<pid_t> worker_pids() const;
  std::span<std::byte> scratch() const { return scratch_.bytes(); }
  std::uint64_t workers_replaced() const { return replaced_; }

 private:
  struct Deaths {
    std::optional<std::string> holder;  // the baton holder's process died: a crash, with why
    std::optional<std::string> other;   // a process died outside its turn, with why
  };

  ActorKind kind_of_actor(int actor) const {
    return topology_.groups[static_cast<std::size_t>(topology_.group_of(actor))].kind;
  }
  // "worker 0, main thread" or "worker 0, thread#2": an exec'd program's actor by its thread.
  std::string program_actor_name(int actor) const {
    const int group = topology_.group_of(actor);
    const int n = actor - topology_.first_of(group);
    return n == 0 ? fmt::format("worker {}, main thread", group)
                  : fmt::format("worker {}, thread#{}", group, n);
  }
  bool remote(int actor) const {
    const ActorKind k = kind_of_actor(actor);
    return k == ActorKind::kProcess || k == ActorKind::kProgram;
  }
  bool has_workers() const { return !pids_.empty(); }

  void start_groups();
  void reset_slots(int group);
  void fork_worker(int group);
  void stop_worker(int group);
  void mark_group_finished(int group);
  void command_all(std::uint32_t command);
  bool prepare(Program& program);
  void spawn_programs(const Program& program);
  void spawn_each_program(const Program& program);
  void cleanup();
  void return_to_engine();
  void grant(int actor, std::uint32_t go);
  detail::Pending read_pending(int actor);
  // Applies what `actor`'s step did without a decision (il_touch), before its next post is read.
  void apply_touches(int actor);
  // Serves the steps of actors in other processes until the execution hands control back to the
  // engine (it ended, or an aborted actor is done), watching for dead and hung workers and for a
  // stop request. Returns false after an in-process hang or interrupt (the engine is broken).
  bool serve();
  // The running actor makes no progress and the run must end: kills its worker, or in-process
  // marks the engine broken. Returns false when the engine is broken.
  bool end_stuck_actor(Outcome outcome, std::string message);
  Deaths reap_dead_workers();
  void abort_remaining();

  const Topology topology_;
  const InstanceFactory factory_;
  const EngineOptions options_;
  SharedMapping control_map_;
  SharedMapping scratch_;
  il_control* const cb_;
  Scheduler scheduler_;
  std::atomic<bool> poisoned_{false};
  std::atomic<bool> returned_{false};
  detail::LocalLink local_link_;

  // The harness process's own actors (a thread or fiber group).
  const detail::SyncTable sync_ = detail::make_sync_table();
  detail::InstanceHolder holder_{nullptr, sync_.get()};
  std::unique_ptr<ProcessInstance> instance_;
  std::vector<std::thread> threads_;
  std::unique_ptr<detail::FiberGroup> fibers_;
  // Worker processes and exec'd programs, by group (0 when there is none, or for the harness's own
  // groups), and how each one's last process died.
  std::vector<pid_t> pids_;
  std::vector<std::string> deaths_;
  std::vector<std::uint32_t> seen_posted_;  // per actor: posts served so far
  std::vector<char> program_done_;          // per group: its program posted the end of its body
  std::uint64_t replaced_ = 0;
  std::uint64_t unattached_ = 0;  // this execution's program actors that never attached
  bool broken_ = false;
};

Engine::Impl::Impl(const Topology& topology, InstanceFactory factory, EngineOptions options)
    : topology_(topology),
      factory_(std::move(factory)),
      options_(options),
      control_map_(sizeof(il_control), true),
      scratch_(options.scratch_bytes, false),
      cb_(new (control_map_.bytes().data()) il_control()),
      scheduler_(topology, options.limits, options.stop, cb_),
      local_link_(
          scheduler_, cb_, [this] { return_to_engine(); }, poisoned_),
      pids_(topology.groups.size(), 0),
      deaths_(topology.groups.size()),
      seen_posted_(static_cast<std::size_t>(std::max(topology.actors(), 0)), 0),
      program_done_(topology.groups.size(), 0) {
  if (auto bad = topology.check()) throw std::invalid_argument("bad topology: " + *bad);
  cb_->magic = IL_CONTROL_MAGIC;
  cb_->actors = static_cast<std::uint32_t>(topology.actors());
  cb_->spins = detail::default_spins();
  cb_->harness_pid = ::getpid();
#ifdef INTERLEAVE_TSAN_ANNOTATIONS
  if (const char* races = std::getenv("INTERLEAVE_TSAN_RACES");
      races != nullptr && races[0] == '1') {
    detail::tsan_races.store(true);
  }
#endif
}

Engine::Impl::~Impl() {
  for (std::size_t g = 0; g < topology_.groups.size(); ++g) stop_worker(static_cast<int>(g));
  for (std::size_t a = 0; a < threads_.size(); ++a) il_grant(cb_, static_cast<int>(a), IL_GO_EXIT);
  for (std::thread& t : threads_) t.join();
  fibers_.reset();
}

std::vector<pid_t> Engine::Impl::worker_pids() const {
  std::vector<pid_t> out;
  for (std::size_t g = 0; g < pids_.size(); ++g) {
    if (pids_[g] != 0 && topology_.groups[g].kind == ActorKind::kProcess) out.push_back(pids_[g]);
  }
  return out;
}

void Engine::Impl::return_to_engine() {
  returned_.store(true, std::memory_order_release);
  __atomic_fetch_add(&cb_->harness, 1, __ATOMIC_SEQ_CST);
  if (__atomic_load_n(&cb_->harness_sleeping, __ATOMIC_SEQ_CST) != 0) {
    detail::futex_wake(&cb_->harness);
  }
}

void Engine::Impl::grant(int actor, std::uint32_t go) {
  detail::baton_released();
  il_grant(cb_, actor, go);
}

void Engine::Impl::reset_slots(int group) {
  const int first = topology_.first_of(group);
  for (int a = first; a < first + topology_.groups[static_cast<std::size_t>(group)].actors; ++a) {
    // A grant left for a process that died must not start its replacement.
    __atomic_store_n(&cb_->actor[a].go, IL_GO_WAIT, __ATOMIC_RELAXED);
    __atomic_store_n(&cb_->actor[a].sleeping, 0, __ATOMIC_RELAXED);
    cb_->actor[a].attached = 0;
    cb_->actor[a].started = 0;
    cb_->actor[a].touches = 0;
    cb_->actor[a].self_signal = 0;
    cb_->actor[a].env_errno = 0;
    cb_->actor[a].env_what[0] = '\0';
  }
}

void Engine::Impl::fork_worker(int group) {
  reset_slots(group);
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    throw_if_environment(fmt::format("cannot fork worker process {}", group), err);
    throw std::runtime_error(fmt::format("fork failed: {}", std::strerror(err)));
  }
  if (pid == 0) detail::worker_main(cb_, group, topology_, factory_, scratch_.bytes());
  pids_[static_cast<std::size_t>(group)] = pid;
  register_child(pid);
}

void Engine::Impl::stop_worker(int group) {
  pid_t& pid = pids_[static_cast<std::size_t>(group)];
  if (pid == 0) return;
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  unregister_child(pid);
  pid = 0;
}

void Engine::Impl::mark_group_finished(int group) {
  const int first = topology_.first_of(group);
  for (int a = first; a < first + topology_.groups[static_cast<std::size_t>(group)].actors; ++a) {
    scheduler_.mark_finished(a);
  }
}

void Engine::Impl::start_groups() {
  reap_dead_workers();  // died since the last execution (killed from outside): replace them
  // Worker processes first: forked while the harness has no actor thread yet (a fork of a
  // multi-threaded process copies one thread; ThreadSanitizer refuses to go on in such a child).
  for (std::size_t g = 0; g < topology_.groups.size(); ++g) {
    if (topology_.groups[g].kind != ActorKind::kProcess) continue;
    if (!options_.persistent_workers) stop_worker(static_cast<int>(g));
    if (pids_[g] != 0) continue;
    if (!deaths_[g].empty()) ++replaced_;
    fork_worker(static_cast<int>(g));
  }
  for (std::size_t g = 0; g < topology_.groups.size(); ++g) {
    const Topology::Group& group = topology_.groups[g];
    const int first = topology_.first_of(static_cast<int>(g));
    if (group.kind == ActorKind::kThread && threads_.empty()) {
      for (int a = first; a < first + group.actors; ++a) {
        threads_.emplace_back([this, a, g, actors = group.actors] {
          detail::fatal_report_thread(&scheduler_);
          detail::actor_loop(local_link_, cb_, a, static_cast<int>(g), actors, holder_);
        });
      }
    } else if (group.kind == ActorKind::kFiber && !fibers_) {
      fibers_ = std::make_unique<detail::FiberGroup>(
          scheduler_, first, group.actors, static_cast<int>(g), topology_.event_loop, holder_);
    }
  }
}

Engine::Impl::Deaths Engine::Impl::reap_dead_workers() {
  Deaths deaths;
  const int running = scheduler_.running();
  for (std::size_t g = 0; g < pids_.size(); ++g) {
    int status;
    if (pids_[g] == 0 || ::waitpid(pids_[g], &status, WNOHANG) != pids_[g]) continue;
    unregister_child(pids_[g]);
    pids_[g] = 0;
    deaths_[g] = describe_status(status);
    const int first = topology_.first_of(static_cast<int>(g));
    if (program_done_[g] != 0) continue;  // a program that ended its actor's body may exit
    // The harness reaps the workers it kills itself: a SIGKILL seen here came from outside (the
    // OOM killer, a kill -9), even when the worker held the baton, since code under test hardly
    // ever dies of it. Any other death of the baton holder's process is its crash.
    const bool program = topology_.groups[g].kind == ActorKind::kProgram;
    // A program that sent itself the SIGKILL (its shim says so) died of its own doing.
    const bool killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL &&
                        !(program && cb_->actor[first].self_signal == SIGKILL);
    const bool holder = running >= 0 && topology_.group_of(running) == static_cast<int>(g);
    const std::string who =
        program ? fmt::format("worker {}", g) : fmt::format("worker process {}", g);
    if (program && load(cb_->actor[first].attached) == 0) {
      // It never reached the shim's first yield point: nothing of it was controlled.
      unattached_ |= std::uint64_t{1} << first;
      deaths.holder = fmt::format(
          "worker {} ({}) {} before it attached to the scheduler: statically linked, or its "
          "loader ignored LD_PRELOAD, so none of its calls were controlled",
          g, topology_.groups[g].argv.empty() ? "?" : topology_.groups[g].argv[0], deaths_[g]);
      continue;
    }
    if (program && !killed && load(cb_->actor[first].started) == 0) {
      // It died in its start-up, before its first controlled call: its own crash, whoever held
      // the baton meanwhile (every execution of it dies so).
      deaths.holder =
          fmt::format("{} {} in its start-up, before its first controlled call", who, deaths_[g]);
      continue;
    }
    if (!killed && holder) {
      deaths.holder = fmt::format("actor {} ({}) {} after {}", running, who, deaths_[g],
                                  scheduler_.running_label());
    } else {
      deaths.other = fmt::format("{} {} {}", who, deaths_[g],
                                 killed ? "from outside" : "while it was not its turn");
    }
  }
  return deaths;
}

void Engine::Impl::command_all(std::uint32_t command) {
  detail::baton_released();
  for (std::size_t g = 0; g < pids_.size(); ++g) {
    if (pids_[g] == 0 || topology_.groups[g].kind != ActorKind::kProcess) continue;
    il_process& slot = cb_->processes[g];
    ++slot.sequence;
    __atomic_store_n(&slot.command, command, __ATOMIC_RELEASE);
    detail::futex_wake(&slot.command);
  }
  const Clock::time_point since = Clock::now();
  for (;;) {
    const std::uint32_t seen = load(cb_->harness);
    bool all = true;
    for (std::size_t g = 0; g < pids_.size(); ++g) {
      if (topology_.groups[g].kind != ActorKind::kProcess) continue;
      const il_process& slot = cb_->processes[g];
      all &= pids_[g] == 0 || load(slot.done) == slot.sequence;
    }
    if (all) {
      detail::baton_acquired();
      return;
    }
    if (detail::spin_while(cb_->harness, seen, cb_->spins) == seen) {
      detail::futex_wait(&cb_->harness, seen, &kTick);
    }
    reap_dead_workers();
    const auto waited = Clock::now() - since;
    if (waited > options_.limits.hang_timeout || (stop_requested() && waited > kStopGrace)) {
      for (std::size_t g = 0; g < pids_.size(); ++g) {
        const il_process& slot = cb_->processes[g];
        if (topology_.groups[g].kind == ActorKind::kProcess && pids_[g] != 0 &&
            load(slot.done) != slot.sequence) {
          stop_worker(static_cast<int>(g));
        }
      }
    }
  }
}

bool Engine::Impl::prepare(Program& program) {
  const std::string spec = program.spec();
  if (spec.size() > IL_SPEC_CAPACITY) throw std::runtime_error("program spec too long");
  std::memcpy(cb_->spec, spec.data(), spec.size());
  cb_->spec_size = static_cast<std::uint32_t>(spec.size());
  program.begin(scratch_.bytes());
  if (!threads_.empty() || fibers_) {
    il_sync_reset(holder_.sync);  // the C library's locks are named afresh in each execution
    instance_ = factory_(spec, 0, scratch_.bytes());
    holder_.instance = instance_.get();
  }
  if (has_workers()) {
    for (int attempt = 1;; ++attempt) {
      command_all(IL_CMD_PREPARE);
      if (stop_requested()) {
        cleanup();
        return false;
      }
      int died = -1;
      for (std::size_t g = 0; g < pids_.size(); ++g) {
        if (topology_.groups[g].kind != ActorKind::kProcess) continue;
        const il_process& slot = cb_->processes[g];
        if (pids_[g] != 0 && slot.error[0] != '\0') {
          const std::string why = slot.error;
          const int err = slot.error_errno;
          cleanup();
          const std::string what = fmt::format("worker process {} could not set up: {}", g, why);
          if (err != 0) throw EnvironmentError::described(what, err > 0 ? err : 0);
          throw std::runtime_error(what);
        }
        if (pids_[g] == 0 && died < 0) died = static_cast<int>(g);
      }
      if (died < 0) break;
      // A worker died while preparing: killed from outside, or the store's open crashed. Replace
      // it and try again; the same death every time is the store's.
      cleanup();
      if (attempt == kPrepareAttempts) {
        throw std::runtime_error(fmt::format(
            "worker process {} {} while opening the store, {} times in a row: does opening the "
            "store crash or hang?",
            died, deaths_[static_cast<std::size_t>(died)], kPrepareAttempts));
      }
      start_groups();
    }
  }
  spawn_programs(program);
  return true;
}

void Engine::Impl::spawn_programs(const Program& program) {
  try {
    spawn_each_program(program);
  } catch (...) {
    cleanup();  // the programs started before the one that could not be
    throw;
  }
}

void Engine::Impl::spawn_each_program(const Program& program) {
  for (std::size_t g = 0; g < topology_.groups.size(); ++g) {
    const Topology::Group& group = topology_.groups[g];
    if (group.kind != ActorKind::kProgram) continue;
    const int actor = topology_.first_of(static_cast<int>(g));
    // Everything the child needs is made before fork: between fork and exec only async-signal-safe
    // calls.
    std::vector<std::string> env_strings = {
        fmt::format("INTERLEAVE_CONTROL_FD={}", control_map_.fd()),
        fmt::format("INTERLEAVE_ACTOR={}", actor),
        fmt::format("INTERLEAVE_ACTORS={}", group.actors)};
    const std::vector<std::string> extra = program.environment(actor);
    for (const std::string& e : extra) env_strings.push_back(e);
    const auto replaced = [&](const char* e) {
      for (const std::string& x : extra) {
        const std::size_t eq = x.find('=');
        if (std::strncmp(e, x.data(), eq + 1) == 0) return true;
      }
      return false;
    };
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::strncmp(*e, "INTERLEAVE_CONTROL_FD=", 22) != 0 &&
          std::strncmp(*e, "INTERLEAVE_ACTOR=", 17) != 0 &&
          std::strncmp(*e, "INTERLEAVE_ACTORS=", 18) != 0 && !replaced(*e)) {
        env_strings.emplace_back(*e);
      }
    }
    std::vector<char*> envp;
    for (std::string& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> args = group.argv;
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string cwd = program.working_directory();
    const std::string output = program.output_path(actor);
    const int control_fd = control_map_.fd();
    reset_slots(static_cast<int>(g));
    // The child reports what kept it from running the program (its step and errno) through a pipe
    // that its exec closes: a program that cannot run is no crash of it.
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) throw EnvironmentError("cannot make a pipe", errno);
    const ProgramLaunch launch{argv.data(),    envp.data(), cwd.c_str(),
                               output.c_str(), control_fd,  report[1]};
    // vfork: the child borrows the harness's memory until it execs, instead of copying its page
    // tables (a fork of the harness cost about a fifth of a C program's execution). No signal
    // handler of the harness may run in it: every signal is blocked until it has reset them.
    sigset_t all;
    sigset_t mask;
    ::sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &mask);
    const pid_t pid = vfork_program(launch, mask);
    const int err = errno;
    ::pthread_sigmask(SIG_SETMASK, &mask, nullptr);
    if (pid < 0) {
      ::close(report[0]);
      ::close(report[1]);
      throw EnvironmentError("cannot fork a program", err);
    }
    ::close(report[1]);
    pids_[g] = pid;
    register_child(pid);
    program_done_[g] = 0;
    int why[2];
    ssize_t got;
    while ((got = ::read(report[0], why, sizeof why)) < 0 && errno == EINTR) {
    }
    ::close(report[0]);
    if (got == static_cast<ssize_t>(sizeof why)) {
      stop_worker(static_cast<int>(g));
      static constexpr const char* kSteps[] = {"enter the data directory", "open its output file",
                                               "execute"};
      const std::string what = fmt::format("worker {} cannot {} {}", g, kSteps[why[0]],
                                           why[0] == 0   ? cwd
                                           : why[0] == 1 ? output
                                                         : group.argv[0]);
      throw_if_environment(what, why[1]);
      throw std::runtime_error(fmt::format("{}: {}", what, std::strerror(why[1])));
    }
  }
}

void Engine::Impl::cleanup() {
  holder_.instance = nullptr;
  instance_.reset();
  if (has_workers()) command_all(IL_CMD_CLEANUP);
  for (std::size_t g = 0; g < topology_.groups.size(); ++g) {
    if (topology_.groups[g].kind == ActorKind::kProgram) stop_worker(static_cast<int>(g));
  }
}

void Engine::Impl::apply_touches(int actor) {
  il_actor& slot = cb_->actor[actor];
  const std::uint32_t n = std::min<std::uint32_t>(slot.touches, IL_MAX_TOUCHES);
  for (std::uint32_t i = 0; i < n; ++i) {
    const il_touch& t = slot.touch[i];
    scheduler_.touch(actor, static_cast<ObjectKind>(t.kind), intern_label(t.space),
                     std::string_view(t.name, strnlen(t.name, IL_NAME_CAPACITY)),
                     t.access == IL_WRITE ? Access::kWrite : Access::kRead);
    if (t.wakes != 0) scheduler_.wake(actor, t.wakes);
  }
  slot.touches = 0;
}

detail::Pending Engine::Impl::read_pending(int actor) {
  const il_pending& slot = cb_->actor[actor].pending;
  detail::Pending p;
  p.event = static_cast<detail::Event>(slot.event);
  p.label = intern_label(slot.label);
  p.kind = static_cast<ObjectKind>(slot.kind);
  p.space = intern_label(slot.space);
  p.name = std::string_view(slot.name, strnlen(slot.name, IL_NAME_CAPACITY));
  p.access = slot.access == IL_WRITE ? Access::kWrite : Access::kRead;
  p.lock = slot.lock;
  p.description = slot.description;
  p.failure = std::string_view(slot.message, strnlen(slot.message, IL_MESSAGE_CAPACITY));
  p.timed = slot.timed != 0;
  p.until_stuck = slot.timed == IL_TIMED_UNTIL_STUCK;
  p.keep_last = slot.keep_last != 0;
  return p;
}

bool Engine::Impl::end_stuck_actor(Outcome outcome, std::string message) {
  const int running = scheduler_.running();
  const int group = topology_.group_of(running);
  if (!remote(running)) {
    // The thread cannot be stopped; it parks if it ever comes back. Report and exit.
    poisoned_.store(true, std::memory_order_relaxed);
    broken_ = true;
    scheduler_.stop(outcome, message);
    return false;
  }
  message += fmt::format(" (worker process {} was killed and will be replaced)", group);
  stop_worker(group);
  mark_group_finished(group);
  scheduler_.stop(outcome, message);
  return true;
}

bool Engine::Impl::serve() {
  std::uint32_t progress = scheduler_.steps();
  Clock::time_point since = Clock::now();
  int sightings = 0;  // ticks in a row the running actor was seen in an uncontrolled lock
  std::optional<Clock::time_point> stop_seen;  // when the stop request was first seen
  for (;;) {
    const std::uint32_t word = load(cb_->harness);
    if (returned_.exchange(false, std::memory_order_acq_rel)) {
      detail::baton_acquired();
      return true;
    }
    const int a = scheduler_.running();
    if (a != kNoActor && remote(a)) {
      const std::uint32_t posted = load(cb_->actor[a].posted);
      if (posted != seen_posted_[static_cast<std::size_t>(a)]) {
        seen_posted_[static_cast<std::size_t>(a)] = posted;
        detail::baton_acquired();
        apply_touches(a);
        const detail::Pending pending = read_pending(a);
        const int next = scheduler_.advance(a, pending);
        if ((pending.event == detail::Event::kFinish || pending.event == detail::Event::kExit) &&
            kind_of_actor(a) == ActorKind::kProgram) {
          // A program whose every thread ended its body may exit.
          const int group = topology_.group_of(a);
          const int first = topology_.first_of(group);
          bool all = true;
          for (int b = first; b < first + topology_.groups[static_cast<std::size_t>(group)].actors;
               ++b) {
            all &= scheduler_.finished(b);
          }
          program_done_[static_cast<std::size_t>(group)] = all ? 1 : 0;
        }
        if (next == kNoActor) return true;
        grant(next, scheduler_.take_crash_grant() ? IL_GO_CRASH : IL_GO_RUN);
        continue;
      }
    }
    if (detail::spin_while(cb_->harness, word, cb_->spins) != word) continue;
    __atomic_store_n(&cb_->harness_sleeping, 1, __ATOMIC_SEQ_CST);
    if (load(cb_->harness) == word) detail::futex_wait(&cb_->harness, word, &kTick);
    __atomic_store_n(&cb_->harness_sleeping, 0, __ATOMIC_RELAXED);
    if (load(cb_->harness) != word) continue;
    // A tick: watch the running actor.
    if (stop_requested() && !stop_seen) stop_seen = Clock::now();
    const Deaths deaths = reap_dead_workers();
    if (deaths.holder || (deaths.other && a != kNoActor && remote(a) &&
                          pids_[static_cast<std::size_t>(topology_.group_of(a))] == 0)) {
      // The baton holder is gone: the engine takes over. Once a stop was requested a death is the
      // stop's doing, not the store's.
      const Outcome outcome = stop_seen       ? Outcome::kStopped
                              : deaths.holder ? Outcome::kCrash
                                              : Outcome::kLost;
      mark_group_finished(topology_.group_of(a));
      scheduler_.stop(outcome, deaths.holder ? *deaths.holder : *deaths.other);
      return true;
    }
    if (deaths.other) {
      scheduler_.request_stop(stop_seen ? Outcome::kStopped : Outcome::kLost, *deaths.other);
    }
    const std::uint32_t now_progress = scheduler_.steps();
    if (now_progress != progress) {
      progress = now_progress;
      since = Clock::now();
      sightings = 0;
      continue;
    }
    const char* label = scheduler_.running_label();
    if (a != kNoActor && kind_of_actor(a) != ActorKind::kFiber &&
        Clock::now() - since > kUncontrolledLockDelay) {
      const bool asleep_before = load(cb_->actor[a].sleeping) != 0;
      const std::optional<std::string> lock = detail::uncontrolled_lock_wait(
          __atomic_load_n(&cb_->actor[a].tid, __ATOMIC_RELAXED), cb_, sizeof(il_control));
      // An actor asleep on its grant, before or after /proc was read, is in the control block's
      // wait, granted but not yet run (an exec'd program maps the block elsewhere, so the address
      // check cannot tell).
      const bool own_wait = asleep_before || load(cb_->actor[a].sleeping) != 0;
      sightings = lock && !own_wait ? sightings + 1 : 0;
      if (sightings >= kUncontrolledSightings && kind_of_actor(a) == ActorKind::kProgram) {
        return end_stuck_actor(
            Outcome::kHang,
            fmt::format("actor {} ({}) is blocked in a wait the scheduler does not control, after "
                        "{}: its thread waits in {}, such as a lock the C library keeps to itself "
                        "(stdio's FILE lock) or one shared with another process. The thread "
                        "holding it cannot run until this one yields, so the execution cannot go "
                        "on, and no clean verdict is claimed",
                        a, program_actor_name(a), label, *lock));
      }
      if (sightings >= kUncontrolledSightings) {
        return end_stuck_actor(
            Outcome::kHang,
            fmt::format("actor {} is blocked in a lock the scheduler does not control, after {}: "
                        "its thread waits in {}. The actor holding that lock cannot run until "
                        "this one yields, so the execution cannot go on. The scheduler sees "
                        "interleave::Mutex, std::mutex and the other pthread locks of one "
                        "process, and interleave::FileLock; not a lock shared with another "
                        "process (PTHREAD_PROCESS_SHARED), a raw futex or flock, or a lock taken "
                        "on an event loop",
                        a, label, *lock));
      }
    }
    if (stop_seen && Clock::now() - std::max(*stop_seen, since) > kStopGrace) {
      return end_stuck_actor(
          Outcome::kStopped,
          fmt::format("interrupted while actor {} ran uncontrolled code after {}", a, label));
    }
    if (Clock::now() - since <= options_.limits.hang_timeout) continue;
    const double seconds = std::chrono::duration<double>(options_.limits.hang_timeout).count();
    return end_stuck_actor(Outcome::kHang,
                           fmt::format("no yield point for {:.1f} s in actor {} after {}: an "
                                       "uncontrolled blocking call or a spin loop?",
                                       seconds, a, label));
  }
}

void Engine::Impl::abort_remaining() {
  if (!scheduler_.aborting()) scheduler_.stop(Outcome::kCompleted, "");
  for (int a = 0; a < topology_.actors(); ++a) {
    if (scheduler_.finished(a)) continue;
    const int group = topology_.group_of(a);
    if (remote(a) && pids_[static_cast<std::size_t>(group)] == 0) {
      mark_group_finished(group);  // its process is gone
      continue;
    }
    scheduler_.set_running(a);
    grant(a, IL_GO_ABORT);
    if (!serve()) return;
  }
}

ExecutionResult Engine::Impl::run(Program& program, Strategy& strategy) {
  start_groups();
  if (!prepare(program)) {
    ExecutionResult stopped;
    stopped.outcome = Outcome::kStopped;
    stopped.message = "stopped on request";
    return stopped;
  }
  returned_.store(false);
  unattached_ = 0;
  for (int a = 0; a < topology_.actors(); ++a) {
    seen_posted_[static_cast<std::size_t>(a)] = load(cb_->actor[a].posted);
  }
  if (topology_.in_process()) scheduler_.report_fatal_signals(program.token_prefix());
  detail::sync_release(&detail::start_sync);
  const int first = scheduler_.begin(strategy);
  bool ok = true;
  if (fibers_) {
    detail::fatal_report_thread(&scheduler_);  // the fibers run on this thread
    ok = fibers_->run(first, options_.limits.hang_timeout, kStopGrace, options_.stop);
    detail::fatal_report_thread(nullptr);
    broken_ = !ok;
  } else if (first != kNoActor) {
    grant(first, scheduler_.take_crash_grant() ? IL_GO_CRASH : IL_GO_RUN);
    ok = serve();
  }
  scheduler_.stop_reporting_fatal_signals();
  if (ok && !fibers_) abort_remaining();
  if (broken_) return scheduler_.take_result();
  detail::sync_acquire(&detail::end_sync);
  // What an exec'd program's shim reported, read before cleanup() reaps the programs.
  std::optional<EnvironmentError> environment;
  for (std::size_t g = 0; g < topology_.groups.size() && !environment; ++g) {
    if (topology_.groups[g].kind != ActorKind::kProgram) continue;
    const il_actor& slot = cb_->actor[topology_.first_of(static_cast<int>(g))];
    if (const int err = __atomic_load_n(&slot.env_errno, __ATOMIC_ACQUIRE); err != 0) {
      environment = EnvironmentError(
          fmt::format("worker {}: {}", g,
                      std::string(slot.env_what, strnlen(slot.env_what, IL_ENV_CAPACITY))),
          err);
    }
  }
  cleanup();
  if (environment) throw *environment;
  ExecutionResult result = scheduler_.take_result();
  result.unattached = std::exchange(unattached_, 0);
  return result;
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
