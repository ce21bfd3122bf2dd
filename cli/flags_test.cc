// End-to-end tests of flags through the binary: limits, --workers, INTERLEAVE_PARAMS (the parse
// step itself is tested in-process by parse_test.cc).
#include <string>

#include "cli/testutil.h"
#include "gtest/gtest.h"
#include "harness/schedule.h"

namespace {

using cli_test::CliRun;
using cli_test::expect_usage_error;
using cli_test::interleave;

TEST(Flags, TheActorLimitIsKMaxActorsEverywhere) {
  const CliRun most = interleave(
      "explore --scenario duplicate-offsets --store mutex --actors 52 --ops 1 --executions 2 "
      "--json");
  ASSERT_EQ(most.code, 0) << most.err;
  EXPECT_EQ(most.json()["target"]["actors"], 52);
  expect_usage_error("explore --scenario duplicate-offsets --store mutex --actors 53",
                     "--actors: '53' is not a whole number from 1 to 52");
  expect_usage_error(
      "explore --scenario duplicate-offsets --store mutex --mode mixed --processes 9 "
      "--threads 6",
      "the number of actors must be in [1, 52], got 54");
  interleave::Schedule s{"lost-update", "unlocked", "threads", {{'a', 53}, {'o', 2}}, {0}};
  expect_usage_error("replay --schedule " + interleave::encode_token(s), "[1, 52], got 53");
}

TEST(Flags, InterleaveParamsGiveFlagsThatTakeNoValueAndRejectUnknownNames) {
  const CliRun r = interleave("explore --scenario lost-update --store mutex",
                              "INTERLEAVE_PARAMS='json executions=3 no-shrink=true'");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.json()["executions"], 3);
  const CliRun off = interleave("explore --scenario lost-update --store mutex",
                                "INTERLEAVE_PARAMS='json=0 executions=3'");
  EXPECT_EQ(off.out.rfind("pass: ", 0), 0u) << off.out;
  const CliRun unknown = interleave("matrix", "INTERLEAVE_PARAMS='seed=1 bogus=2'");
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(
      unknown.err.find("interleave: error: INTERLEAVE_PARAMS: unknown flag 'bogus' for matrix"),
      std::string::npos)
      << unknown.err;
}

TEST(Flags, WorkersRunsEveryActorInItsOwnProcess) {
  const CliRun r =
      interleave("explore --scenario lost-update --store mutex --workers 3 --executions 20 --json");
  ASSERT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(r.json()["target"]["mode"], "processes");
  EXPECT_EQ(r.json()["target"]["actors"], 3);
  EXPECT_EQ(r.json()["target"]["processes"], 3);
  const CliRun mixed = interleave(
      "explore --scenario lost-update --store safe --workers 2 --threads 2 --executions 5 --json");
  ASSERT_EQ(mixed.code, 0) << mixed.err;
  EXPECT_EQ(mixed.json()["target"]["mode"], "mixed");
  EXPECT_EQ(mixed.json()["target"]["actors"], 4);
  expect_usage_error("explore --scenario lost-update --store mutex --workers 2 --actors 2",
                     "give one of --workers and --actors");
}

}  // namespace
