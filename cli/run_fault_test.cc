// `interleave run` under faults, end to end: Ctrl-C during the setup, the workers, the check and
// the shrink; a full disk; a check that hangs; workers that leave processes behind; a harness that
// is killed. In every case the exit code says what happened, no verdict is printed for a run that
// came to none (130, 3, 2), and no process or directory is left (issue 20). Signals come from the
// run's own commands and workers (kill $PPID), not from a timer, so each arrives in its phase.
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "cli/fault_util.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace {

using namespace fault_test;

const std::string kWorker = INTERLEAVE_RUN_WORKER;
const std::string kStore = INTERLEAVE_C_STORE;

// Standard output carries no verdict: nothing of a text report, or a JSON one whose verdict is
// null.
void expect_no_verdict(const Result& r) {
  if (!r.out.empty() && r.out.front() == '{') {
    const nlohmann::json j = nlohmann::json::parse(r.out);
    EXPECT_TRUE(j["verdict"].is_null()) << r.out;
    return;
  }
  EXPECT_EQ(r.out, "") << "a run that came to no verdict printed one";
}

TEST(RunFaults, CtrlCDuringTheSetupEndsTheRunWith130AndNoVerdict) {
  const PrivateTmp tmp;
  const Result r = run(
      {"run", "--workers", "1", "--setup", "kill -INT $PPID; sleep 30", "--", kWorker, "busy-wait"},
      {}, tmp);
  EXPECT_EQ(r.code, 130) << r.err;
  expect_no_verdict(r);
  EXPECT_NE(r.err.find("interrupted after 0 executions"), std::string::npos) << r.err;
  EXPECT_LT(r.seconds, 10) << "the setup's sleep was waited for";
  expect_nothing_left(tmp);
}

TEST(RunFaults, CtrlCDuringTheWorkersEndsTheRunWith130AndNoVerdict) {
  const PrivateTmp tmp;
  const Result r = run({"run", "--json", "--workers", "2", "--", kWorker, "interrupt"}, {}, tmp);
  EXPECT_EQ(r.code, 130) << r.err;
  expect_no_verdict(r);
  EXPECT_EQ(nlohmann::json::parse(r.out)["result"], "interrupted");
  expect_nothing_left(tmp);
}

TEST(RunFaults, CtrlCDuringTheCheckIsNoBugButAnInterrupt) {
  const PrivateTmp tmp;
  const Result r = run({"run", "--workers", "2", "--check", "kill -INT $PPID; sleep 30", "--",
                        kStore, "--lock", "flock", "run", "1"},
                       {}, tmp);
  EXPECT_EQ(r.code, 130) << r.out << r.err;
  expect_no_verdict(r);
  EXPECT_LT(r.seconds, 10) << "the check's sleep was waited for";
  expect_nothing_left(tmp);
}

TEST(RunFaults, CtrlCDuringTheShrinkReportsTheBugAsFound) {
  const PrivateTmp tmp;
  const Result r =
      run({"run", "--workers", "2", "--check", kStore + " check 2", "--", kStore, "run", "2"},
          {"INTERLEAVE_TEST_SIGNAL=shrink:0:INT"}, tmp);
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.out.find("BUG "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("as found: not shrunk, the run was interrupted"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("replay:  interleave run"), std::string::npos) << r.out;
  expect_nothing_left(tmp);
}

TEST(RunFaults, AFullDiskIsAnErrorOfTheEnvironmentWithNoVerdict) {
  const PrivateTmp tmp;
  if (::mount("tmpfs", tmp.path().c_str(), "tmpfs", 0, "size=64k") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
  }
  const Result r = run({"run", "--workers", "1", "--", kWorker, "fill-disk"}, {}, tmp);
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  expect_no_verdict(r);
  EXPECT_NE(r.err.find("ENOSPC"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("statically linked"), std::string::npos) << r.err;
  expect_nothing_left(tmp);
  ::umount(tmp.path().c_str());
}

TEST(RunFaults, AHangingCheckIsAnErrorOfTheTestAfterItsTimeout) {
  const PrivateTmp tmp;
  const Result r = run({"run", "--workers", "1", "--check", "sleep 30", "--command-timeout", "0.5",
                        "--", kWorker, "busy-wait"},
                       {}, tmp);
  EXPECT_EQ(r.code, 2) << r.err;
  expect_no_verdict(r);
  EXPECT_NE(r.err.find("did not end within"), std::string::npos) << r.err;
  EXPECT_LT(r.seconds, 10);
  expect_nothing_left(tmp);
}

TEST(RunFaults, ASignalDuringAHangingCheckEndsItAndWhatItStarted) {
  const PrivateTmp tmp;
  const Result r =
      run({"run", "--workers", "1", "--check", "sleep 30 & sleep 30", "--", kWorker, "busy-wait"},
          {}, tmp, SIGTERM, std::chrono::milliseconds(500));
  EXPECT_EQ(r.code, 130) << r.err;
  expect_no_verdict(r);
  EXPECT_LT(r.seconds, 10);
  expect_nothing_left(tmp);
}

TEST(RunFaults, WhatAWorkerForksEndsWithTheRun) {
  const PrivateTmp tmp;
  const Result r =
      run({"run", "--workers", "2", "--executions", "3", "--", kWorker, "fork-child"}, {}, tmp);
  EXPECT_EQ(r.code, 0) << r.err;
  expect_nothing_left(tmp);
}

TEST(RunFaults, ARunDirectoryLeftByAKilledHarnessIsReclaimedByTheNextRun) {
  const PrivateTmp tmp;
  const Result killed = run({"run", "--workers", "1", "--", kWorker, "kill-harness"}, {}, tmp);
  EXPECT_EQ(killed.code, 128 + SIGKILL) << killed.err;
  EXPECT_FALSE(tmp.entries().empty()) << "a killed harness leaves its run directory";
  const Result next =
      run({"run", "--workers", "1", "--executions", "1", "--", kWorker, "busy-wait"}, {}, tmp);
  EXPECT_EQ(next.code, 0) << next.err;
  expect_nothing_left(tmp);
}

}  // namespace
