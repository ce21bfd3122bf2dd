// The C library's locks of in-process actors (std::mutex, std::shared_mutex,
// std::condition_variable) as scheduler decisions: store code that never heard of the seam's Mutex
// is explored as it is.
#include <condition_variable>
#include <mutex>
#include <shared_mutex>

#include "gtest/gtest.h"
#include "harness/explore/explore.h"
#include "harness/seam.h"
#include "harness/testutil.h"

namespace interleave {
namespace {

using testing::counter;

// A process's state as a store keeps it: members, built afresh for every execution.
struct Shared {
  std::mutex mu;
  std::mutex other;
  std::shared_mutex rw;
  std::condition_variable cv;
  bool ready = false;
};

class SharedInstance final : public ProcessInstance {
 public:
  using Body = std::function<void(Shared&, int actor, std::span<std::byte> scratch)>;
  SharedInstance(Body body, std::span<std::byte> scratch)
      : body_(std::move(body)), scratch_(scratch) {}
  void body(int actor) override { body_(shared_, actor, scratch_); }

 private:
  Shared shared_;
  Body body_;
  std::span<std::byte> scratch_;
};

InstanceFactory instances_of(SharedInstance::Body body) {
  return [body](std::string_view, int, std::span<std::byte> scratch) {
    return std::make_unique<SharedInstance>(body, scratch);
  };
}

// Read, then write the counter: the read-modify-write the lock (if any) must make atomic.
void increment(std::span<std::byte> scratch) {
  yield_point("read", Touches::memory("counter", "", Access::kRead));
  const std::uint64_t seen = counter(scratch);
  yield_point("write", Touches::memory("counter", "", Access::kWrite));
  counter(scratch) = seen + 1;
}

Verdict counted(const ExecutionResult&, std::span<const std::byte> scratch, std::uint64_t want) {
  const std::uint64_t value = counter(scratch);
  return value == want ? Verdict::pass()
                       : Verdict::fail(BugKind::kLostUpdate, "counter is " + std::to_string(value));
}

ProgramFactory counts(const Topology& topology, std::uint64_t want) {
  return testing::program_of(topology, [want](const ExecutionResult& r, auto scratch) {
    return counted(r, scratch, want);
  });
}

bool has_label(const ExecutionResult& result, std::string_view label) {
  for (const Step& step : result.trace) {
    if (std::string_view(step.label) == label) return true;
  }
  return false;
}

TEST(StdSync, AStdMutexIsCleanUnderDporAndItsUnlockedTwinLosesTheUpdate) {
  // On threads, and on fibers of one thread (whose actors share the thread's mutexes: an attempt
  // on one another fiber holds fails as it would between threads).
  for (const Topology& topology : {Topology::threads(2), Topology::fibers(2, false)}) {
    const char* backend = topology.groups[0].kind == ActorKind::kFiber ? "fibers" : "threads";
    Engine locked(topology, instances_of([](Shared& s, int, auto scratch) {
                    for (int i = 0; i < 2; ++i) {
                      std::lock_guard hold(s.mu);
                      increment(scratch);
                    }
                  }));
    const ExploreReport clean =
        explore(counts(topology, 4), {.strategy = "dpor", .executions = 0}, locked);
    EXPECT_TRUE(clean.verdict.passed()) << backend << ": " << clean.verdict.message;
    EXPECT_TRUE(clean.exhausted) << backend;
    EXPECT_GT(clean.stats.executions, 1u) << backend;

    Engine unlocked(topology, instances_of([](Shared&, int, auto scratch) {
                      for (int i = 0; i < 2; ++i) increment(scratch);
                    }));
    const ExploreReport found =
        explore(counts(topology, 4), {.strategy = "dpor", .executions = 0}, unlocked);
    ASSERT_TRUE(found.failure.has_value()) << backend;
    EXPECT_EQ(found.verdict.bug, BugKind::kLostUpdate) << backend;
  }
}

TEST(StdSync, EachEngineKeepsItsOwnObjectsSoEnginesRunSideBySide) {
  // Two engines of one process explore together (--jobs 2): each names and tracks the locks of
  // its own actors (under ThreadSanitizer a table shared between them would race).
  const InstanceFactory locked = instances_of([](Shared& s, int, auto scratch) {
    for (int i = 0; i < 2; ++i) {
      std::lock_guard hold(s.mu);
      increment(scratch);
    }
  });
  Engine first(testing::threads(2), locked);
  Engine second(testing::threads(2), locked);
  std::vector<Engine*> engines{&first, &second};
  const ExploreReport clean =
      explore(counts(first.topology(), 4), {.strategy = "random", .executions = 200}, engines);
  EXPECT_TRUE(clean.verdict.passed()) << clean.verdict.message;
  EXPECT_EQ(clean.stats.executions, 200u);
}

TEST(StdSync, TheLockIsNamedByItsFirstUseAndAFailureReplaysToTheSameTrace) {
  // The lock is held across the read only: the write is outside it, so updates are lost.
  Engine engine(testing::threads(2), instances_of([](Shared& s, int, auto scratch) {
                  std::uint64_t seen;
                  {
                    std::lock_guard hold(s.mu);
                    yield_point("read", Touches::memory("counter", "", Access::kRead));
                    seen = counter(scratch);
                  }
                  yield_point("write", Touches::memory("counter", "", Access::kWrite));
                  counter(scratch) = seen + 1;
                }));
  const ProgramFactory program = counts(engine.topology(), 2);
  const ExploreReport found = explore(program, {.strategy = "random", .seed = 4}, engine);
  ASSERT_TRUE(found.failure.has_value());
  EXPECT_TRUE(has_label(found.failure->result, "mutex#1 lock"));
  const ExploreReport again = replay(program, found.failure->result.decisions(), engine);
  ASSERT_TRUE(again.failure.has_value());
  EXPECT_EQ(again.failure->result.trace, found.failure->result.trace);
}

// Actor 0 produces: sets the flag under the lock (a declared write of it) and signals. Actor 1
// consumes, waiting with the flag checked under the lock (`lost_wakeup`: checked before taking the
// lock, so the signal can come between the check and the wait, and the consumer waits for good).
SharedInstance::Body handoff(bool lost_wakeup) {
  return [lost_wakeup](Shared& s, int actor, std::span<std::byte> scratch) {
    if (actor == 0) {
      {
        std::lock_guard hold(s.mu);
        yield_point("set", Touches::memory("flag", "", Access::kWrite));
        s.ready = true;
        counter(scratch) = 1;
      }
      s.cv.notify_one();
      return;
    }
    if (lost_wakeup) {
      yield_point("check", Touches::memory("flag", "", Access::kRead));
      if (!s.ready) {
        std::unique_lock hold(s.mu);
        s.cv.wait(hold);
      }
    } else {
      std::unique_lock hold(s.mu);
      s.cv.wait(hold, [&] { return s.ready; });
    }
    counter(scratch) += 1;
  };
}

TEST(StdSync, AConditionVariableWaitsForItsSignalAndALostWakeupIsADeadlock) {
  Engine right(testing::threads(2), instances_of(handoff(false)));
  const ExploreReport clean =
      explore(counts(right.topology(), 2), {.strategy = "dpor", .executions = 0}, right);
  EXPECT_TRUE(clean.verdict.passed()) << clean.verdict.message;
  EXPECT_TRUE(clean.exhausted);

  Engine lost(testing::threads(2), instances_of(handoff(true)));
  const ExploreReport found =
      explore(counts(lost.topology(), 2), {.strategy = "dpor", .executions = 0}, lost);
  ASSERT_TRUE(found.failure.has_value());
  EXPECT_EQ(found.verdict.bug, BugKind::kDeadlock) << found.verdict.message;
}

TEST(StdSync, ALockOrderInversionIsADeadlockAndTheWaitersAreStoppedCleanly) {
  // Actor 0 takes mu then other, actor 1 other then mu. The stopped execution leaves each waiting
  // in pthread_mutex_lock, which C++ declares noexcept: they go on to their next yield point and
  // unwind there, and the engine runs the next execution as usual.
  Engine engine(testing::threads(2), instances_of([](Shared& s, int actor, auto scratch) {
                  std::mutex& first = actor == 0 ? s.mu : s.other;
                  std::mutex& second = actor == 0 ? s.other : s.mu;
                  std::lock_guard a(first);
                  yield_point("between");
                  std::lock_guard b(second);
                  increment(scratch);
                }));
  const ExploreReport found =
      explore(counts(engine.topology(), 2), {.strategy = "dpor", .executions = 0}, engine);
  ASSERT_TRUE(found.failure.has_value());
  EXPECT_EQ(found.verdict.bug, BugKind::kDeadlock) << found.verdict.message;
  const ExploreReport again =
      explore(counts(engine.topology(), 2), {.strategy = "random", .executions = 50}, engine);
  ASSERT_TRUE(again.failure.has_value());
  EXPECT_EQ(again.verdict.bug, BugKind::kDeadlock) << again.verdict.message;
}

// Actors 0 and 1 write under the exclusive lock, in two halves; actor 2 reads under the shared one
// (`reader_locks`) or with no lock, and throws when it sees a write half done (an odd counter).
SharedInstance::Body halves(bool reader_locks) {
  return [reader_locks](Shared& s, int actor, std::span<std::byte> scratch) {
    if (actor < 2) {
      std::unique_lock hold(s.rw);
      counter(scratch) += 1;
      yield_point("half", Touches::memory("counter", "", Access::kWrite));
      counter(scratch) += 1;
      return;
    }
    std::shared_lock hold(s.rw, std::defer_lock);
    if (reader_locks) hold.lock();
    yield_point("look", Touches::memory("counter", "", Access::kRead));
    if (counter(scratch) % 2 != 0) throw std::runtime_error("torn");
  };
}

TEST(StdSync, ASharedMutexLetsReadersTogetherAndKeepsTheWriterAlone) {
  Engine engine(testing::threads(3), instances_of(halves(true)));
  const ExploreReport clean =
      explore(counts(engine.topology(), 4), {.strategy = "dpor", .executions = 0}, engine);
  EXPECT_TRUE(clean.verdict.passed()) << clean.verdict.message;
  EXPECT_TRUE(clean.exhausted);

  // Its twin whose reader takes no lock sees a write half done.
  Engine twin(testing::threads(3), instances_of(halves(false)));
  const ExploreReport found =
      explore(counts(twin.topology(), 4), {.strategy = "dpor", .executions = 0}, twin);
  ASSERT_TRUE(found.failure.has_value());
  EXPECT_NE(found.verdict.message.find("torn"), std::string::npos) << found.verdict.message;
}

TEST(StdSync, AStdMutexOfEachWorkerProcessIsControlledToo) {
  // 2 processes x 2 threads: the lock of one process does not exclude the other's threads, so the
  // counter in shared memory loses updates across processes (and only across them).
  Engine engine(testing::mixed(2, 2), instances_of([](Shared& s, int, auto scratch) {
                  std::lock_guard hold(s.mu);
                  increment(scratch);
                }));
  const ExploreReport found =
      explore(counts(engine.topology(), 4), {.strategy = "random", .seed = 2}, engine);
  ASSERT_TRUE(found.failure.has_value());
  EXPECT_EQ(found.verdict.bug, BugKind::kLostUpdate);
  EXPECT_TRUE(has_label(found.failure->result, "mutex#1 lock"));
}

}  // namespace
}  // namespace interleave
