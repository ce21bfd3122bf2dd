// Faults of the harness's own world, end to end: signals in every phase of a run, a full disk,
// outputs that cannot be written, crashes that take the harness down. In every case the tool must
// not blame the store, must not lose a bug it found, and must leave no process or directory behind.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/fault_util.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace {

using namespace fault_test;

std::string replay_token(const std::string& out) {
  const auto at = out.find("interleave replay --schedule ");
  if (at == std::string::npos) return {};
  const auto start = at + std::string("interleave replay --schedule ").size();
  return out.substr(start, out.find('\n', start) - start);
}

struct SignalCase {
  const char* name;
  std::vector<std::string> args;
  const char* at;  // INTERLEAVE_TEST_SIGNAL's phase:index
  bool finds_bug;  // a bug is found before the signal: it must be printed with a replay line
};

class SignalInEveryPhase
    : public ::testing::TestWithParam<std::tuple<SignalCase, const char*, const char*>> {};

// The signal arrives at a chosen execution of a chosen phase (raised by the harness itself, so the
// test does not depend on timing); the run ends promptly, with the bug it found, if any, and its
// replay line, and with nothing left behind.
TEST_P(SignalInEveryPhase, EndsTheRunCleanlyAndKeepsTheBugFoundBeforeIt) {
  const auto& [c, mode, sig] = GetParam();
  PrivateTmp tmp;
  std::vector<std::string> args = c.args;
  args.insert(args.end(), {"--mode", mode});
  const Result r = run(args, {std::string("INTERLEAVE_TEST_SIGNAL=") + c.at + ":" + sig}, tmp);
  if (c.finds_bug) {
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_NE(r.out.find("not shrunk, the run was interrupted"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("interrupted; the bug found before the stop is reported"),
              std::string::npos)
        << r.err;
    const std::string token = replay_token(r.out);
    ASSERT_FALSE(token.empty()) << r.out;
    const Result replayed = run({"replay", "--schedule", token}, {}, tmp);
    EXPECT_EQ(replayed.code, 1) << replayed.err;
  } else {
    EXPECT_EQ(r.code, 130) << r.out << r.err;
    EXPECT_NE(r.err.find("interrupted after"), std::string::npos) << r.err;
  }
  expect_nothing_left(tmp);
}

const SignalCase kSignalCases[] = {
    {"shrinking",
     {"explore", "--scenario", "lost-update", "--store", "unlocked"},
     "shrink:1",
     true},
    {"dfs",
     {"explore", "--scenario", "lost-update", "--store", "safe", "--strategy", "dfs"},
     "explore:3",
     false},
    {"dpor",
     {"explore", "--scenario", "duplicate-offsets", "--store", "safe", "--strategy", "dpor"},
     "explore:3",
     false},
    {"sampling", {"explore", "--scenario", "lost-update", "--store", "safe"}, "explore:5", false},
    {"jobs",
     {"explore", "--scenario", "lost-update", "--store", "safe", "--jobs", "2"},
     "explore:7",
     false},
    {"jobs_dfs",
     {"explore", "--scenario", "lost-update", "--store", "safe", "--jobs", "2", "--strategy",
      "dfs"},
     "explore:2",
     false},
};

INSTANTIATE_TEST_SUITE_P(Faults, SignalInEveryPhase,
                         ::testing::Combine(::testing::ValuesIn(kSignalCases),
                                            ::testing::Values("threads", "processes"),
                                            ::testing::Values("INT", "TERM", "HUP", "PIPE")),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param).name) + "_" +
                                  std::get<1>(info.param) + "_" + std::get<2>(info.param);
                         });

class InterruptedHang : public ::testing::TestWithParam<const char*> {};

// An actor that never reaches a yield point again: an interrupt must not wait for the hang timeout
// (here 10 minutes), in explore and in replay.
TEST_P(InterruptedHang, EndsWithinASecondInExploreAndReplay) {
  const std::string mode = GetParam();
  PrivateTmp tmp;
  const std::vector<std::string> explore = {"explore", "--scenario",        "hang-spin",
                                            "--store", "unlocked",          "--mode",
                                            mode,      "--hang-timeout-ms", "600000"};
  for (int sig : {SIGINT, SIGTERM}) {
    const Result r = run(explore, {}, tmp, sig);
    EXPECT_EQ(r.code, 130) << r.err;
    EXPECT_LT(r.seconds, 10.0);
    expect_nothing_left(tmp);
  }
  // The schedule of a hang: the one a short hang timeout reports.
  const Result hang = run({"explore", "--scenario", "hang-spin", "--store", "unlocked", "--mode",
                           mode, "--hang-timeout-ms", "200"},
                          {}, tmp);
  ASSERT_EQ(hang.code, 1) << hang.err;
  const std::string found = replay_token(hang.out);
  ASSERT_FALSE(found.empty()) << hang.out;
  const Result r =
      run({"replay", "--schedule", found, "--hang-timeout-ms", "600000"}, {}, tmp, SIGINT);
  EXPECT_EQ(r.code, 130) << r.err;
  EXPECT_LT(r.seconds, 10.0);
  expect_nothing_left(tmp);
}

INSTANTIATE_TEST_SUITE_P(Faults, InterruptedHang, ::testing::Values("threads", "processes"));

// A second interrupt ends the process at once; its data directories go with it.
TEST(Faults, ASecondInterruptEndsAtOnceAndLeavesNoDirectory) {
  for (const char* mode : {"threads", "processes"}) {
    PrivateTmp tmp;
    const Result r =
        run({"explore", "--scenario", "lost-update", "--store", "safe", "--mode", mode},
            {"INTERLEAVE_TEST_SIGNAL=explore:4:INT+INT"}, tmp);
    EXPECT_EQ(r.code, 130) << r.err;
    expect_nothing_left(tmp);
  }
}

// An actor that kills the whole harness in threads mode: the replay line is printed on the way
// down, and the data directories are removed.
TEST(Faults, AFatalSignalInThreadsModeLeavesNoDirectory) {
  for (const char* scenario : {"crash-segv", "crash-abort"}) {
    PrivateTmp tmp;
    const Result r = run({"explore", "--scenario", scenario, "--store", "unlocked"}, {}, tmp);
    EXPECT_GE(r.code, 128) << scenario;
    EXPECT_NE(r.err.find("replay:  interleave replay --schedule I1:"), std::string::npos) << r.err;
    expect_nothing_left(tmp);
  }
}

// A run directory whose owner died (its lock is free) is removed by the next run; one whose owner
// lives (this test holds its lock) is left alone.
TEST(Faults, ALaterRunRemovesTheRunDirectoriesOfDeadProcessesOnly) {
  PrivateTmp tmp;
  const fs::path dead = tmp.path() / "interleave-run-999999-aaaaaa";
  const fs::path live = tmp.path() / "interleave-run-999998-bbbbbb";
  for (const fs::path& p : {dead, live}) {
    fs::create_directories(p / "interleave-cccccc");
    std::ofstream(p / ".lock") << "";
    std::ofstream(p / "interleave-cccccc" / "database.bin") << "x";
  }
  const int lock = ::open((live / ".lock").c_str(), O_RDWR);
  ASSERT_EQ(::flock(lock, LOCK_EX), 0);
  const Result r = run(
      {"explore", "--scenario", "lost-update", "--store", "safe", "--executions", "3"}, {}, tmp);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(live / "interleave-cccccc" / "database.bin"));
  ::close(lock);
}

// A full disk is no concurrency bug: every mode says so with the errno and the directory, exits 3,
// and matrix reports its cells as errors. Needs a small tmpfs (root, and a kernel that allows the
// mount); skipped where it cannot mount one (the injected ENOSPC test in scenarios_test covers the
// same logic without privileges).
TEST(Faults, AFullDiskIsAnErrorOfTheEnvironmentNotABug) {
  PrivateTmp tmp;
  if (::mount("tmpfs", tmp.path().c_str(), "tmpfs", 0, "size=64k") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
  }
  {
    std::ofstream fill(tmp.path() / "fill");
    const std::string block(4096, 'x');
    for (int i = 0; i < 64 && fill.write(block.data(), block.size()); ++i) {
    }
  }
  for (const char* mode : {"threads", "processes", "mixed"}) {
    const Result r =
        run({"explore", "--scenario", "lost-update", "--store", "safe", "--mode", mode}, {}, tmp);
    EXPECT_EQ(r.code, 3) << mode << r.out << r.err;
    EXPECT_EQ(r.out.find("BUG"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("ENOSPC"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(tmp.path().string()), std::string::npos) << r.err;
  }
  // A valid token replayed on the full disk: the error of the environment, not a divergence (the
  // failed writes change what the workers do, so the schedule no longer fits).
  const Result replayed = run(
      {"replay", "--schedule", "I1:durability:ack-before-sync:processes:a2o2c1m3w0:b23c:fb9f74f9"},
      {}, tmp);
  EXPECT_EQ(replayed.code, 3) << replayed.out << replayed.err;
  EXPECT_EQ(replayed.err.find("diverged"), std::string::npos) << replayed.err;
  EXPECT_NE(replayed.err.find("ENOSPC"), std::string::npos) << replayed.err;
  // 10 executions per strategy: enough for the crash cells of threads mode (files in memory, so
  // the full disk does not touch them) to find their bugs with the default seed (random in 7, PCT
  // in 4), so that every cell matches or is an error.
  const Result m = run({"matrix", "--executions", "10", "--json"}, {}, tmp);
  EXPECT_EQ(m.code, 3) << m.err;
  const nlohmann::json cells = nlohmann::json::parse(m.out)["cells"];
  int errors = 0;
  for (const nlohmann::json& cell : cells) {
    errors += cell["found"] == "error";
    // The only bugs a full disk leaves to find are those no write to it takes part in: a handler
    // that blocks the event loop on a thread lock does so before it writes anything, and the crash
    // cells of threads mode keep their files in memory.
    if (cell["found"] == "bug" && !(cell.contains("persistence") && cell["mode"] == "threads")) {
      EXPECT_EQ(cell["verdict"], "blocked-loop") << cell.dump();
    }
    if (cell.contains("persistence") && cell["mode"] == "processes") {
      EXPECT_EQ(cell["found"], "error") << cell.dump();
    }
  }
  EXPECT_GT(errors, 100) << m.out.substr(0, 500);
  fs::remove(tmp.path() / "fill");
  const std::vector<std::string> left = tmp.entries();
  ::umount(tmp.path().c_str());
  EXPECT_TRUE(left.empty()) << left.front();
}

// An output file that cannot be created fails before any exploring, naming the file and why; one
// that cannot be written at the end does not cost the report or the replay line.
TEST(Faults, AnUnwritableOutputFailsEarlyOrNeverCostsTheReport) {
  PrivateTmp tmp;
  const std::vector<std::string> bug = {"explore", "--scenario", "lost-update", "--store",
                                        "unlocked"};
  for (const char* flag : {"--trace-out", "--junit"}) {
    std::vector<std::string> args = bug;
    args.insert(args.end(), {flag, "/nonexistent-dir/out.file"});
    const Result early = run(args, {}, tmp);
    EXPECT_EQ(early.code, 2) << early.err;
    EXPECT_NE(early.err.find("/nonexistent-dir/out.file: No such file or directory"),
              std::string::npos)
        << early.err;
    EXPECT_TRUE(early.out.empty()) << early.out;

    args = bug;
    args.insert(args.end(), {flag, "/dev/full"});
    const Result late = run(args, {}, tmp);
    EXPECT_EQ(late.code, 1) << late.err;
    EXPECT_FALSE(replay_token(late.out).empty()) << late.out;
    EXPECT_NE(late.err.find("cannot write /dev/full"), std::string::npos) << late.err;
    EXPECT_NE(late.err.find("ENOSPC"), std::string::npos) << late.err;
  }
  const Result clean = run({"explore", "--scenario", "lost-update", "--store", "safe",
                            "--executions", "5", "--junit", "/dev/full"},
                           {}, tmp);
  EXPECT_EQ(clean.code, 3) << clean.err;
  EXPECT_NE(clean.out.find("pass:"), std::string::npos) << clean.out;
  expect_nothing_left(tmp);
}

// A run that executed nothing cannot pass: CI must not go green on an empty run.
TEST(Faults, ARunThatExecutesNothingIsAnError) {
  PrivateTmp tmp;
  const Result r = run(
      {"explore", "--scenario", "lost-update", "--store", "safe", "--time-limit", "1e-9"}, {}, tmp);
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("no execution ran (the time limit ended the run first)"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.out.find("pass"), std::string::npos) << r.out;
}

// Several jobs report the same execution, counts and token on every run: only what is timing (the
// elapsed time, executions per second) may differ.
TEST(Faults, SeveralJobsReportTheSameCountsOnEveryRun) {
  PrivateTmp tmp;
  for (const char* strategy : {"random", "dpor"}) {
    std::string first;
    for (int i = 0; i < 3; ++i) {
      const Result r = run({"explore", "--scenario", "duplicate-offsets", "--store", "unlocked",
                            "--actors", "3", "--jobs", "2", "--strategy", strategy, "--seed", "4"},
                           {}, tmp);
      ASSERT_EQ(r.code, 1) << r.err;
      std::string text = r.out;
      const auto rate = text.find(" executions/s");
      if (rate != std::string::npos)
        text.erase(text.rfind(',', rate), rate - text.rfind(',', rate));
      if (i == 0) first = text;
      EXPECT_EQ(text, first) << strategy;
    }
  }
}

}  // namespace
