#include "harness/backends/engine.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <thread>

#include "gtest/gtest.h"
#include "harness/seam.h"
#include "harness/strategies/replay.h"
#include "harness/strategies/strategy.h"
#include "harness/testutil.h"

namespace interleave {
namespace {

using testing::counter;
using testing::instances_of;

ExecutionResult run_with(Engine& engine, Strategy& strategy, std::uint64_t seed = 0) {
  auto program = testing::program_of(engine.topology())();
  strategy.begin(seed, engine.topology().actors());
  return engine.run(*program, strategy);
}

ExecutionResult run_random(Engine& engine, std::uint64_t seed) {
  auto strategy = make_random_strategy();
  return run_with(engine, *strategy, seed);
}

bool process_exists(pid_t pid) { return ::kill(pid, 0) == 0 || errno != ESRCH; }

TEST(Engine, OnlyOneActorRunsBetweenYieldPoints) {
  std::atomic<int> running{0};
  std::atomic<int> most{0};
  Engine engine(testing::threads(4), instances_of([&](int, std::span<std::byte>) {
                  for (int i = 0; i < 200; ++i) {
                    const int now = running.fetch_add(1) + 1;
                    most.store(std::max(most.load(), now));
                    // Give a free-running peer every chance to overlap (the system call itself:
                    // sched_yield() of an actor is a decision point).
                    ::syscall(SYS_sched_yield);
                    running.fetch_sub(1);
                    yield_point("step");
                  }
                }));
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const ExecutionResult result = run_random(engine, seed);
    ASSERT_EQ(result.outcome, Outcome::kCompleted) << result.message;
  }
  EXPECT_EQ(most.load(), 1);
}

TEST(Engine, SameSeedGivesSameTraceAndDifferentSeedsDiffer) {
  Engine engine(testing::threads(3), instances_of([](int, std::span<std::byte>) {
                  for (int i = 0; i < 10; ++i) {
                    yield_point("tick", Touches::memory("counter", "c", Access::kWrite));
                  }
                }));
  const ExecutionResult a = run_random(engine, 42);
  const ExecutionResult b = run_random(engine, 42);
  const ExecutionResult c = run_random(engine, 43);
  EXPECT_EQ(a.trace, b.trace);
  EXPECT_NE(a.trace, c.trace);
  EXPECT_EQ(a.trace.size(), 33u);  // per actor: one "start" step and 10 yields
}

TEST(Engine, TraceNamesTheStepEachActorRanAndWhatItTouches) {
  Engine engine(testing::threads(2), instances_of([](int, std::span<std::byte>) {
                  yield_point("put.write", Touches::file("db", Access::kWrite));
                }));
  ReplayStrategy strategy({0, 1, 0, 1});
  const ExecutionResult result = run_with(engine, strategy);
  ASSERT_EQ(result.outcome, Outcome::kCompleted) << result.message;
  ASSERT_EQ(result.trace.size(), 4u);
  EXPECT_STREQ(result.trace[0].label, "start");
  EXPECT_STREQ(result.trace[2].label, "put.write");
  EXPECT_EQ(result.trace[2].actor, 0);
  EXPECT_EQ(result.trace[2].object_text(), "file:db");
  EXPECT_EQ(result.trace[2].object.access, Access::kWrite);
  EXPECT_EQ(result.handoffs, 3u);
}

TEST(Engine, ReplayOfRecordedDecisionsGivesIdenticalTrace) {
  Engine engine(testing::threads(3), instances_of([](int actor, std::span<std::byte>) {
                  for (int i = 0; i < 5 + actor; ++i) yield_point("tick");
                }));
  const ExecutionResult original = run_random(engine, 7);
  ReplayStrategy replay(original.decisions());
  const ExecutionResult replayed = run_with(engine, replay);
  EXPECT_EQ(replayed.outcome, Outcome::kCompleted);
  EXPECT_EQ(replayed.trace, original.trace);
  EXPECT_EQ(replay.size(), replayed.trace.size());
}

TEST(Engine, ReplayThatChoosesAFinishedActorDivergesWithItsStep) {
  Engine engine(testing::threads(2),
                instances_of([](int, std::span<std::byte>) { yield_point("tick"); }));
  ReplayStrategy replay({0, 0, 0, 0});  // actor 0 has only two steps: start and one yield
  const ExecutionResult result = run_with(engine, replay);
  EXPECT_EQ(result.outcome, Outcome::kDiverged);
  EXPECT_EQ(result.message, "diverged at step 2: the schedule chose actor 0, but runnable are {1}");
}

TEST(Engine, ActorThreadsAreReusedAcrossExecutions) {
  std::set<std::thread::id> seen;
  Engine engine(testing::threads(2), instances_of([&](int, std::span<std::byte>) {
                  seen.insert(std::this_thread::get_id());
                }));
  for (std::uint64_t seed = 0; seed < 20; ++seed) run_random(engine, seed);
  EXPECT_EQ(seen.size(), 2u);
}

TEST(Engine, MutexExcludesAndBlockingIsVisibleToTheScheduler) {
  Mutex mu("mu");
  int value = 0;
  Engine engine(testing::threads(3), instances_of([&](int, std::span<std::byte>) {
                  for (int i = 0; i < 3; ++i) {
                    std::lock_guard lock(mu);
                    const int seen = value;
                    yield_point("between");
                    value = seen + 1;
                  }
                }));
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    value = 0;
    const ExecutionResult result = run_random(engine, seed);
    ASSERT_EQ(result.outcome, Outcome::kCompleted) << result.message;
    ASSERT_EQ(value, 9) << "seed " << seed;
    // An actor waiting for the held Mutex is not enabled, so every "lock" step takes it (three per
    // actor, none while another actor holds it), and while it is held no actor that has started
    // and still has a lock to take is runnable.
    int holder = kNoActor;
    std::array<int, 3> locks{};
    std::uint64_t started = 0;
    for (const Step& step : result.trace) {
      std::uint64_t waiting = 0;
      for (int a = 0; a < 3; ++a) {
        if ((started >> a & 1) != 0 && a != holder && locks[a] < 3) waiting |= 1u << a;
      }
      if (holder != kNoActor) {
        ASSERT_EQ(step.runnable & waiting, 0u) << "seed " << seed;
      }
      started |= std::uint64_t{1} << step.actor;
      if (std::string_view(step.label) == "lock") {
        ASSERT_EQ(holder, kNoActor) << "seed " << seed;
        holder = step.actor;
        ++locks[step.actor];
      } else if (std::string_view(step.label) == "unlock") {
        holder = kNoActor;
      }
    }
    EXPECT_EQ(locks, (std::array<int, 3>{3, 3, 3})) << "seed " << seed;
  }
}

TEST(Engine, LockOrderInversionIsReportedAsDeadlockAndTheEngineRecovers) {
  Mutex a("a");
  Mutex b("b");
  Engine engine(testing::threads(2), instances_of([&](int actor, std::span<std::byte>) {
                  std::lock_guard l1(actor == 0 ? a : b);
                  std::lock_guard l2(actor == 0 ? b : a);
                }));
  bool found = false;
  for (std::uint64_t seed = 0; seed < 100 && !found; ++seed) {
    const ExecutionResult result = run_random(engine, seed);
    if (result.outcome != Outcome::kDeadlock) continue;
    found = true;
    EXPECT_NE(result.message.find("actor 0 waits for lock:b held by actor 1"), std::string::npos)
        << result.message;
    EXPECT_EQ(a.controlled_owner, Mutex::kNoOwner);  // unwinding released both locks
    EXPECT_EQ(b.controlled_owner, Mutex::kNoOwner);
  }
  EXPECT_TRUE(found);
}

TEST(Engine, StepLimitStopsALivelockWithADiagnostic) {
  Engine engine(testing::threads(2), instances_of([](int, std::span<std::byte>) {
                  for (;;) yield_point("spin.retry");
                }),
                EngineOptions{.limits = {.max_steps = 1000}});
  const ExecutionResult result = run_random(engine, 3);
  EXPECT_EQ(result.outcome, Outcome::kStepLimit);
  EXPECT_NE(result.message.find("step limit of 1000"), std::string::npos) << result.message;
  EXPECT_NE(result.message.find("spin.retry"), std::string::npos) << result.message;
  EXPECT_EQ(result.trace.size(), 1000u);
}

TEST(Engine, ExceptionInAnActorIsACrashAndOthersAreUnwound) {
  std::atomic<int> destroyed{0};
  struct Guard {
    std::atomic<int>* counter;
    ~Guard() { ++*counter; }
  };
  Engine engine(testing::threads(2), instances_of([&](int actor, std::span<std::byte>) {
                  Guard guard{&destroyed};
                  if (actor == 1) yield_point("wait");
                  yield_point("before-throw");
                  if (actor == 0) throw std::runtime_error("boom");
                }));
  ReplayStrategy strategy({1, 0, 0});  // actor 1 parks at its yield, actor 0 throws
  const ExecutionResult result = run_with(engine, strategy);
  EXPECT_EQ(result.outcome, Outcome::kCrash);
  EXPECT_NE(result.message.find("actor 0 threw"), std::string::npos) << result.message;
  EXPECT_NE(result.message.find("boom"), std::string::npos) << result.message;
  EXPECT_EQ(destroyed.load(), 2);
}

TEST(Engine, InProcessActorThatNeverYieldsIsAHangNamingItsLastLabel) {
  std::atomic<bool> release{false};
  auto engine = std::make_unique<Engine>(
      testing::threads(1), instances_of([&](int, std::span<std::byte>) {
        yield_point("spin.enter");
        while (!release.load()) {
        }  // an uncontrolled spin: the scheduler's watchdog must notice
        yield_point("never.reached");
      }),
      EngineOptions{.limits = {.hang_timeout = std::chrono::milliseconds(200)}});
  const ExecutionResult result = run_random(*engine, 0);
  EXPECT_EQ(result.outcome, Outcome::kHang);
  EXPECT_NE(result.message.find("no yield point for 0.2 s in actor 0 after spin.enter"),
            std::string::npos)
      << result.message;
  EXPECT_FALSE(engine->usable());
  release = true;  // the thread then waits for a grant that never comes
  engine.reset();  // leaks the stuck thread's state instead of joining it
}

TEST(Engine, UncontrolledCodeSeesNoController) {
  EXPECT_FALSE(controlled());
  yield_point("no-op");
  Mutex mu("mu");
  mu.lock();
  mu.unlock();
}

// --- processes and mixed -------------------------------------------------------------------------

// Every actor increments the shared counter once, reading and writing in two steps.
void racy_increment(int, std::span<std::byte> scratch) {
  yield_point("read", Touches::memory("counter", "", Access::kRead));
  const std::uint64_t seen = counter(scratch);
  yield_point("write", Touches::memory("counter", "", Access::kWrite));
  counter(scratch) = seen + 1;
}

TEST(Engine, ProcessesShareOnlyTheScratchAndFindTheLostUpdateReproducibly) {
  Engine engine(testing::processes(2), instances_of(racy_increment));
  int lost = 0;
  std::optional<ExecutionResult> failing;
  for (std::uint64_t seed = 0; seed < 30; ++seed) {
    auto program = testing::program_of(engine.topology())();
    auto strategy = make_random_strategy();
    strategy->begin(seed, 2);
    ExecutionResult result = engine.run(*program, *strategy);
    ASSERT_EQ(result.outcome, Outcome::kCompleted) << result.message;
    if (counter(engine.scratch()) != 2) {
      ++lost;
      if (!failing) failing = std::move(result);
    }
  }
  ASSERT_GT(lost, 0);
  for (int round = 0; round < 2; ++round) {
    ReplayStrategy replay(failing->decisions());
    const ExecutionResult again = run_with(engine, replay);
    EXPECT_EQ(again.trace, failing->trace);
    EXPECT_EQ(counter(engine.scratch()), 1u);
  }
}

TEST(Engine, WorkerThatSegfaultsIsACrashWithTheSignalAndIsReplaced) {
  // Actor 1 crashes while the marker file exists (a file: the worker processes see it too).
  char marker[] = "/tmp/interleave-crash-XXXXXX";
  ::close(::mkstemp(marker));
  Engine engine(testing::processes(2), instances_of([&](int actor, std::span<std::byte>) {
                  yield_point("before");
                  if (actor == 1 && ::access(marker, F_OK) == 0) std::raise(SIGSEGV);
                  yield_point("after");
                }));
  const std::vector<pid_t> before_pids = [&] {
    ReplayStrategy warmup({0, 0, 0});  // start workers; actor 1 never runs
    run_with(engine, warmup);
    return engine.worker_pids();
  }();
  ReplayStrategy strategy({1, 1, 0, 0, 0});
  const ExecutionResult result = run_with(engine, strategy);
  EXPECT_EQ(result.outcome, Outcome::kCrash);
  EXPECT_NE(result.message.find("actor 1 (worker process 1) was killed by SIGSEGV"),
            std::string::npos)
      << result.message;
  EXPECT_NE(result.message.find("after before"), std::string::npos) << result.message;
  ::unlink(marker);
  // The next execution runs on a fresh worker 1; worker 0 is the same process.
  const ExecutionResult next = run_random(engine, 1);
  EXPECT_EQ(next.outcome, Outcome::kCompleted) << next.message;
  const std::vector<pid_t> after_pids = engine.worker_pids();
  ASSERT_EQ(after_pids.size(), 2u);
  EXPECT_EQ(after_pids[0], before_pids[0]);
  EXPECT_NE(after_pids[1], before_pids[1]);
  EXPECT_FALSE(process_exists(before_pids[1]));
}

TEST(Engine, WorkerThatSpinsIsKilledAsAHangAndExplorationGoesOn) {
  Engine engine(testing::processes(2), instances_of([](int actor, std::span<std::byte>) {
                  yield_point("spin.enter");
                  if (actor == 0) {
                    [[maybe_unused]] static volatile int sink;
                    for (;;) sink = 1;  // observable, so the optimizer keeps the loop
                  }
                }),
                EngineOptions{.limits = {.hang_timeout = std::chrono::milliseconds(200)}});
  ReplayStrategy strategy({0, 0});
  const ExecutionResult result = run_with(engine, strategy);
  EXPECT_EQ(result.outcome, Outcome::kHang);
  EXPECT_NE(result.message.find("actor 0 after spin.enter"), std::string::npos) << result.message;
  EXPECT_TRUE(engine.usable());
  ReplayStrategy other({1, 1, 1});  // actor 1 alone finishes; actor 0 is never granted
  const ExecutionResult next = run_with(engine, other);
  EXPECT_EQ(next.outcome, Outcome::kDiverged) << next.message;  // actor 0 still runnable at the end
}

TEST(Engine, MixedModeMutexExcludesThreadsOfAProcessButNotOtherProcesses) {
  // 2 processes x 2 threads; each process's actors increment under that process's own Mutex.
  Mutex mu("mu");
  Engine engine(testing::mixed(2, 2), instances_of([&](int actor, std::span<std::byte> scratch) {
                  std::lock_guard lock(mu);
                  racy_increment(actor, scratch);
                }));
  bool lost = false;
  for (std::uint64_t seed = 0; seed < 50 && !lost; ++seed) {
    const ExecutionResult result = run_random(engine, seed);
    ASSERT_EQ(result.outcome, Outcome::kCompleted) << result.message;
    lost = counter(engine.scratch()) != 4;
  }
  EXPECT_TRUE(lost) << "a per-process mutex cannot exclude the other process";
}

TEST(Engine, FileLockExcludesProcessesAndBlockingIsVisible) {
  char path[] = "/tmp/interleave-flock-XXXXXX";
  const int tmp = ::mkstemp(path);
  ASSERT_GE(tmp, 0);
  ::close(tmp);
  Engine engine(testing::processes(3), instances_of([&](int actor, std::span<std::byte> scratch) {
                  const int fd = ::open(path, O_RDWR | O_CLOEXEC);
                  {
                    FileLock lock(fd, "counter.file");
                    std::lock_guard guard(lock);
                    racy_increment(actor, scratch);
                  }
                  ::close(fd);
                }));
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    const ExecutionResult result = run_random(engine, seed);
    ASSERT_EQ(result.outcome, Outcome::kCompleted) << result.message;
    ASSERT_EQ(counter(engine.scratch()), 3u) << "seed " << seed;
    // A process waiting for the flock another process holds is not scheduled: every "flock" step
    // takes the lock, one per actor.
    int acquisitions = 0;
    for (const Step& step : result.trace) {
      if (std::string_view(step.label) != "flock") continue;
      ++acquisitions;
      EXPECT_EQ(step.object.access, Access::kWrite) << "seed " << seed;
    }
    EXPECT_EQ(acquisitions, 3) << "seed " << seed;
  }
  ::unlink(path);
}

TEST(Engine, ThreadsSharingADescriptorTakeItsFileLockTogether) {
  char path[] = "/tmp/interleave-flock-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  FileLock lock(fd, "shared.file");
  int inside = 0;
  int most_inside = 0;
  Engine engine(testing::threads(2), instances_of([&](int, std::span<std::byte>) {
                  std::lock_guard guard(lock);
                  ++inside;
                  most_inside = std::max(most_inside, inside);
                  yield_point("inside");
                  --inside;
                }));
  int overlapping = 0;
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    most_inside = 0;
    const ExecutionResult result = run_random(engine, seed);
    ASSERT_EQ(result.outcome, Outcome::kCompleted) << result.message;
    overlapping += most_inside == 2;
  }
  // flock(2) locks an open file description: a sibling thread is not excluded, so the scheduler
  // must let it in (some of 40 random schedules put both inside; none may deadlock).
  EXPECT_GT(overlapping, 0);
  ::close(fd);
  ::unlink(path);
}

TEST(Engine, DestroyingTheEngineLeavesNoWorkerProcess) {
  std::vector<pid_t> pids;
  {
    Engine engine(testing::mixed(2, 2), instances_of(racy_increment));
    run_random(engine, 1);
    pids = engine.worker_pids();
    ASSERT_EQ(pids.size(), 2u);
  }
  for (pid_t pid : pids) EXPECT_FALSE(process_exists(pid)) << pid;
}

}  // namespace
}  // namespace interleave
