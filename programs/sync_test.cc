// The synchronization calls the shim models (shim/sync.c) against the C library's own semantics:
// each mode of programs/testdata/sync_worker.c checks a few calls and exits 0 when they behave as
// the C library documents them. The same worker runs plainly (the C library's calls: what the
// checks expect is what this machine does) and under the shim, where DFS runs every schedule of a
// mode. What depends on the schedule (a timed wait woken or timed out) is printed by the worker as
// "outcome <error>", and both outcomes must show up across the schedules. Nothing depends on the
// wall clock: timeouts are the scheduler's decisions (virtual time).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "harness/explore/explore.h"
#include "programs/execution.h"

namespace interleave::programs {
namespace {

// One worker of sync_worker.c in `mode` with `threads` actors (its main thread included), and the
// "outcome ..." lines its executions printed.
class SyncRun {
 public:
  SyncRun(const std::string& mode, int threads)
      : SyncRun(std::vector<std::string>{INTERLEAVE_SYNC_WORKER, mode}, threads) {}
  SyncRun(std::vector<std::string> argv, int threads) {
    spec_.workers.push_back(std::move(argv));
    spec_.shim = INTERLEAVE_SHIM;
    spec_.threads = threads;
  }
  SyncRun& with_spurious_wakeups() {
    spec_.spurious_wakeups = true;
    return *this;
  }

  // Explores with `strategy` from seed 1 (executions: a cap for DFS and DPOR, 0 for none).
  ExploreReport explore(const std::string& strategy, std::uint64_t executions = 0,
                        Limits limits = {}) {
    Engine engine(topology_of(spec_), nullptr, EngineOptions{.limits = limits});
    ExploreOptions options;
    options.strategy = strategy;
    options.seed = 1;
    options.executions = executions;
    options.shrink = false;
    return interleave::explore([this] { return std::make_unique<Probe>(this); }, options, engine);
  }

  // How many of the executions judged printed "outcome <what>".
  int outcomes(const std::string& what) const {
    const auto it = outcomes_.find(what);
    return it == outcomes_.end() ? 0 : it->second;
  }
  const Escapes& escapes() const { return *escapes_; }

 private:
  // An execution that counts the outcomes its worker printed before it is judged.
  struct Probe : ProgramExecution {
    explicit Probe(SyncRun* run) : ProgramExecution(run->spec_, run->escapes_), run(run) {}
    Verdict judge(const ExecutionResult& result, std::span<const std::byte> scratch) override {
      std::ifstream in(output_path(0));
      for (std::string line; std::getline(in, line);) {
        if (line.starts_with("outcome ")) ++run->outcomes_[line.substr(8)];
      }
      return ProgramExecution::judge(result, scratch);
    }
    SyncRun* run;
  };

  ProgramSpec spec_;
  std::shared_ptr<Escapes> escapes_ = std::make_shared<Escapes>();
  std::map<std::string, int> outcomes_;
};

// Every schedule DFS runs of `mode` passes its worker's checks, with nothing escaping control.
void expect_every_schedule_holds(const std::string& mode, int threads) {
  SyncRun run(mode, threads);
  const ExploreReport report = run.explore("dfs");
  EXPECT_FALSE(report.failure) << mode << ": " << report.verdict.message;
  EXPECT_FALSE(report.error) << mode << ": " << *report.error;
  EXPECT_TRUE(report.exhausted) << mode << ": " << report.stats.executions << " executions";
  EXPECT_TRUE(run.escapes().list().empty()) << mode << ": " << run.escapes().list().front();
}

// Across every schedule DFS runs of `mode`, the timed wait it prints the outcome of returns 0 in
// some and ETIMEDOUT in others, and nothing else.
void expect_both_outcomes(const std::string& mode) {
  SyncRun run(mode, 2);
  const ExploreReport report = run.explore("dfs");
  EXPECT_FALSE(report.failure) << mode << ": " << report.verdict.message;
  EXPECT_TRUE(report.exhausted) << mode;
  EXPECT_GT(run.outcomes("0"), 0) << mode << ": the wait never ended by its wake";
  EXPECT_GT(run.outcomes("ETIMEDOUT"), 0) << mode << ": the wait never timed out";
  EXPECT_EQ(run.outcomes("0") + run.outcomes("ETIMEDOUT"), report.stats.executions) << mode;
}

// The run of `mode` ends in a failure of kind `bug` in its first execution, whatever the schedule.
ExploreReport expect_first_execution_fails(const std::string& mode, int threads, BugKind bug,
                                           Limits limits = {}) {
  SyncRun run(mode, threads);
  const ExploreReport report = run.explore("dfs", 0, limits);
  EXPECT_TRUE(report.failure) << mode << ": passed " << report.stats.executions << " executions";
  if (report.failure) {
    EXPECT_EQ(report.verdict.bug, bug) << mode << ": " << report.verdict.message;
    EXPECT_EQ(report.failure->execution, 0u) << mode;
  }
  return report;
}

// The exit status of the worker in `mode` run plainly (no shim, the C library's own calls), or -1
// when it did not exit (killed by the alarm after 10 s: a check that blocks).
int plain_run(const std::string& mode) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::alarm(10);  // kept across the exec
    std::freopen("/dev/null", "w", stdout);
    ::execl(INTERLEAVE_SYNC_WORKER, INTERLEAVE_SYNC_WORKER, mode.c_str(), nullptr);
    ::_exit(127);
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(SyncSemantics, EveryCheckOfTheWorkerHoldsForTheCLibraryItself) {
  // Every mode that ends when run plainly (not the deadlocks, not stdio-lock, whose thread blocks
  // behind the main thread's flockfile for good).
  for (const char* mode : {"trylock",
                           "timedlock",
                           "clocklock",
                           "errorcheck",
                           "recursive",
                           "cond-timedwait",
                           "signal-lost-timed",
                           "broadcast",
                           "spin-after-timeout",
                           "pipe-pingpong",
                           "eventfd-socket",
                           "pipe-from-child",
                           "sem-trywait",
                           "sem-timedwait",
                           "sem-clockwait",
                           "rwlock",
                           "rwlock-relock",
                           "barrier",
                           "cond-if",
                           "poll-kinds",
                           "accept",
                           "full-pipe"}) {
    EXPECT_EQ(plain_run(mode), 0) << mode;
  }
}

TEST(SyncSemantics, TrylockOfAHeldMutexReturnsEbusy) { expect_every_schedule_holds("trylock", 2); }

TEST(SyncSemantics, TimedlockOfAMutexHeldByAnotherThreadTimesOutOrTakesItAsScheduled) {
  expect_both_outcomes("timedlock");
  expect_both_outcomes("clocklock");
}

TEST(SyncSemantics, AnErrorCheckingMutexIsEdeadlkForItsOwnerAndEpermForAnotherThread) {
  expect_every_schedule_holds("errorcheck", 2);
}

TEST(SyncSemantics, ARecursiveMutexLockedTwiceNeedsTwoUnlocksBeforeAnotherThreadTakesIt) {
  expect_every_schedule_holds("recursive", 2);
}

TEST(SyncSemantics, ANormalMutexRelockedByItsOwnerIsADeadlock) {
  const ExploreReport report = expect_first_execution_fails("normal-relock", 1, BugKind::kDeadlock);
  EXPECT_NE(report.verdict.message.find("mutex#1"), std::string::npos) << report.verdict.message;
}

TEST(SyncSemantics, CondTimedwaitIsWokenBySignalOrTimesOutAsScheduled) {
  expect_both_outcomes("cond-timedwait");
}

TEST(SyncSemantics, ASignalWithNoWaiterIsLostSoALaterTimedWaitTimesOut) {
  expect_every_schedule_holds("signal-lost-timed", 2);
}

TEST(SyncSemantics, ASignalWithNoWaiterIsLostSoALaterWaitIsADeadlock) {
  const ExploreReport report = expect_first_execution_fails("signal-lost", 2, BugKind::kDeadlock);
  EXPECT_NE(report.verdict.message.find("cond#1"), std::string::npos) << report.verdict.message;
}

TEST(SyncSemantics, BroadcastWakesEveryWaiter) { expect_every_schedule_holds("broadcast", 3); }

TEST(SyncSemantics, SemTrywaitOfAZeroSemaphoreReturnsEagain) {
  expect_every_schedule_holds("sem-trywait", 2);
}

TEST(SyncSemantics, SemTimedwaitTakesThePostOrTimesOutAsScheduled) {
  expect_both_outcomes("sem-timedwait");
  expect_both_outcomes("sem-clockwait");
}

TEST(SyncSemantics, RwlockReadersHoldAtOnceAndAWriterExcludes) {
  expect_every_schedule_holds("rwlock", 2);
}

TEST(SyncSemantics, RwlockLockedAgainByItsWriterIsEdeadlkAndItsTryFormsEbusy) {
  expect_every_schedule_holds("rwlock-relock", 1);
}

TEST(SyncSemantics, ABarrierReleasesNoThreadBeforeAllArriveAndOneIsTheSerialThread) {
  expect_every_schedule_holds("barrier", 3);
}

TEST(SyncSemantics, AWaitThatEndsWithNoSignalIsAChoiceOnlyWithSpuriousWakeups) {
  // An `if` around pthread_cond_wait is right as long as every wait ends by a signal.
  SyncRun plain("cond-if", 2);
  const ExploreReport clean = plain.explore("dpor");
  EXPECT_FALSE(clean.failure) << clean.verdict.message;
  EXPECT_TRUE(clean.exhausted);
  SyncRun spurious("cond-if", 2);
  const ExploreReport found = spurious.with_spurious_wakeups().explore("dpor");
  ASSERT_TRUE(found.failure);
  EXPECT_NE(found.verdict.message.find("the handover came before the wait ended"),
            std::string::npos)
      << found.verdict.message;
}

TEST(SyncSemantics, DporTriesEachWaiterASignalCouldWake) {
  // A signal that wakes the wrong one of two waiters (each waits for its own turn) loses the
  // wake: both searches must reach the schedule where the other waiter takes it.
  for (const char* strategy : {"dpor", "dfs"}) {
    SyncRun run("signal-one-of-two", 3);
    const ExploreReport report = run.explore(strategy);
    ASSERT_TRUE(report.failure) << strategy << ": passed " << report.stats.executions;
    EXPECT_EQ(report.verdict.bug, BugKind::kDeadlock) << strategy << ": " << report.verdict.message;
  }
}

TEST(SyncSemantics, TimePassesForATimedWaitWhileTheOtherThreadSpinsAfterItsTimeout) {
  // The spinning thread's steps are no progress (they follow its own timeout), so without more
  // the other thread's wait could never time out again: a livelock at the step limit.
  SyncRun run("spin-after-timeout", 2);
  Limits limits;
  limits.max_steps = 5000;
  const ExploreReport report = run.explore("random", 200, limits);
  EXPECT_FALSE(report.failure) << report.verdict.message;
  EXPECT_EQ(report.stats.executions, 200u);
}

TEST(CPythonThreads, APurePythonLostUpdateIsFoundThroughCallsAsDecisionsAndItsLockedTwinIsClean) {
  // examples/run_programs/dict_race.py: threads doing write(k, read(k) + 1) on a dict, no I/O. A
  // switch between read() and write() needs a GIL timeout chosen at a call of the holder's.
  if (::access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/python3";
  const std::vector<std::string> python = {"/usr/bin/python3", "-S", INTERLEAVE_DICT_RACE};
  auto with = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = python;
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  };
  SyncRun racy(with({"run", "2"}), 3);
  const ExploreReport found = racy.explore("random", 100);
  ASSERT_TRUE(found.failure) << "passed " << found.stats.executions << " executions";
  EXPECT_NE(found.verdict.message.find("lost-update"), std::string::npos) << found.verdict.message;
  EXPECT_TRUE(racy.escapes().list().empty());
  SyncRun locked(with({"--lock", "run", "2"}), 3);
  const ExploreReport clean = locked.explore("pct", 100);
  EXPECT_FALSE(clean.failure) << clean.verdict.message;
  EXPECT_EQ(clean.stats.executions, 100u);
}

TEST(SyncSemantics, BlockingReadsBetweenThreadsWaitForTheWriterInsteadOfBlockingTheRun) {
  // Pipes, an eventfd and a socketpair between two threads, poll, ppoll, select, pselect and
  // epoll_wait with no timeout, a blocking accept and a write to a full pipe: every schedule passes
  // (a read or a poll that blocked in the kernel with the baton would stop the writer: a hang).
  for (const char* mode : {"pipe-pingpong", "eventfd-socket", "poll-kinds", "pipe-after-timeout",
                           "accept", "full-pipe"}) {
    // poll-kinds starts a writer thread for each of its 5 kinds of wait, one after another.
    SyncRun run(mode, std::string_view(mode) == "poll-kinds" ? 6 : 2);
    const ExploreReport report = run.explore("dpor");
    EXPECT_FALSE(report.failure) << mode << ": " << report.verdict.message;
    EXPECT_TRUE(report.exhausted) << mode << ": " << report.stats.executions;
  }
}

TEST(SyncSemantics, AReadOfWhatAChildWritesIsLeftToTheKernelOnceTheThreadsCannotRun) {
  SyncRun run("pipe-from-child", 2);
  const ExploreReport report = run.explore("random", 20);
  EXPECT_FALSE(report.failure) << report.verdict.message;
  EXPECT_EQ(report.stats.executions, 20u);
}

TEST(CPythonThreads, AnAsyncioLoopWaitingForItsThreadsRunsControlled) {
  // The loop waits in epoll_wait for call_soon_threadsafe's write from another thread: a wait for
  // that write, not a block in the kernel with the baton (which would be a hang).
  if (::access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/python3";
  SyncRun run({"/usr/bin/python3", "-S", INTERLEAVE_ASYNCIO_THREADS}, 6);
  const ExploreReport report = run.explore("random", 10);
  EXPECT_FALSE(report.failure) << report.verdict.message;
  EXPECT_EQ(report.stats.executions, 10u);
  EXPECT_TRUE(run.escapes().list().empty()) << run.escapes().list().front();
}

TEST(SyncSemantics, AThreadBlockedInStdiosLockBehindAParkedThreadIsNamed) {
  // The main thread holds stdout's lock and waits (a decision) for the other thread, which blocks
  // in that lock inside the C library: a futex wait the shim does not see. The engine names it
  // long before the hang timeout (set far off here, so that only the naming can end the run).
  Limits limits;
  limits.hang_timeout = std::chrono::seconds(30);
  const ExploreReport report =
      expect_first_execution_fails("stdio-lock", 2, BugKind::kHang, limits);
  const std::string& message = report.verdict.message;
  EXPECT_NE(message.find("actor 1 (worker 0, thread#1) is blocked in a wait the scheduler does "
                         "not control"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("stdio's FILE lock"), std::string::npos) << message;
  EXPECT_EQ(message.find("interleave::Mutex"), std::string::npos) << message;  // no store advice
  EXPECT_NE(message.find("futex(2)"), std::string::npos) << message;
}

}  // namespace
}  // namespace interleave::programs
