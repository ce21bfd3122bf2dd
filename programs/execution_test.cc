// Executions of a program target (programs/execution.h) with the shim preloaded into workers of
// programs/testdata/run_worker.c: locks as scheduler resources, crashes, hangs and escapes. Every
// test is deterministic: the schedules come from seeds or exhaustive search, and the hang is the
// engine's own hang timeout, set small.
#include "programs/execution.h"

#include <dirent.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "gtest/gtest.h"
#include "harness/explore/explore.h"
#include "harness/schedule.h"
#include "programs/history.h"

namespace interleave::programs {
namespace {

ProgramSpec spec_of(const std::string& mode, int workers) {
  ProgramSpec spec;
  for (int w = 0; w < workers; ++w) spec.workers.push_back({INTERLEAVE_RUN_WORKER, mode});
  spec.shim = INTERLEAVE_SHIM;
  return spec;
}

struct Workers {
  ProgramSpec spec;
  std::shared_ptr<Escapes> escapes = std::make_shared<Escapes>();
  Topology topology() const { return topology_of(spec); }
  ProgramFactory factory() const {
    return [this] { return std::make_unique<ProgramExecution>(spec, escapes); };
  }
  ExploreReport explore(const std::string& strategy, std::uint64_t executions,
                        Limits limits = {}) const {
    Engine engine(topology(), nullptr, EngineOptions{.limits = limits});
    ExploreOptions options;
    options.strategy = strategy;
    options.executions = executions;
    options.shrink = false;
    return interleave::explore(factory(), options, engine);
  }
};

// The entries of `dir` (run directories left behind, when `dir` is a test's own TMPDIR).
int entries_of(const std::string& dir) {
  int n = 0;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return -1;
  while (dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
  ::closedir(d);
  return n;
}

// A directory of the test's own for the executions' files while it lives (other tests'
// executions run beside it under ctest -j), so that what a run leaves behind can be counted: both
// INTERLEAVE_TMPDIR and TMPDIR name it; the old values come back after.
class OwnTmpdir {
 public:
  OwnTmpdir() {
    if (::mkdtemp(path_) == nullptr) throw std::runtime_error("mkdtemp failed");
    for (int i = 0; i < 2; ++i) {
      if (const char* old = std::getenv(kNames[i])) saved_[i] = old;
      ::setenv(kNames[i], path_, 1);
    }
  }
  ~OwnTmpdir() {
    for (int i = 0; i < 2; ++i) {
      if (saved_[i]) {
        ::setenv(kNames[i], saved_[i]->c_str(), 1);
      } else {
        ::unsetenv(kNames[i]);
      }
    }
    ::umount2(path_, MNT_DETACH);
    ::rmdir(path_);
  }
  const char* path() const { return path_; }

 private:
  static constexpr const char* kNames[2] = {"INTERLEAVE_TMPDIR", "TMPDIR"};
  char path_[32] = "/tmp/interleave-run-test-XXXXXX";
  std::optional<std::string> saved_[2];
};

TEST(ProgramExecution, AWorkerBusyWaitingOnALockWithSleepsDoesNotHang) {
  Workers run{spec_of("busy-wait", 2)};
  const ExploreReport report = run.explore("random", 30);
  EXPECT_FALSE(report.failure) << report.verdict.message;
  EXPECT_EQ(report.stats.executions, 30u);
  EXPECT_TRUE(run.escapes->list().empty());
}

TEST(ProgramExecution, AWorkerKilledByASignalIsACrashWithItsStandardError) {
  Workers run{spec_of("crash", 2)};
  const ExploreReport report = run.explore("random", 5);
  ASSERT_TRUE(report.failure);
  EXPECT_EQ(report.verdict.bug, BugKind::kCrash);
  EXPECT_NE(report.verdict.message.find("SIGSEGV"), std::string::npos) << report.verdict.message;
  EXPECT_NE(report.verdict.message.find("about to crash"), std::string::npos)
      << report.verdict.message;
}

TEST(ProgramExecution, AWorkerThatNeverExitsIsAHangKilledWithNothingLeftBehind) {
  const OwnTmpdir tmp;
  Workers run{spec_of("hang", 2)};
  Limits limits;
  limits.hang_timeout = std::chrono::milliseconds(200);
  Topology topology = run.topology();
  {
    Engine engine(topology, nullptr, EngineOptions{.limits = limits});
    ExploreOptions options;
    options.executions = 1;
    options.shrink = false;
    const ExploreReport report = explore(run.factory(), options, engine);
    ASSERT_TRUE(report.failure);
    EXPECT_EQ(report.verdict.bug, BugKind::kHang) << report.verdict.message;
    EXPECT_TRUE(engine.worker_pids().empty());
  }
  EXPECT_EQ(entries_of(tmp.path()), 0) << "a run directory was left in " << tmp.path();
}

TEST(ProgramExecution, ASetupThatFailsLeavesNoRunDirectory) {
  const OwnTmpdir tmp;
  ProgramSpec spec = spec_of("busy-wait", 2);
  spec.setup = "exit 3";
  EXPECT_THROW(ProgramExecution(spec, std::make_shared<Escapes>()), std::runtime_error);
  EXPECT_EQ(entries_of(tmp.path()), 0) << "a run directory was left in " << tmp.path();
}

TEST(ProgramExecution, ANonBlockingAttemptOnAHeldLockReturnsEwouldblock) {
  // Worker 0 holds the lock until worker 1 was refused; worker 1 exits 1 unless its LOCK_NB
  // attempt failed with EWOULDBLOCK.
  Workers run{spec_of("nonblocking", 2)};
  int refused = 0;
  const auto factory = [&] {
    struct Probe : ProgramExecution {
      using ProgramExecution::ProgramExecution;
      int* refused = nullptr;
      Verdict judge(const ExecutionResult& r, std::span<const std::byte> s) override {
        struct stat st;
        *refused += ::stat((working_directory() + "/refused").c_str(), &st) == 0;
        return ProgramExecution::judge(r, s);
      }
    };
    auto p = std::make_unique<Probe>(run.spec, run.escapes);
    p->refused = &refused;
    return p;
  };
  Engine engine(run.topology(), nullptr);
  ExploreOptions options;
  options.executions = 20;
  options.shrink = false;
  const ExploreReport report = explore(factory, options, engine);
  EXPECT_FALSE(report.failure) << report.verdict.message;
  EXPECT_EQ(refused, 20);
}

TEST(ProgramExecution, ClosingAnotherDescriptorOfTheFileDropsAPosixLock) {
  // Worker 0 waits (at yield points) for worker 1 to take the lock it dropped by closing another
  // descriptor: were the lock still held for the scheduler, worker 1 could never run.
  Workers run{spec_of("close-drops", 2)};
  Limits limits;
  limits.max_steps = 2000;
  const ExploreReport report = run.explore("random", 20, limits);
  EXPECT_FALSE(report.failure) << report.verdict.message;
  EXPECT_EQ(report.stats.executions, 20u);
}

TEST(ProgramExecution, AWritableSharedMappingOfADataFileIsReported) {
  Workers run{spec_of("map-shared", 1)};
  const ExploreReport report = run.explore("random", 1);
  EXPECT_FALSE(report.failure) << report.verdict.message;
  const std::vector<std::string> escapes = run.escapes->list();
  ASSERT_EQ(escapes.size(), 1u);
  EXPECT_NE(escapes[0].find("MAP_SHARED"), std::string::npos) << escapes[0];
  EXPECT_NE(escapes[0].find("database.bin"), std::string::npos) << escapes[0];
}

// The check of the counter the `ranges` and `shared` workers increment.
constexpr const char* kCounterCheck =
    "test \"$(cat counter)\" = 2 || { echo \"lost-update: counter is $(cat counter)\"; exit 1; }";

TEST(Issue20, RunReportsAThreadBeyondTheWorkersActorsAsAnEscape) {
  Workers run{spec_of("thread", 1)};
  run.spec.threads = 1;  // the main thread only: the thread it creates is not controlled
  const ExploreReport report = run.explore("pct", 3);
  EXPECT_FALSE(report.failure) << report.verdict.message;
  const std::vector<std::string> escapes = run.escapes->list();
  ASSERT_EQ(escapes.size(), 1u);
  EXPECT_NE(escapes[0].find("beyond the worker's actors"), std::string::npos) << escapes[0];
}

TEST(ProgramThreads, AThreadAWorkerCreatesIsAnActorOfItsOwn) {
  Workers run{spec_of("thread", 1)};
  run.spec.threads = 2;
  const ExploreReport report = run.explore("random", 3);
  EXPECT_FALSE(report.failure) << report.verdict.message;
  EXPECT_TRUE(run.escapes->list().empty()) << run.escapes->list().front();
  EXPECT_EQ(report.stats.executions, 3u);
}

// Two workers of `mode` each increment the counter under a lock the kernel lets both hold at once;
// `strategy`, which runs every ordering of dependent steps, must find the lost update.
void expect_lost_update_found(const char* mode, const char* strategy) {
  Workers run{spec_of(mode, 2)};
  run.spec.check = kCounterCheck;
  const ExploreReport report = run.explore(strategy, 0);
  ASSERT_TRUE(report.failure) << mode << ": exhausted " << report.exhausted;
  EXPECT_EQ(report.verdict.bug, BugKind::kLostUpdate) << report.verdict.message;
}

TEST(Issue20, DisjointFcntlRangesAreHeldAtOnceSoDporFindsTheLostUpdate) {
  expect_lost_update_found("ranges", "dpor");
}

TEST(Issue20, SharedFlocksAreHeldAtOnceSoDfsFindsTheLostUpdate) {
  expect_lost_update_found("shared", "dfs");
}

TEST(Issue20, AChildWhoseExecFailsIsNoCrashOfTheWorkerAndNoEscape) {
  Workers run{spec_of("vfork-fails", 1)};
  const ExploreReport report = run.explore("random", 3);
  EXPECT_FALSE(report.failure) << report.verdict.message;
  EXPECT_EQ(report.stats.executions, 3u);
  const std::vector<std::string> escapes = run.escapes->list();
  EXPECT_TRUE(escapes.empty()) << escapes.front();
}

TEST(LazyStart, StartUpRunsBesideTheOtherWorkersAndTheSameSeedGivesTheSameInputsAndTrace) {
  // Each worker reads the clock and random bytes in its start-up, before its first controlled
  // call, while the other worker may be running: what it read and the schedule are the same in
  // every run of a seed.
  Workers run{spec_of("start-inputs", 2)};
  const ExploreReport first = run.explore("random", 5);
  ASSERT_TRUE(first.failure) << first.verdict.message;
  EXPECT_NE(first.verdict.message.find("random"), std::string::npos) << first.verdict.message;
  for (int again = 0; again < 3; ++again) {
    const ExploreReport next = run.explore("random", 5);
    ASSERT_TRUE(next.failure);
    EXPECT_EQ(next.verdict.message, first.verdict.message);
    EXPECT_EQ(next.failure->result.trace, first.failure->result.trace);
  }
}

TEST(LazyStart, AWorkerThatDiesInItsStartUpIsACrashOfItsOwn) {
  // "crash" dies of SIGSEGV before its first controlled call: not an execution lost.
  Workers run{spec_of("crash", 2)};
  const ExploreReport report = run.explore("random", 3);
  ASSERT_TRUE(report.failure) << (report.environment_error ? *report.environment_error : "pass");
  EXPECT_EQ(report.verdict.bug, BugKind::kCrash);
}

TEST(Issue20, AWorkerThatKillsItselfWithSigkillIsACrash) {
  Workers run{spec_of("self-kill", 1)};
  const ExploreReport report = run.explore("random", 1);
  ASSERT_TRUE(report.failure) << (report.environment_error ? *report.environment_error : "pass");
  EXPECT_EQ(report.verdict.bug, BugKind::kCrash);
  EXPECT_NE(report.verdict.message.find("SIGKILL"), std::string::npos) << report.verdict.message;
}

TEST(Issue20, TheChildrenOfAWorkerEndWithTheExecution) {
  const OwnTmpdir tmp;
  const std::string pids = std::string(tmp.path()) + "-pids-" + std::to_string(::getpid());
  ::setenv("RUN_WORKER_PIDS", pids.c_str(), 1);
  {
    Workers run{spec_of("fork-child", 2)};
    const ExploreReport report = run.explore("random", 3);
    EXPECT_FALSE(report.failure) << report.verdict.message;
  }
  ::unsetenv("RUN_WORKER_PIDS");
  std::ifstream in(pids);
  int checked = 0;
  for (pid_t pid; in >> pid; ++checked) {
    EXPECT_TRUE(::kill(pid, 0) != 0 && errno == ESRCH) << "process " << pid << " outlived its run";
  }
  EXPECT_EQ(checked, 3 * 2 * 3);  // 3 executions x 2 workers x (a setsid child, a child, its own)
  ::unlink(pids.c_str());
}

TEST(Issue20, HistoryLinesLongerThanTheShimsBufferAreKeptWhole) {
  Workers run{spec_of("long-line", 1)};
  const ExploreReport report = run.explore("random", 1);
  EXPECT_FALSE(report.failure) << report.verdict.message;
  EXPECT_FALSE(report.error) << *report.error;
}

TEST(Issue20, AFullDiskUnderAWorkerIsAnErrorOfTheEnvironmentNotACrash) {
  const OwnTmpdir tmp;
  if (::mount("tmpfs", tmp.path(), "tmpfs", 0, "size=64k") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
  }
  Workers run{spec_of("fill-disk", 1)};
  const ExploreReport report = run.explore("random", 2);
  EXPECT_FALSE(report.failure) << report.verdict.message;
  ASSERT_TRUE(report.environment_error);
  EXPECT_NE(report.environment_error->find("ENOSPC"), std::string::npos)
      << *report.environment_error;
  EXPECT_NE(report.environment_error->find("write database.bin"), std::string::npos)
      << *report.environment_error;
}

TEST(HistoryProtocol, LinesAreOrderedByTheirStampedSteps) {
  scenarios::History h;
  ASSERT_EQ(parse_history("3 0 invoke increment counter 1\n9 0 ok 1\n", 0, &h), "");
  ASSERT_EQ(parse_history("5 0 invoke increment counter 1\n7 0 ok 1\n", 1, &h), "");
  order_history(&h);
  ASSERT_EQ(h.ops.size(), 2u);
  EXPECT_LT(h.ops[0].invoked_at, h.ops[1].invoked_at);
  EXPECT_LT(h.ops[1].returned_at, h.ops[0].returned_at);
  scenarios::History bad;
  EXPECT_NE(parse_history("1 0 invoke frobnicate k\n", 0, &bad), "");
  EXPECT_NE(parse_history("1 0 ok\n", 0, &bad), "");
}

TEST(HistoryProtocol, TheThreadsOfAWorkerEachHaveTheirOwnPendingInvocation) {
  scenarios::History h;
  ASSERT_EQ(parse_history("1 0 invoke put a 1\n2 1 invoke put b 2\n3 1 ok\n4 0 ok\n", 8, &h), "");
  ASSERT_EQ(h.ops.size(), 2u);
  EXPECT_EQ(h.ops[0].actor, 8);
  EXPECT_EQ(h.ops[1].actor, 9);
  EXPECT_EQ(h.ops[0].returned_step, 4u);
  EXPECT_EQ(h.ops[1].returned_step, 3u);
}

}  // namespace
}  // namespace interleave::programs
