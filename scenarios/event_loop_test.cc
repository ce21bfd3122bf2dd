// The event-loop deployment: handlers switch only at await points.
#include "gtest/gtest.h"
#include "harness/backends/engine.h"
#include "harness/explore/explore.h"
#include "scenarios/program.h"
#include "scenarios/registry.h"

namespace interleave::scenarios {
namespace {

Target on_the_loop(const Scenario& s, store::Variant v, int actors = 2, int ops = 2) {
  return Target{&s, v, Mode::kEventLoop, Sizes{actors, ops, 1}};
}

ExploreReport run(const Target& t, ExploreOptions options) {
  Engine engine(t.topology(), scenario_instances());
  return explore(factory_for(t), options, engine);
}

// A read-modify-write split by an await loses updates, though no two handlers ever run at once.
TEST(EventLoop, AnIncrementThatAwaitsBetweenItsReadAndItsWriteLosesUpdates) {
  const ExploreReport r = run(on_the_loop(lost_update_scenario(), store::Variant::kAsync), {});
  ASSERT_TRUE(r.failure.has_value());
  EXPECT_EQ(r.verdict.bug, BugKind::kLostUpdate);
}

// Code without an await is atomic for free: the unlocked store never awaits, so on the event loop
// DPOR finds every schedule clean (there is nothing but the order of whole operations).
TEST(EventLoop, AStoreThatNeverAwaitsIsCleanUnderDporToExhaustion) {
  const ExploreReport r = run(on_the_loop(lost_update_scenario(), store::Variant::kUnlocked, 3, 2),
                              {.strategy = "dpor", .executions = 0});
  EXPECT_TRUE(r.exhausted);
  EXPECT_TRUE(r.verdict.passed()) << r.verdict.message;
}

// The fix with an async lock is clean under DPOR to exhaustion at 3 actors x 2 operations, in every
// scenario.
TEST(EventLoop, TheAsyncLockIsCleanUnderDporToExhaustionAtThreeActorsByTwoOps) {
  for (const Scenario* s : all_scenarios()) {
    if (s->test_only()) continue;
    const ExploreReport r = run(on_the_loop(*s, store::Variant::kAsyncLock, 3, 2),
                                {.strategy = "dpor", .executions = 0});
    EXPECT_TRUE(r.exhausted) << s->name();
    EXPECT_TRUE(r.verdict.passed()) << s->name() << ": " << r.verdict.message;
  }
}

// A thread lock held across an await blocks the whole loop when a second handler takes it: the
// verdict says so and names the call.
TEST(EventLoop, AThreadLockHeldAcrossAnAwaitBlocksTheLoop) {
  const ExploreReport r = run(on_the_loop(lost_update_scenario(), store::Variant::kAsyncMutex), {});
  ASSERT_TRUE(r.failure.has_value());
  EXPECT_EQ(r.verdict.bug, BugKind::kBlockedLoop);
  EXPECT_NE(r.verdict.message.find("the event loop is blocked: actor"), std::string::npos)
      << r.verdict.message;
  EXPECT_NE(r.verdict.message.find("interleave::Mutex store.mu ("), std::string::npos)
      << r.verdict.message;
  EXPECT_NE(r.verdict.message.find("log_store.cc:"), std::string::npos) << r.verdict.message;
}

// In event-loop mode only await points are decisions: the steps of a schedule are the segments
// between awaits, and what a segment touched besides its await's declaration is recorded with it.
TEST(EventLoop, StepsRunFromAwaitToAwaitAndRecordEverythingTheyTouch) {
  const Target t = on_the_loop(lost_update_scenario(), store::Variant::kAsync);
  Engine engine(t.topology(), scenario_instances());
  auto sequential = make_sequential_strategy();
  const Judged judged = run_judged(factory_for(t), *sequential, 0, engine);
  ASSERT_EQ(judged.result.outcome, Outcome::kCompleted);
  bool index_touched = false;
  for (const Step& step : judged.result.trace) {
    const std::string_view label = step.label;
    EXPECT_TRUE(label == "start" || label.find("read_") != std::string_view::npos ||
                label.find("write_") != std::string_view::npos)
        << "a decision at " << label << ", which is no await point";
    for (const Object& o : step.also) index_touched |= std::string_view(o.space) == "index";
  }
  EXPECT_TRUE(index_touched) << "the index lookups between awaits are recorded with their step";
}

}  // namespace
}  // namespace interleave::scenarios
