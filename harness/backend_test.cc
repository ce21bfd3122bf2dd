#include <atomic>
#include <set>
#include <stdexcept>
#include <thread>

#include "gtest/gtest.h"
#include "harness/replay_strategy.h"
#include "harness/seam.h"
#include "harness/strategy.h"
#include "harness/threads_backend.h"

namespace interleave {
namespace {

ExecutionResult run_random(ThreadsBackend& backend, int actors, const ActorBody& body,
                           std::uint64_t seed) {
  auto strategy = make_random_strategy();
  strategy->begin_execution(seed, actors);
  return backend.run(actors, body, *strategy);
}

TEST(ThreadsBackend, OnlyOneActorRunsBetweenYieldPoints) {
  ThreadsBackend backend;
  std::atomic<int> running{0};
  std::atomic<int> most{0};
  auto body = [&](int) {
    for (int i = 0; i < 200; ++i) {
      const int now = running.fetch_add(1) + 1;
      most.store(std::max(most.load(), now));
      std::this_thread::yield();  // give a free-running peer every chance to overlap
      running.fetch_sub(1);
      yield_point("step");
    }
  };
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const ExecutionResult result = run_random(backend, 4, body, seed);
    ASSERT_EQ(result.outcome, Outcome::kCompleted) << result.message;
  }
  EXPECT_EQ(most.load(), 1);
}

TEST(ThreadsBackend, SameSeedGivesSameTraceAndDifferentSeedsDiffer) {
  ThreadsBackend backend;
  auto body = [](int) {
    for (int i = 0; i < 10; ++i) yield_point("tick", Touches{"counter", "c", Access::kWrite});
  };
  const ExecutionResult a = run_random(backend, 3, body, 42);
  const ExecutionResult b = run_random(backend, 3, body, 42);
  const ExecutionResult c = run_random(backend, 3, body, 43);
  EXPECT_EQ(a.trace, b.trace);
  EXPECT_NE(a.trace, c.trace);
  // 3 actors: one "start" step each plus 10 yields each.
  EXPECT_EQ(a.trace.size(), 33u);
}

TEST(ThreadsBackend, TraceNamesTheStepEachActorRanAndWhatItTouches) {
  ThreadsBackend backend;
  ReplayStrategy strategy({0, 1, 0, 1});
  const ExecutionResult result = backend.run(
      2,
      [](int) {
        yield_point("put.write", Touches{"file", "db", Access::kWrite});
      },
      strategy);
  ASSERT_EQ(result.outcome, Outcome::kCompleted) << result.message;
  ASSERT_EQ(result.trace.size(), 4u);
  EXPECT_STREQ(result.trace[0].label, "start");
  EXPECT_STREQ(result.trace[2].label, "put.write");
  EXPECT_EQ(result.trace[2].actor, 0);
  EXPECT_EQ(result.trace[2].object(), "file:db");
  EXPECT_EQ(result.trace[2].access, Access::kWrite);
  EXPECT_EQ(result.handoffs, 3u);
}

TEST(ThreadsBackend, ReplayOfRecordedDecisionsGivesIdenticalTrace) {
  ThreadsBackend backend;
  auto body = [](int actor) {
    for (int i = 0; i < 5 + actor; ++i) yield_point("tick");
  };
  const ExecutionResult original = run_random(backend, 3, body, 7);
  ReplayStrategy replay(original.decisions());
  const ExecutionResult replayed = backend.run(3, body, replay);
  EXPECT_EQ(replayed.outcome, Outcome::kCompleted);
  EXPECT_EQ(replayed.trace, original.trace);
  EXPECT_EQ(replay.remaining(), 0u);
}

TEST(ThreadsBackend, ReplayThatChoosesAFinishedActorDivergesWithItsStep) {
  ThreadsBackend backend;
  ReplayStrategy replay({0, 0, 0, 0});  // actor 0 has only two steps: start and one yield
  const ExecutionResult result = backend.run(
      2, [](int) { yield_point("tick"); }, replay);
  EXPECT_EQ(result.outcome, Outcome::kDiverged);
  EXPECT_EQ(result.message, "diverged at step 2: the schedule chose actor 0, but runnable are {1}");
}

TEST(ThreadsBackend, ActorThreadsAreReusedAcrossExecutions) {
  ThreadsBackend backend;
  std::set<std::thread::id> seen;
  auto body = [&](int) { seen.insert(std::this_thread::get_id()); };
  for (std::uint64_t seed = 0; seed < 20; ++seed) run_random(backend, 2, body, seed);
  EXPECT_EQ(seen.size(), 2u);
}

TEST(ThreadsBackend, MutexExcludesAndBlockingIsVisibleToTheScheduler) {
  ThreadsBackend backend;
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    Mutex mu("mu");
    int counter = 0;
    auto body = [&](int) {
      for (int i = 0; i < 3; ++i) {
        std::lock_guard lock(mu);
        const int seen = counter;
        yield_point("between");
        counter = seen + 1;
      }
    };
    const ExecutionResult result = run_random(backend, 3, body, seed);
    ASSERT_EQ(result.outcome, Outcome::kCompleted) << result.message;
    ASSERT_EQ(counter, 9) << "seed " << seed;
  }
}

TEST(ThreadsBackend, LockOrderInversionIsReportedAsDeadlock) {
  ThreadsBackend backend;
  bool found = false;
  for (std::uint64_t seed = 0; seed < 100 && !found; ++seed) {
    Mutex a("a");
    Mutex b("b");
    auto body = [&](int actor) {
      Mutex& first = actor == 0 ? a : b;
      Mutex& second = actor == 0 ? b : a;
      std::lock_guard l1(first);
      std::lock_guard l2(second);
    };
    const ExecutionResult result = run_random(backend, 2, body, seed);
    if (result.outcome == Outcome::kDeadlock) {
      found = true;
      EXPECT_NE(result.message.find("actor 0 waits for lock:b held by actor 1"), std::string::npos)
          << result.message;
    }
  }
  EXPECT_TRUE(found);
  // The backend is still usable after unwinding the deadlocked actors.
  const ExecutionResult after = run_random(
      backend, 2, [](int) { yield_point("x"); }, 1);
  EXPECT_EQ(after.outcome, Outcome::kCompleted);
}

TEST(ThreadsBackend, StepLimitStopsALivelockWithADiagnostic) {
  ThreadsBackend backend(Limits{.max_steps = 1000});
  const ExecutionResult result = run_random(
      backend, 2,
      [](int) {
        for (;;) yield_point("spin.retry");
      },
      3);
  EXPECT_EQ(result.outcome, Outcome::kStepLimit);
  EXPECT_NE(result.message.find("step limit of 1000"), std::string::npos) << result.message;
  EXPECT_NE(result.message.find("spin.retry"), std::string::npos) << result.message;
  EXPECT_EQ(result.trace.size(), 1000u);
}

TEST(ThreadsBackend, ExceptionInAnActorIsACrashAndOthersAreUnwound) {
  ThreadsBackend backend;
  int destroyed = 0;
  struct Guard {
    int* counter;
    ~Guard() { ++*counter; }
  };
  ReplayStrategy strategy({1, 0, 0});  // actor 1 parks at its yield, actor 0 throws
  const ExecutionResult result = backend.run(
      2,
      [&](int actor) {
        Guard guard{&destroyed};
        if (actor == 1) yield_point("wait");
        yield_point("before-throw");
        if (actor == 0) throw std::runtime_error("boom");
      },
      strategy);
  EXPECT_EQ(result.outcome, Outcome::kCrash);
  EXPECT_NE(result.message.find("actor 0 threw"), std::string::npos) << result.message;
  EXPECT_NE(result.message.find("boom"), std::string::npos) << result.message;
  EXPECT_EQ(destroyed, 2);
}

TEST(ThreadsBackend, UncontrolledCodeSeesNoController) {
  EXPECT_FALSE(controlled());
  yield_point("no-op");  // does nothing without a scheduler
  Mutex mu("mu");
  mu.lock();
  mu.unlock();
}

}  // namespace
}  // namespace interleave

namespace interleave {
namespace {

TEST(ThreadsBackend, ActorThatNeverYieldsIsAHangNamingItsLastLabel) {
  std::atomic<bool> release{false};
  auto backend =
      std::make_unique<ThreadsBackend>(Limits{.hang_timeout = std::chrono::milliseconds(200)});
  ReplayStrategy strategy({0, 0});
  const ExecutionResult result = backend->run(
      1,
      [&](int) {
        yield_point("spin.enter");
        while (!release.load()) {
        }  // an uncontrolled spin: the watchdog must notice
        yield_point("never.reached");
      },
      strategy);
  EXPECT_EQ(result.outcome, Outcome::kHang);
  EXPECT_NE(result.message.find("no yield point for 0.2 s in actor 0 after spin.enter"),
            std::string::npos)
      << result.message;
  EXPECT_FALSE(backend->usable());
  // Let the stuck thread go: it parks at its next yield point instead of touching the backend.
  release = true;
  backend.reset();
}

}  // namespace
}  // namespace interleave
