// `interleave run`'s command line: what it refuses before anything runs.
#include "cli/run_command.h"

#include <cstdlib>
#include <string>

#include "cli/commands.h"
#include "gtest/gtest.h"
#include "harness/schedule.h"

namespace interleave::cli {
namespace {

TEST(RunCommand, ATokenForAnotherProgramOrAnotherWorkerCountIsRefusedBeforeAnythingRuns) {
  ::setenv("INTERLEAVE_SHIM", INTERLEAVE_SHIM, 1);
  Schedule other{"run", "p00000000", "programs", {{'a', 2}}, {0, 1}};
  const std::string token = encode_token(other);
  EXPECT_THROW(run_programs({"--workers", "2", "--schedule", token, "--", INTERLEAVE_RUN_WORKER,
                             "busy-wait"}),
               UsageError);
  EXPECT_THROW(run_programs({"--workers", "3", "--schedule", token, "--", INTERLEAVE_RUN_WORKER,
                             "busy-wait"}),
               UsageError);
  Schedule explore_token{"lost-update", "unlocked", "threads", {{'a', 2}}, {0, 1}};
  EXPECT_THROW(run_programs({"--schedule", encode_token(explore_token), "--", INTERLEAVE_RUN_WORKER,
                             "busy-wait"}),
               UsageError);
}

TEST(RunCommand, BadInputIsAUsageError) {
  ::setenv("INTERLEAVE_SHIM", INTERLEAVE_SHIM, 1);
  EXPECT_THROW(run_programs({}), UsageError);                              // no program
  EXPECT_THROW(run_programs({"--", "/nonexistent/program"}), UsageError);  // not found
  EXPECT_THROW(run_programs({"--workers", "0", "--", INTERLEAVE_RUN_WORKER}), UsageError);
  EXPECT_THROW(run_programs({"--strategy", "bogus", "--", INTERLEAVE_RUN_WORKER}), UsageError);
  EXPECT_THROW(run_programs({"--workers", "2", "--worker-cmd", INTERLEAVE_RUN_WORKER}),
               UsageError);  // two workers, one command
  // Numbers take the strict parsers of every other command.
  for (const char* bad :
       {"--seed=-1", "--seed=123456789012345678901234", "--time-limit=nan", "--executions=0",
        "--depth=17", "--jobs=65", "--shard=2/2", "--preemption-bound=1"}) {
    EXPECT_THROW(run_programs({bad, "--", INTERLEAVE_RUN_WORKER}), UsageError) << bad;
  }
  // An output that cannot be written is found before anything runs, not after.
  EXPECT_ANY_THROW(
      run_programs({"--trace-out", "/nonexistent/dir/t.json", "--", INTERLEAVE_RUN_WORKER}));
}

}  // namespace
}  // namespace interleave::cli
