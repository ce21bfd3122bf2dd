// --crashes and --persistence through the binary (docs/crashes.md): a failure's replay line
// reproduces the identical crash state and verdict, and the flags reject what is not built.
#include "cli/testutil.h"
#include "fmt/format.h"
#include "gtest/gtest.h"
#include "harness/schedule.h"
#include "nlohmann/json.hpp"

namespace {

using cli_test::CliRun;
using cli_test::expect_usage_error;
using cli_test::interleave;

TEST(CrashCli, ACrashFailuresReplayLineReproducesTheCrashStateAndVerdict) {
  const char* runs[] = {
      "explore --scenario durability --store ack-before-sync --crashes 1 --persistence prefix "
      "--strategy dfs --json",
      "explore --scenario durability --store no-dir-sync --crashes 1 --persistence dirent "
      "--strategy dfs --json",
      "explore --scenario durability --store flock --mode processes --crashes 1 --strategy dfs "
      "--json",
      "explore --scenario durability --store ack-before-sync --mode processes --crashes 1 "
      "--persistence torn --strategy dfs --json",
  };
  for (const char* args : runs) {
    const CliRun found = interleave(args);
    ASSERT_EQ(found.code, 1) << args << "\n" << found.err;
    const std::string token = found.json()["bug"]["schedule"].get<std::string>();
    EXPECT_NE(token.find("c1m"), std::string::npos) << token;
    for (int i = 0; i < 3; ++i) {
      const CliRun replayed = interleave("replay --schedule " + token + " --json");
      ASSERT_EQ(replayed.code, 1) << token << "\n" << replayed.err;
      EXPECT_EQ(replayed.json()["verdict"], found.json()["verdict"]) << token;
      EXPECT_EQ(replayed.json()["bug"]["message"], found.json()["bug"]["message"]) << token;
      EXPECT_EQ(replayed.json()["bug"]["trace"], found.json()["bug"]["trace"]) << token;
    }
  }
}

TEST(CrashCli, SafeIsCleanWithCrashesUnderEveryModel) {
  for (const char* mode : {"threads", "processes"}) {
    for (const char* model : {"process", "prefix", "subset", "torn", "dirent"}) {
      // DPOR for one process crashing among others (DFS's tree is some 30 times larger).
      const bool one_process =
          std::string_view(mode) == "processes" && std::string_view(model) == "process";
      const CliRun run = interleave(
          fmt::format("explore --scenario durability --store safe --crashes 1 --json --mode {} "
                      "--strategy {} --persistence {}",
                      mode, one_process ? "dpor" : "dfs", model));
      EXPECT_EQ(run.code, 0) << mode << " " << model << "\n" << run.out << run.err;
      EXPECT_EQ(run.json()["exhausted"], true) << mode << " " << model;
    }
  }
}

TEST(CrashCli, WhatIsNotBuiltIsAUsageErrorThatSaysWhy) {
  expect_usage_error("explore --scenario durability --store safe --persistence prefix",
                     "--persistence applies with --crashes");
  expect_usage_error("explore --scenario durability --store safe --crashes 1 --persistence fsync",
                     "unknown persistence model 'fsync'");
  expect_usage_error("explore --scenario durability --store safe --crashes 2",
                     "processes mode with --persistence process only");
  expect_usage_error(
      "explore --scenario durability --store safe --mode processes --crashes 2 --persistence torn",
      "at a power loss, a crash ends the execution");
  expect_usage_error("explore --scenario durability --store safe --mode mixed --crashes 1",
                     "--crashes in mixed mode is a power loss only for now");
}

// A crash token holds a crash state and decisions up to the crash: one naming a state the crash
// does not leave, or decisions after it, does not fit, and is an error of the input (exit 2).
TEST(CrashCli, ACrashTokenThatDoesNotFitIsAUsageErrorNotAVerdict) {
  interleave::Schedule s;
  std::string error;
  ASSERT_TRUE(interleave::parse_token(
      "I1:durability:ack-before-sync:threads:a2o2c1m1w0:b23c:07e3d95f", &s, &error))
      << error;
  interleave::Schedule far_state = s;
  for (auto& [letter, value] : far_state.sizes) {
    if (letter == 'w') value = 9;
  }
  const CliRun state = interleave("replay --schedule " + interleave::encode_token(far_state));
  EXPECT_EQ(state.code, 2) << state.out << state.err;
  EXPECT_NE(state.err.find("the token does not fit this build"), std::string::npos) << state.err;
  EXPECT_EQ(state.out.find("BUG"), std::string::npos) << state.out;
  interleave::Schedule more = s;
  more.decisions.insert(more.decisions.end(), {0, 1, 0});
  const CliRun extra = interleave("replay --schedule " + interleave::encode_token(more));
  EXPECT_EQ(extra.code, 2) << extra.out << extra.err;
  EXPECT_NE(extra.err.find("3 more decisions"), std::string::npos) << extra.err;
}

}  // namespace
