// End-to-end tests of the `interleave` binary: exit codes, JSON shape, replay by token and by seed.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "cli/testutil.h"
#include "gtest/gtest.h"
#include "harness/schedule.h"
#include "nlohmann/json.hpp"

namespace {

using cli_test::CliRun;
using cli_test::expect_usage_error;
using cli_test::interleave;
using cli_test::slurp;

const char* const kScenarios[] = {"lost-update", "duplicate-offsets", "torn-read"};
const char* const kMatrixScenarios[] = {"lost-update", "duplicate-offsets", "torn-read",
                                        "stale-read"};
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
  EXPECT_EQ(j["schema"], 1);  // the whole schema is checked by cli/report_schema_test.py
  for (const char* key : {"command", "target", "strategy", "seed", "result", "verdict",
                          "executions", "bug", "stats"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  for (const char* key : {"kind", "scenario", "store", "mode", "actors", "processes", "ops"}) {
    EXPECT_TRUE(j["target"].contains(key)) << key;
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

TEST(Cli, BadInputExitsTwoWithOneLine) {
  expect_usage_error("replay --schedule I1:lost-update:unlocked:threads:a2o2:ab:00000000",
                     "bad checksum");
  expect_usage_error("replay --schedule garbage", "malformed schedule token");
  expect_usage_error("explore --scenario nope --store unlocked", "unknown scenario 'nope'");
  expect_usage_error("explore --scenario lost-update --store nope", "unknown store 'nope'");
  expect_usage_error("explore --scenario lost-update --store unlocked --seed abc", "--seed");
  expect_usage_error("explore --scenario torn-read --store unlocked --actors 1", "at least 2");
  expect_usage_error("explore --scenario lost-update --store unlocked --strategy bogus",
                     "unknown strategy");
  expect_usage_error("frobnicate", "unknown command 'frobnicate'");
}

TEST(Cli, ReplayOfAScheduleThatDoesNotFitReportsTheDivergingStepOnStandardError) {
  interleave::Schedule s{"lost-update", "unlocked", "threads", {{'a', 2}, {'o', 2}}, {0}};
  const CliRun short_schedule = interleave("replay --schedule " + interleave::encode_token(s));
  EXPECT_EQ(short_schedule.code, 2);
  EXPECT_EQ(short_schedule.out, "");
  EXPECT_EQ(short_schedule.err,
            "interleave: error: diverged at step 1: the schedule has no decision left\n");
  s.decisions = std::vector<int>(54, 1);
  const CliRun wrong_actor = interleave("replay --schedule " + interleave::encode_token(s));
  EXPECT_EQ(wrong_actor.code, 2);
  EXPECT_EQ(wrong_actor.out, "");
  EXPECT_NE(wrong_actor.err.find("the schedule chose actor 1, but runnable are {0}"),
            std::string::npos)
      << wrong_actor.err;
  EXPECT_EQ(wrong_actor.err.find('\n'), wrong_actor.err.size() - 1) << "one line";
}

TEST(Cli, VersionPrintsTheVersionAndCommit) {
  const CliRun r = interleave("--version");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("interleave 0.", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("(commit "), std::string::npos) << r.out;
}

TEST(Cli, NoCommandPrintsTheUsageAndExits2) {
  const CliRun r = interleave("");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_NE(r.err.find("Subcommands:"), std::string::npos) << r.err;
}

TEST(Cli, ARunTokenGivenToReplayWithoutItsProgramSaysWhatToAdd) {
  const interleave::Schedule s{"run", "p00000000", "programs", {{'a', 2}}, {0, 1}};
  expect_usage_error("replay --schedule " + interleave::encode_token(s), "give the program it ran");
}

TEST(Cli, ARunsReplayLineNamesTheProgramByItsAbsolutePath) {
  const std::string binary = INTERLEAVE_BINARY;
  const std::string dir = binary.substr(0, binary.rfind('/')) + "/examples/run_programs";
  const CliRun r =
      interleave("run --json --workers 2 --check '" + dir + "/store check 2' -- ./store run 2",
                 "cd " + dir + " &&");
  ASSERT_EQ(r.code, 1) << r.err;
  const std::string replay = r.json()["bug"]["replay"];
  EXPECT_NE(replay.find("-- " + dir + "/store run 2"), std::string::npos) << replay;
  EXPECT_EQ(replay.find(" ./store"), std::string::npos) << replay;
}

TEST(Cli, JsonOfAReplayThatCouldNotBeJudgedSaysErrorNotPass) {
  const interleave::Schedule s{"lost-update", "unlocked", "threads", {{'a', 2}, {'o', 2}}, {0}};
  const CliRun r = interleave("replay --json --schedule " + interleave::encode_token(s));
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.json()["result"], "error");
  EXPECT_TRUE(r.json()["verdict"].is_null());
  EXPECT_NE(r.json()["error"].get<std::string>().find("diverged at step 1"), std::string::npos);
  EXPECT_NE(r.err.find("interleave: error: diverged at step 1"), std::string::npos) << r.err;
}

TEST(Cli, LockOrderInversionIsReportedAsDeadlockWithAReplayLine) {
  const CliRun r = interleave("explore --scenario lock-order-inversion --store mutex");
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.out.find("BUG deadlock"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("replay:  interleave replay --schedule I1:lock-order-inversion:"),
            std::string::npos)
      << r.out;
}

nlohmann::json find_cell(const nlohmann::json& cells, const std::string& scenario,
                         const std::string& store, const std::string& mode) {
  for (const auto& cell : cells) {
    if (cell["scenario"] == scenario && cell["store"] == store && cell["mode"] == mode) return cell;
  }
  return nullptr;
}

TEST(Cli, MatrixCoversEveryModeAndMatchesEveryExpectation) {
  const CliRun r = interleave("matrix --json --executions 300");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  const auto j = r.json();
  EXPECT_TRUE(j["all_match"].get<bool>());
  // Scenarios x stores x modes, then the crash cells: safe and its two crash twins x 5
  // persistence models x threads and processes.
  EXPECT_EQ(j["cells"].size(), 4u * 8u * 4u + 3u * 5u * 2u);
  for (const auto& cell : j["cells"]) {
    EXPECT_EQ(cell["expected"], cell["found"]) << cell.dump();
    EXPECT_EQ(cell.contains("replay"), cell["found"] == "bug") << cell.dump();
    for (const char* key :
         {"scenario", "store", "mode", "expected", "found", "verdict", "executions"}) {
      EXPECT_TRUE(cell.contains(key)) << key;
    }
  }
  // The cells the deployment table is about.
  EXPECT_EQ(find_cell(j["cells"], "lost-update", "mutex", "threads")["found"], "clean");
  EXPECT_EQ(find_cell(j["cells"], "lost-update", "mutex", "processes")["found"], "bug");
  EXPECT_EQ(find_cell(j["cells"], "lost-update", "flock", "threads")["found"], "bug");
  EXPECT_EQ(find_cell(j["cells"], "lost-update", "flock", "processes")["found"], "clean");
  for (const char* mode : {"threads", "processes", "mixed"}) {
    for (const char* scenario : kScenarios) {
      EXPECT_EQ(find_cell(j["cells"], scenario, "safe", mode)["found"], "clean")
          << scenario << mode;
    }
  }
  // The crash cells: safe survives every model; its twins lose a write where their mistake shows.
  int crash_cells = 0;
  for (const auto& cell : j["cells"]) {
    if (!cell.contains("persistence")) continue;
    ++crash_cells;
    const std::string store = cell["store"];
    const std::string model = cell["persistence"];
    const bool bug = (store == "ack-before-sync" && model != "process") ||
                     (store == "no-dir-sync" && model == "dirent");
    EXPECT_EQ(cell["found"], bug ? "bug" : "clean") << cell.dump();
    if (bug) EXPECT_EQ(cell["verdict"], "lost-acknowledged-write") << cell.dump();
  }
  EXPECT_EQ(crash_cells, 30);
  // Every process-mode and mixed-mode failure replays to the same verdict and trace, twice.
  for (const auto& cell : j["cells"]) {
    if (cell["found"] != "bug" || cell["mode"] == "threads") continue;
    const std::string replay =
        cell["replay"].get<std::string>().substr(std::string("interleave ").size());
    const CliRun first = interleave(replay + " --json");
    const CliRun second = interleave(replay + " --json");
    ASSERT_EQ(first.code, 1) << replay << first.err;
    EXPECT_EQ(first.json()["verdict"], cell["verdict"]) << replay;
    EXPECT_EQ(first.json()["bug"]["trace"], second.json()["bug"]["trace"]) << replay;
  }
}

TEST(Cli, ProcessAndMixedFailuresReplayByTokenAndBySeed) {
  for (const std::string mode : {"--mode processes", "--mode mixed --processes 2 --threads 2"}) {
    const CliRun found =
        interleave("explore --scenario duplicate-offsets --store mutex " + mode + " --json");
    ASSERT_EQ(found.code, 1) << mode << found.err;
    const auto bug = found.json()["bug"];
    const CliRun replayed =
        interleave("replay --schedule " + bug["schedule"].get<std::string>() + " --json");
    ASSERT_EQ(replayed.code, 1) << replayed.err;
    EXPECT_EQ(replayed.json()["bug"]["trace"], bug["trace"]);
    const CliRun by_seed = interleave("explore --scenario duplicate-offsets --store mutex " + mode +
                                      " --executions 1 --json --seed " +
                                      std::to_string(bug["execution_seed"].get<std::uint64_t>()));
    ASSERT_EQ(by_seed.code, 1) << by_seed.err;
    EXPECT_EQ(by_seed.json()["bug"]["trace"], bug["trace"]);
  }
}

// A fresh directory for one run's data directories, and a unique seed to find its processes by.
struct Isolated {
  std::string dir;
  std::string seed;
  Isolated() {
    char pattern[] = "/tmp/interleave-cli-XXXXXX";
    dir = ::mkdtemp(pattern);
    seed = std::to_string(1'000'000'000ull + static_cast<unsigned>(::getpid()) * 7919ull +
                          static_cast<unsigned>(++counter) * 104729ull);
  }
  std::string env() const { return "INTERLEAVE_TMPDIR=" + dir; }
  bool empty_dir() const { return std::filesystem::is_empty(dir); }
  bool processes_left() const {
    // pgrep exits 0 when it found a process, 1 when none; anything else means it could not look.
    const int status = std::system(("pgrep -f -- '--seed " + seed + "( |$)' >/dev/null").c_str());
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) <= 1) << "pgrep (procps) is needed";
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  ~Isolated() { std::filesystem::remove_all(dir); }
  static inline int counter = 0;
};

TEST(Cli, CrashingAndHangingActorsAreReportedWithAReplayLineAndLeaveNothingBehind) {
  for (const auto& [scenario, needle] :
       std::vector<std::pair<std::string, std::string>>{{"crash-segv", "SIGSEGV"},
                                                        {"crash-abort", "SIGABRT"},
                                                        {"crash-throw", "injected failure"},
                                                        {"hang-spin", "no yield point"}}) {
    const Isolated run;
    const CliRun r = interleave(
        "explore --scenario " + scenario +
            " --store safe --mode processes --hang-timeout-ms 300 --json --seed " + run.seed,
        run.env());
    ASSERT_EQ(r.code, 1) << scenario << r.err;
    const auto j = r.json();
    EXPECT_EQ(j["verdict"], scenario == "hang-spin" ? "hang" : "crash");
    EXPECT_NE(j["bug"]["message"].get<std::string>().find(needle), std::string::npos)
        << j["bug"]["message"];
    EXPECT_FALSE(j["bug"]["replay"].get<std::string>().empty());
    EXPECT_TRUE(run.empty_dir()) << scenario << ": a data directory was left in " << run.dir;
    EXPECT_FALSE(run.processes_left()) << scenario;
  }
}

TEST(Cli, AFatalSignalInThreadsModePrintsAReplayLineThatReproducesIt) {
  const CliRun crashed = interleave("explore --scenario crash-segv --store safe --mode threads");
  EXPECT_EQ(crashed.code, 128 + SIGSEGV) << "the shell reports death by signal as 128 + signal";
  const std::string marker = "replay:  interleave replay --schedule ";
  const std::size_t at = crashed.err.find(marker);
  ASSERT_NE(at, std::string::npos) << crashed.err;
  EXPECT_NE(crashed.err.find("took the harness down with signal 11 (SIGSEGV)"), std::string::npos);
  const std::string token =
      crashed.err.substr(at + marker.size(), crashed.err.find('\n', at) - at - marker.size());
  EXPECT_EQ(token.rfind("I1:crash-segv:safe:threads:a2o2:", 0), 0u) << token;
  const CliRun again = interleave("replay --schedule " + token);
  EXPECT_EQ(again.code, 128 + SIGSEGV);
  EXPECT_NE(again.err.find(marker + token), std::string::npos) << again.err;
}

TEST(Cli, SigintStopsAProcessesExplorationAndLeavesNothingBehind) {
  const Isolated run;
  const std::string out = run.dir + ".out";
  const std::string seed = run.seed;
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::setenv("INTERLEAVE_TMPDIR", run.dir.c_str(), 1);
    std::freopen(out.c_str(), "w", stdout);
    std::freopen(out.c_str(), "a", stderr);
    ::execl(INTERLEAVE_BINARY, INTERLEAVE_BINARY, "explore", "--scenario", "lost-update", "--store",
            "safe", "--mode", "processes", "--executions", "100000000", "--seed", seed.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Wait (bounded) until executions are under way: a data directory was seen (each execution
  // makes one and removes it, so it comes and goes).
  bool started = false;
  for (int i = 0; i < 1000 && !started; ++i) {
    started = !run.empty_dir();
    if (!started) ::usleep(5'000);
  }
  ASSERT_TRUE(started) << "the exploration did not start: " << slurp(out);
  ASSERT_EQ(::kill(pid, SIGINT), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status)) << "status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 130) << slurp(out);
  EXPECT_NE(slurp(out).find("interrupted after"), std::string::npos) << slurp(out);
  EXPECT_FALSE(run.processes_left());
  EXPECT_TRUE(run.empty_dir());
  std::remove(out.c_str());
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

TEST(Cli, OneOrTwoJobsReportTheSameFailingExecutionAndToken) {
  for (const char* strategy : kStrategies) {
    std::vector<nlohmann::json> bugs;
    for (const char* jobs : {"1", "2"}) {
      const CliRun r =
          interleave(std::string("explore --scenario torn-read --store unlocked --seed 7 "
                                 "--json --strategy ") +
                     strategy + " --jobs " + jobs);
      ASSERT_EQ(r.code, 1) << r.err;
      bugs.push_back(r.json()["bug"]);
    }
    EXPECT_EQ(bugs[0]["execution"], bugs[1]["execution"]) << strategy;
    EXPECT_EQ(bugs[0]["schedule"], bugs[1]["schedule"]) << strategy;
  }
}

TEST(Cli, DfsAndDporReportExhaustionAndShardsSplitTheWork) {
  const CliRun dpor = interleave(
      "explore --scenario duplicate-offsets --store mutex --strategy dpor --actors 3 --ops 2 "
      "--json");
  ASSERT_EQ(dpor.code, 0) << dpor.err;
  EXPECT_TRUE(dpor.json()["exhausted"].get<bool>());
  EXPECT_LE(dpor.json()["executions"].get<int>(), 300);
  const CliRun dfs = interleave(
      "explore --scenario duplicate-offsets --store mutex --strategy dfs --actors 3 --ops 2");
  ASSERT_EQ(dfs.code, 0) << dfs.err;
  EXPECT_NE(dfs.out.find("exhausted"), std::string::npos) << dfs.out;
  const CliRun split = interleave(
      "explore --scenario duplicate-offsets --store mutex --strategy dpor --actors 3 --ops 2 "
      "--jobs 2 --json");
  ASSERT_EQ(split.code, 0) << split.err;
  EXPECT_TRUE(split.json()["exhausted"].get<bool>());
  const CliRun bounded = interleave(
      "explore --scenario lost-update --store unlocked --strategy dfs --preemption-bound 1 --json");
  ASSERT_EQ(bounded.code, 1) << bounded.err;
  EXPECT_EQ(bounded.json()["bug"]["preemptions"], 1);
  // --shard and the GoogleTest sharding variables split a random campaign the same way.
  const CliRun part = interleave(
      "explore --scenario lost-update --store mutex --executions 101 "
      "--shard 1/2 --json");
  const CliRun env_part =
      interleave("explore --scenario lost-update --store mutex --executions 101 --json",
                 "GTEST_SHARD_INDEX=1 GTEST_TOTAL_SHARDS=2");
  EXPECT_EQ(part.json()["executions"], 50);
  EXPECT_EQ(env_part.json()["executions"], 50);
  expect_usage_error("explore --scenario lost-update --store mutex --shard 2/2", "below the count");
}

TEST(Cli, CleanPctRunStatesItsResidualRisk) {
  const CliRun r = interleave(
      "explore --scenario lost-update --store mutex --strategy pct "
      "--executions 200");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("PCT bound: each execution finds a given depth-3 bug with probability >="),
            std::string::npos)
      << r.out;
}

nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(slurp(path)); }

TEST(Cli, TraceOutWritesOneTrackPerActorAndEveryStep) {
  const std::string path = ::testing::TempDir() + "/trace_" + std::to_string(::getpid()) + ".json";
  const CliRun r = interleave(
      "explore --scenario torn-read --store unlocked --mode mixed --json "
      "--trace-out " +
      path);
  ASSERT_EQ(r.code, 1) << r.err;
  const auto trace = read_json(path);
  const auto report = r.json();
  const auto& steps = report["bug"]["trace"];
  std::set<int> tracks;
  std::vector<int> instants;
  int slices = 0;
  for (const auto& e : trace["traceEvents"]) {
    if (e["ph"] == "M" && e["name"] == "thread_name") tracks.insert(e["tid"].get<int>());
    if (e["ph"] == "i") instants.push_back(e["args"]["step"].get<int>());
    if (e["ph"] == "X") ++slices;
  }
  EXPECT_EQ(tracks, (std::set<int>{0, 1, 2, 3}));  // mixed: 2 processes x 2 threads
  ASSERT_EQ(instants.size(), steps.size());
  for (std::size_t i = 0; i < instants.size(); ++i) EXPECT_EQ(instants[i], steps[i]["step"]);
  EXPECT_GT(slices, 0) << "operations appear as slices";
  EXPECT_EQ(trace["otherData"]["schedule"], report["bug"]["schedule"]);
  std::remove(path.c_str());
}

// Well-formedness by Python's XML parser when Python is there; the counts by this test.
bool well_formed_xml(const std::string& path) {
  if (std::system("command -v python3 >/dev/null 2>&1") != 0) return true;
  return std::system(("python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' " +
                      path + " 2>/dev/null")
                         .c_str()) == 0;
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

TEST(Cli, JunitOutputIsWellFormedWithTheRightCounts) {
  const std::string path = ::testing::TempDir() + "/junit_" + std::to_string(::getpid()) + ".xml";
  ASSERT_EQ(interleave("explore --scenario lost-update --store unlocked --junit " + path).code, 1);
  std::string xml = slurp(path);
  EXPECT_TRUE(well_formed_xml(path)) << xml;
  EXPECT_EQ(count(xml, "<testcase "), 1u);
  EXPECT_EQ(count(xml, "<failure "), 1u);
  EXPECT_NE(xml.find("interleave replay --schedule I1:lost-update:unlocked"), std::string::npos);
  ASSERT_EQ(interleave("matrix --executions 50 --junit " + path).code, 0);
  xml = slurp(path);
  EXPECT_TRUE(well_formed_xml(path)) << xml;
  EXPECT_EQ(count(xml, "<testcase "), 4u * 8u * 4u + 3u * 5u * 2u);
  EXPECT_NE(xml.find("tests=\"158\" failures=\"0\""), std::string::npos) << xml.substr(0, 300);
  EXPECT_NE(xml.find("name=\"no-dir-sync.processes.crash-dirent\""), std::string::npos);
  std::remove(path.c_str());
}

TEST(Cli, ReplayOfAFuzzInputPrintsItsTokenAndReplaysIt) {
  const std::string input = std::string(INTERLEAVE_SOURCE_DIR) +
                            "/fuzz/regressions/schedule_fuzzer/threads/lost-update-flock";
  const CliRun r = interleave("replay --json --fuzz-input " + input);
  EXPECT_EQ(r.code, 1) << r.err;
  const std::string marker = "is the schedule ";
  const std::size_t at = r.err.find(marker);
  ASSERT_NE(at, std::string::npos) << r.err;
  const std::string token =
      r.err.substr(at + marker.size(), r.err.find('\n', at) - at - marker.size());
  EXPECT_EQ(r.json()["bug"]["schedule"], token);
  expect_usage_error("replay", "needs --schedule TOKEN or --fuzz-input FILE");
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
