#include "harness/explore.h"

#include "gtest/gtest.h"
#include "harness/seam.h"
#include "harness/testutil.h"

namespace interleave {
namespace {

struct Counter {
  int value = 0;
};

// Two actors each increment a shared counter once, reading and writing in separate steps.
ProgramFactory racy_counter() {
  return testing::lambda_program<Counter>(
      2,
      [](Counter& c, int) {
        yield_point("read", Touches{"counter", "", Access::kRead});
        const int seen = c.value;
        yield_point("write", Touches{"counter", "", Access::kWrite});
        c.value = seen + 1;
      },
      [](Counter& c, const ExecutionResult&) {
        return c.value == 2
                   ? Verdict::pass()
                   : Verdict::fail(BugKind::kLostUpdate, "counter is " + std::to_string(c.value));
      });
}

TEST(Explore, RandomAndPctFindTheLostUpdateAndReportItsSeed) {
  ThreadsBackend backend;
  for (StrategyKind kind : {StrategyKind::kRandom, StrategyKind::kPct}) {
    const ExploreReport report = explore(racy_counter(), {.strategy = kind, .seed = 9}, backend);
    ASSERT_TRUE(report.failure.has_value()) << to_string(kind);
    EXPECT_EQ(report.verdict.bug, BugKind::kLostUpdate);
    // The failing execution's own seed reproduces it as a one-execution run.
    const ExploreReport again = explore(
        racy_counter(), {.strategy = kind, .seed = report.failure->execution_seed, .executions = 1},
        backend);
    ASSERT_TRUE(again.failure.has_value()) << to_string(kind);
    EXPECT_EQ(again.failure->result.trace, report.failure->result.trace);
  }
}

TEST(Explore, PctCalibratesItsStepEstimateFromTheSequentialExecution) {
  ThreadsBackend backend;
  const ExploreReport report =
      explore(racy_counter(), {.strategy = StrategyKind::kPct, .executions = 1}, backend);
  EXPECT_EQ(report.pct_steps, 6u);  // per actor: start, read, write
}

TEST(Explore, ReplayOfAFailureGivesTheSameVerdictAndTrace) {
  ThreadsBackend backend;
  const ExploreReport found = explore(racy_counter(), {.seed = 3}, backend);
  ASSERT_TRUE(found.failure.has_value());
  const ExploreReport replayed = replay(racy_counter(), found.failure->result.decisions(), backend);
  EXPECT_FALSE(replayed.error.has_value());
  EXPECT_EQ(replayed.verdict, found.verdict);
  EXPECT_EQ(replayed.failure->result.trace, found.failure->result.trace);
}

TEST(Explore, ReplayWithLeftoverDecisionsIsADivergence) {
  ThreadsBackend backend;
  const ExploreReport report = replay(racy_counter(), {0, 0, 0, 1, 1, 1, 1}, backend);
  ASSERT_TRUE(report.error.has_value());
  EXPECT_NE(report.error->find("diverged at step"), std::string::npos) << *report.error;
}

TEST(Explore, CleanProgramPassesTheWholeBudget) {
  ThreadsBackend backend;
  auto safe = testing::lambda_program<Counter>(2, [](Counter& c, int) {
    yield_point("add");
    ++c.value;
  });
  const ExploreReport report = explore(safe, {.executions = 200}, backend);
  EXPECT_TRUE(report.verdict.passed());
  EXPECT_EQ(report.stats.executions, 200u);
}

}  // namespace
}  // namespace interleave
