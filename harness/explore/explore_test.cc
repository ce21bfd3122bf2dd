#include "harness/explore/explore.h"

#include "gtest/gtest.h"
#include "harness/seam.h"
#include "harness/testutil.h"

namespace interleave {
namespace {

using testing::counter;

// Every actor increments a shared counter once, reading and writing in separate steps.
void racy_increment(int, std::span<std::byte> scratch) {
  yield_point("read", Touches::memory("counter", "", Access::kRead));
  const std::uint64_t seen = counter(scratch);
  yield_point("write", Touches::memory("counter", "", Access::kWrite));
  counter(scratch) = seen + 1;
}

Verdict two_increments(const ExecutionResult&, std::span<const std::byte> scratch) {
  const std::uint64_t value = counter(scratch);
  return value == 2 ? Verdict::pass()
                    : Verdict::fail(BugKind::kLostUpdate, "counter is " + std::to_string(value));
}

TEST(Explore, RandomAndPctFindTheLostUpdateAndReportItsSeed) {
  for (Topology topology : {testing::threads(2), testing::processes(2)}) {
    Engine engine(topology, testing::instances_of(racy_increment));
    const ProgramFactory program = testing::program_of(topology, two_increments);
    for (const char* kind : {"random", "pct"}) {
      const ExploreReport report = explore(program, {.strategy = kind, .seed = 9}, engine);
      ASSERT_TRUE(report.failure.has_value()) << kind;
      EXPECT_EQ(report.verdict.bug, BugKind::kLostUpdate);
      // The failing execution's own seed reproduces it as a one-execution run.
      const ExploreReport again = explore(
          program, {.strategy = kind, .seed = report.failure->execution_seed, .executions = 1},
          engine);
      ASSERT_TRUE(again.failure.has_value()) << kind;
      EXPECT_EQ(again.failure->result.trace, report.failure->result.trace);
    }
  }
}

TEST(Explore, PctCalibratesItsStepEstimateFromTheSequentialExecution) {
  Engine engine(testing::threads(2), testing::instances_of(racy_increment));
  const ExploreReport report = explore(testing::program_of(engine.topology(), two_increments),
                                       {.strategy = "pct", .executions = 1}, engine);
  EXPECT_EQ(report.pct_steps, 6u);  // per actor: start, read, write
}

TEST(Explore, ReplayOfAFailureGivesTheSameVerdictAndTrace) {
  Engine engine(testing::threads(2), testing::instances_of(racy_increment));
  const ProgramFactory program = testing::program_of(engine.topology(), two_increments);
  const ExploreReport found = explore(program, {.seed = 3}, engine);
  ASSERT_TRUE(found.failure.has_value());
  const ExploreReport replayed = replay(program, found.failure->result.decisions(), engine);
  EXPECT_FALSE(replayed.error.has_value());
  EXPECT_EQ(replayed.verdict, found.verdict);
  EXPECT_EQ(replayed.failure->result.trace, found.failure->result.trace);
}

TEST(Explore, ReplayWithLeftoverDecisionsIsADivergence) {
  Engine engine(testing::threads(2), testing::instances_of(racy_increment));
  const ExploreReport report =
      replay(testing::program_of(engine.topology(), two_increments), {0, 0, 0, 1, 1, 1, 1}, engine);
  ASSERT_TRUE(report.error.has_value());
  EXPECT_NE(report.error->find("diverged at step"), std::string::npos) << *report.error;
}

TEST(Explore, CleanProgramPassesTheWholeBudget) {
  Engine engine(testing::threads(2), testing::instances_of([](int, std::span<std::byte> scratch) {
                  yield_point("add");
                  ++counter(scratch);
                }));
  const ExploreReport report =
      explore(testing::program_of(engine.topology(), two_increments), {.executions = 200}, engine);
  EXPECT_TRUE(report.verdict.passed());
  EXPECT_EQ(report.stats.executions, 200u);
}

TEST(Explore, AStopRequestEndsTheRunBetweenExecutions) {
  std::atomic<bool> stop{false};
  Engine engine(testing::processes(2),
                testing::instances_of([&](int, std::span<std::byte>) { yield_point("tick"); }),
                EngineOptions{.stop = &stop});
  int executions = 0;
  const ProgramFactory program = [&] {
    if (++executions == 5) stop = true;
    return testing::program_of(engine.topology())();
  };
  const ExploreReport report = explore(program, {.executions = 100}, engine);
  EXPECT_TRUE(report.stopped);
  EXPECT_EQ(report.stats.executions, 4u);
  EXPECT_FALSE(engine.usable());
}

}  // namespace
}  // namespace interleave
