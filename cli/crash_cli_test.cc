// --crashes and --persistence through the binary (docs/crashes.md): a failure's replay line
// reproduces the identical crash state and verdict, and the flags reject what is not built.
#include "cli/testutil.h"
#include "gtest/gtest.h"
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
  for (const char* model : {"process", "prefix", "subset", "torn", "dirent"}) {
    const CliRun run = interleave(std::string("explore --scenario durability --store safe "
                                              "--crashes 1 --strategy dfs --json --persistence ") +
                                  model);
    EXPECT_EQ(run.code, 0) << model << "\n" << run.out << run.err;
    EXPECT_EQ(run.json()["exhausted"], true) << model;
  }
}

TEST(CrashCli, WhatIsNotBuiltIsAUsageErrorThatSaysWhy) {
  expect_usage_error("explore --scenario durability --store safe --persistence prefix",
                     "--persistence applies with --crashes");
  expect_usage_error("explore --scenario durability --store safe --crashes 1 --persistence fsync",
                     "unknown persistence model 'fsync'");
  expect_usage_error("explore --scenario durability --store safe --crashes 2",
                     "processes mode only");
  expect_usage_error("explore --scenario durability --store safe --mode mixed --crashes 1",
                     "not mixed");
  expect_usage_error(
      "explore --scenario durability --store safe --mode processes --crashes 1 --persistence torn",
      "--persistence process only");
}

}  // namespace
