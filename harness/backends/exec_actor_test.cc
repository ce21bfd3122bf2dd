// An actor in a program exec'd from another binary (harness/testdata/exec_actor.c, which knows
// only the C client of the control block) takes part in one execution with an actor thread of the
// harness and a forked worker, under one schedule that replays.
#include <set>

#include "gtest/gtest.h"
#include "harness/seam.h"
#include "harness/strategies/replay.h"
#include "harness/testutil.h"

namespace interleave {
namespace {

Topology three_kinds() {
  Topology t;
  t.groups = {{ActorKind::kThread, 1, {}},
              {ActorKind::kProcess, 1, {}},
              {ActorKind::kProgram, 1, {INTERLEAVE_EXEC_ACTOR}}};
  return t;
}

void writes_shared(int actor, std::span<std::byte>) {
  yield_point(actor == 0 ? "thread.write" : "worker.write",
              Touches::file("shared", Access::kWrite));
  yield_point(actor == 0 ? "thread.done" : "worker.done", Touches::file("shared", Access::kWrite));
}

TEST(ExecActor, AProgramTakesPartBesideAThreadAndAWorkerAndItsScheduleReplays) {
  Engine engine(three_kinds(), testing::instances_of(writes_shared));
  const ProgramFactory program = testing::program_of(engine.topology());
  std::set<std::vector<int>> schedules;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    auto random = make_random_strategy();
    const Judged found = run_judged(program, *random, seed, engine);
    ASSERT_EQ(found.result.outcome, Outcome::kCompleted) << found.result.message;
    // Every actor's steps: its start and each yield point, the program's labels included.
    ASSERT_EQ(found.result.trace.size(), 3u + 3u + 4u);
    std::multiset<std::string> labels;
    for (const Step& step : found.result.trace) labels.insert(step.label);
    EXPECT_EQ(labels.count("program.write"), 1u);
    EXPECT_EQ(labels.count("worker.write"), 1u);
    EXPECT_EQ(labels.count("thread.write"), 1u);
    EXPECT_EQ(labels.count("start"), 3u);
    schedules.insert(found.result.decisions());
    // The decisions alone replay the same trace.
    ReplayStrategy replay(found.result.decisions());
    const Judged again = run_judged(program, replay, 0, engine);
    ASSERT_EQ(again.result.outcome, Outcome::kCompleted) << again.result.message;
    EXPECT_EQ(again.result.trace, found.result.trace) << "seed " << seed;
  }
  EXPECT_GT(schedules.size(), 5u) << "random schedules should differ";
}

// Every step but the starts writes "shared": DPOR must reach every order of the three actors'
// writes (2 of the thread, 2 of the worker, 3 of the program: 7!/(2!2!3!) = 210 orders).
TEST(ExecActor, DporReachesEveryOrderOfTheProgramsStepsWithTheOthers) {
  Engine engine(three_kinds(), testing::instances_of(writes_shared));
  std::set<std::vector<int>> orders;
  const auto record = [&](const ExecutionResult& result, std::span<const std::byte>) {
    std::vector<int> order;
    for (const Step& step : result.trace) {
      if (step.object.kind == ObjectKind::kFile) order.push_back(step.actor);
    }
    orders.insert(order);
    return Verdict::pass();
  };
  ExploreOptions options;
  options.strategy = "dpor";
  options.executions = 0;
  const ExploreReport report =
      explore(testing::program_of(engine.topology(), record), options, engine);
  EXPECT_TRUE(report.exhausted);
  EXPECT_EQ(orders.size(), 210u);
  EXPECT_GE(report.stats.executions, 210u);
}

}  // namespace
}  // namespace interleave
