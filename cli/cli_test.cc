// End-to-end tests of the `interleave` binary: exit codes, JSON shape, replay by token and by seed.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "harness/schedule.h"
#include "nlohmann/json.hpp"

namespace {

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
  nlohmann::json json() const { return nlohmann::json::parse(out); }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs the binary with `args` (words without shell metacharacters), optionally with an environment
// prefix such as "INTERLEAVE_PARAMS='seed=3'".
CliRun interleave(const std::string& args, const std::string& env = "") {
  // Unique per test process and call: ctest runs tests of this binary in parallel.
  static int calls = 0;
  const std::string stem =
      ::testing::TempDir() + "/cli_" + std::to_string(::getpid()) + "_" + std::to_string(++calls);
  const std::string out = stem + ".out";
  const std::string err = stem + ".err";
  const std::string command = env + " " + INTERLEAVE_BINARY + " " + args + " >" + out + " 2>" + err;
  const int status = std::system(command.c_str());
  CliRun run;
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = slurp(out);
  run.err = slurp(err);
  std::remove(out.c_str());
  std::remove(err.c_str());
  return run;
}

const char* const kScenarios[] = {"lost-update", "duplicate-offsets", "torn-read"};
const char* const kStrategies[] = {"random", "pct"};

nlohmann::json without_stats(nlohmann::json j) {
  j.erase("stats");
  return j;
}

TEST(Cli, ExploreFindsEveryScenariosBugOnUnlockedForSeedsOneToTwenty) {
  for (const char* scenario : kScenarios) {
    for (const char* strategy : kStrategies) {
      for (int seed = 1; seed <= 20; ++seed) {
        const CliRun r = interleave(std::string("explore --scenario ") + scenario +
                                    " --store unlocked --strategy " + strategy + " --seed " +
                                    std::to_string(seed) + " --executions 100 --json");
        ASSERT_EQ(r.code, 1) << scenario << " " << strategy << " " << seed << r.err;
        const auto j = r.json();
        const std::string expected_kind =
            std::string(scenario) == "duplicate-offsets" ? "duplicate-offset" : scenario;
        EXPECT_EQ(j["verdict"], expected_kind) << scenario << " " << strategy << " " << seed;
      }
    }
  }
}

TEST(Cli, MutexStoreIsCleanInTenThousandExecutionsPerStrategy) {
  for (const char* scenario : kScenarios) {
    for (const char* strategy : kStrategies) {
      const CliRun r =
          interleave(std::string("explore --scenario ") + scenario + " --store mutex --strategy " +
                     strategy + " --executions 10000 --json");
      ASSERT_EQ(r.code, 0) << scenario << " " << strategy << r.out << r.err;
      const auto j = r.json();
      EXPECT_EQ(j["verdict"], "pass");
      EXPECT_EQ(j["executions"], 10000);
      EXPECT_TRUE(j["bug"].is_null());
    }
  }
}

TEST(Cli, JsonReportHasTheDocumentedShape) {
  const auto j = interleave("explore --scenario lost-update --store unlocked --json").json();
  for (const char* key :
       {"scenario", "store", "mode", "strategy", "seed", "verdict", "executions", "bug", "stats"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  for (const char* key :
       {"kind", "message", "execution", "execution_seed", "schedule", "replay", "trace"}) {
    EXPECT_TRUE(j["bug"].contains(key)) << key;
  }
  for (const char* key : {"executions", "handoffs", "elapsed_s", "executions_per_second"}) {
    EXPECT_TRUE(j["stats"].contains(key)) << key;
  }
  const auto& step = j["bug"]["trace"][0];
  EXPECT_TRUE(step.contains("step") && step.contains("actor") && step.contains("label"));
  EXPECT_EQ(j["bug"]["replay"],
            "interleave replay --schedule " + j["bug"]["schedule"].get<std::string>());
}

TEST(Cli, ReplayByTokenAndBySeedReproduceTheSameBugAndTrace) {
  for (const char* scenario : kScenarios) {
    for (const char* strategy : kStrategies) {
      const std::string explore = std::string("explore --scenario ") + scenario +
                                  " --store unlocked --strategy " + strategy + " --seed 5 --json";
      const CliRun first = interleave(explore);
      const CliRun second = interleave(explore);
      ASSERT_EQ(first.code, 1) << first.err;
      EXPECT_EQ(without_stats(first.json()), without_stats(second.json())) << "explore twice";
      const auto bug = first.json()["bug"];

      const std::string replay =
          "replay --schedule " + bug["schedule"].get<std::string>() + " --json";
      const CliRun r1 = interleave(replay);
      const CliRun r2 = interleave(replay);
      ASSERT_EQ(r1.code, 1) << r1.err;
      EXPECT_EQ(without_stats(r1.json()), without_stats(r2.json())) << "replay twice";
      EXPECT_EQ(r1.json()["verdict"], first.json()["verdict"]);
      EXPECT_EQ(r1.json()["bug"]["trace"], bug["trace"]);

      const CliRun by_seed = interleave(std::string("explore --scenario ") + scenario +
                                        " --store unlocked --strategy " + strategy + " --seed " +
                                        std::to_string(bug["execution_seed"].get<std::uint64_t>()) +
                                        " --executions 1 --json");
      ASSERT_EQ(by_seed.code, 1) << by_seed.err;
      EXPECT_EQ(by_seed.json()["bug"]["trace"], bug["trace"]);
      EXPECT_EQ(by_seed.json()["verdict"], first.json()["verdict"]);
    }
  }
}

void expect_usage_error(const std::string& args, const std::string& needle) {
  const CliRun r = interleave(args);
  EXPECT_EQ(r.code, 2) << args;
  EXPECT_TRUE(r.out.empty()) << args << ": " << r.out;
  ASSERT_FALSE(r.err.empty()) << args;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}

TEST(Cli, BadInputExitsTwoWithOneLine) {
  expect_usage_error("replay --schedule I1:lost-update:unlocked:threads:a2o2:ab:00000000",
                     "bad checksum");
  expect_usage_error("replay --schedule garbage", "malformed schedule token");
  expect_usage_error("explore --scenario nope --store unlocked", "unknown scenario 'nope'");
  expect_usage_error("explore --scenario lost-update --store nope", "unknown store 'nope'");
  expect_usage_error("explore --scenario lost-update --store unlocked --seed abc", "--seed");
  expect_usage_error("explore --scenario torn-read --store unlocked --actors 1", "at least 2");
  expect_usage_error("explore --scenario lost-update --store unlocked --strategy dfs",
                     "unknown strategy");
  expect_usage_error("frobnicate", "unknown command 'frobnicate'");
}

TEST(Cli, ReplayOfAScheduleThatDoesNotFitReportsTheDivergingStep) {
  interleave::Schedule s{"lost-update", "unlocked", "threads", {{'a', 2}, {'o', 2}}, {0}};
  const CliRun short_schedule = interleave("replay --schedule " + interleave::encode_token(s));
  EXPECT_EQ(short_schedule.code, 2);
  EXPECT_NE(short_schedule.out.find("diverged at step 1: the schedule has no decision left"),
            std::string::npos)
      << short_schedule.out;
  s.decisions = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  const CliRun wrong_actor = interleave("replay --schedule " + interleave::encode_token(s));
  EXPECT_EQ(wrong_actor.code, 2);
  EXPECT_NE(wrong_actor.out.find("the schedule chose actor 1, but runnable are {0}"),
            std::string::npos)
      << wrong_actor.out;
}

TEST(Cli, LockOrderInversionIsReportedAsDeadlockWithAReplayLine) {
  const CliRun r = interleave("explore --scenario lock-order-inversion --store mutex");
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.out.find("BUG deadlock"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("replay:  interleave replay --schedule I1:lock-order-inversion:"),
            std::string::npos)
      << r.out;
}

TEST(Cli, MatrixMatchesEveryExpectation) {
  const CliRun r = interleave("matrix --json --executions 300");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  const auto j = r.json();
  EXPECT_TRUE(j["all_match"].get<bool>());
  EXPECT_EQ(j["cells"].size(), 6u);
  for (const auto& cell : j["cells"]) {
    EXPECT_EQ(cell["expected"], cell["found"]) << cell.dump();
    EXPECT_EQ(cell.contains("replay"), cell["found"] == "bug") << cell.dump();
  }
}

TEST(Cli, InterleaveParamsSupplyFlagsAndAreEchoed) {
  const CliRun r = interleave("explore --scenario lost-update --store mutex --json",
                              "INTERLEAVE_PARAMS='executions=7 seed=3'");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.json()["executions"], 7);
  EXPECT_EQ(r.json()["seed"], 3);
  EXPECT_NE(r.err.find("INTERLEAVE_PARAMS=\"executions=7 seed=3\""), std::string::npos) << r.err;
  // An explicit flag wins over the variable.
  const CliRun explicit_flag =
      interleave("explore --scenario lost-update --store mutex --json --seed 9",
                 "INTERLEAVE_PARAMS='seed=3 executions=2'");
  EXPECT_EQ(explicit_flag.json()["seed"], 9);
}

TEST(Cli, ListNamesEveryScenarioStoreAndStrategy) {
  const CliRun r = interleave("list");
  EXPECT_EQ(r.code, 0);
  for (const char* name : {"lost-update", "duplicate-offsets", "torn-read", "unlocked", "mutex",
                           "threads", "random", "pct"}) {
    EXPECT_NE(r.out.find(name), std::string::npos) << name;
  }
}

}  // namespace
