// The store suite end to end, through the custom-operations example (examples/custom_ops) built
// correct (SEG_KV_FIXED) and broken (SEG_KV_BROKEN): explore options from INTERLEAVE_PARAMS, the
// provenance and pass lines, the replay lines and the replay guard, and the binary as a command
// line.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace {

struct Ran {
  int code = -1;
  std::string out;  // standard output and error together
};

// Runs `binary args` with the environment prefix `env` (words without shell metacharacters).
Ran run(const std::string& env, const std::string& binary, const std::string& args = "") {
  static int calls = 0;
  const std::string out = ::testing::TempDir() + "/suite_" + std::to_string(::getpid()) + "_" +
                          std::to_string(++calls) + ".out";
  const std::string command = env + " " + binary + " " + args + " >" + out + " 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  std::remove(out.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text.str()};
}

const std::string kBothTests =
    "--gtest_filter=Interleave/SegKv.SurvivesScenario/compaction_under_puts_threads";

// The token of the first replay line in `text` ("" if none).
std::string token_in(const std::string& text) {
  std::smatch m;
  return std::regex_search(text, m, std::regex("INTERLEAVE_REPLAY=(I1:[^ ]+) ")) ? m[1].str() : "";
}

TEST(Suite, BoundOneExhaustsCleanAndBoundTwoFindsTheCompactionBug) {
  const Ran one =
      run("INTERLEAVE_PARAMS='strategy=dfs preemption-bound=1'", SEG_KV_BROKEN, kBothTests);
  EXPECT_EQ(one.code, 0) << one.out;
  EXPECT_NE(one.out.find("no bug in"), std::string::npos) << one.out;
  EXPECT_NE(one.out.find("exhausted: every schedule in scope was run"), std::string::npos)
      << one.out;

  const Ran two =
      run("INTERLEAVE_PARAMS='strategy=dfs preemption-bound=2'", SEG_KV_BROKEN, kBothTests);
  EXPECT_NE(two.code, 0) << two.out;
  EXPECT_NE(two.out.find("BUG lost-update: compaction-under-puts on seg-kv"), std::string::npos)
      << two.out;
  // The verdict names the lost call from the evidence.
  EXPECT_NE(two.out.find("an acknowledged call is lost: put"), std::string::npos) << two.out;
  EXPECT_NE(two.out.find("with 2 preemptions"), std::string::npos) << two.out;
}

TEST(Suite, AFailureSaysWhereItWasFoundAndHowItShrank) {
  const Ran r = run("INTERLEAVE_PARAMS='strategy=random seed=1'", SEG_KV_BROKEN, kBothTests);
  EXPECT_NE(r.code, 0) << r.out;
  EXPECT_TRUE(std::regex_search(
      r.out, std::regex("found in execution [0-9]+ of [0-9]+ \\(random, seed 1\\), execution "
                        "seed [0-9]+")))
      << r.out;
  EXPECT_TRUE(std::regex_search(
      r.out, std::regex("shrunk from [0-9]+ steps with [0-9]+ preemptions to [0-9]+ steps with 2 "
                        "preemptions in [0-9]+ executions")))
      << r.out;
  EXPECT_NE(r.out.find(std::string("replay:  ") + SEG_KV_BROKEN + " replay --schedule I1:"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("replay:  INTERLEAVE_REPLAY=I1:compaction-under-puts:seg-kv:threads:"),
            std::string::npos)
      << r.out;
}

TEST(Suite, APassingTestSaysWhatRan) {
  const Ran r = run("INTERLEAVE_PARAMS='executions=300'", SEG_KV_FIXED, kBothTests);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("pass: compaction-under-puts on seg-kv (threads, 3 actors x 1 ops) — no "
                       "bug in 300 executions (random, seed 1)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("no bug in 300 executions (pct, seed 1)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PCT bound:"), std::string::npos) << r.out;
  const Ran dpor = run("INTERLEAVE_PARAMS='strategy=dpor'", SEG_KV_FIXED, kBothTests);
  EXPECT_EQ(dpor.code, 0) << dpor.out;
  EXPECT_NE(dpor.out.find("exhausted: every schedule in scope was run"), std::string::npos)
      << dpor.out;
}

TEST(Suite, TheReplayLineReproducesAndSaysHowMuchOfTheTokenRan) {
  const Ran found = run("INTERLEAVE_PARAMS='strategy=dpor'", SEG_KV_BROKEN, kBothTests);
  const std::string token = token_in(found.out);
  ASSERT_FALSE(token.empty()) << found.out;
  const Ran again = run("INTERLEAVE_REPLAY=" + token, SEG_KV_BROKEN, kBothTests);
  EXPECT_NE(again.code, 0) << again.out;
  EXPECT_TRUE(
      std::regex_search(again.out, std::regex("replayed: all [0-9]+ decisions of the token ran")))
      << again.out;
  EXPECT_EQ(token_in(again.out), token) << again.out;
  // The fixed build takes steps the broken one does not (a put appends again after a swap): the
  // schedule runs as far as it fits, the replay says how far, and the test passes.
  const Ran fixed = run("INTERLEAVE_REPLAY=" + token, SEG_KV_FIXED, kBothTests);
  EXPECT_EQ(fixed.code, 0) << fixed.out;
  EXPECT_TRUE(std::regex_search(
      fixed.out, std::regex("replayed: the first [0-9]+ of the token's [0-9]+ decisions ran as "
                            "recorded; at step [0-9]+ this build took a step the token does not "
                            "have")))
      << fixed.out;
}

TEST(Suite, AReplayTokenThatNamesNoTestFailsTheRun) {
  // Another store's token: every test of the binary is skipped, and the run fails.
  const Ran r =
      run("INTERLEAVE_REPLAY=I1:lost-update:unlocked:threads:a2o2:a8b9a:750e138d", SEG_KV_FIXED);
  EXPECT_NE(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("names no test that ran"), std::string::npos) << r.out;
  // A token for a test the filter left out does too.
  const Ran filtered =
      run("INTERLEAVE_REPLAY=I1:compaction-under-puts:seg-kv:threads:a3o1:a6b4a4c4a4:91be9a04",
          SEG_KV_FIXED, "--gtest_filter=*one_put*");
  EXPECT_NE(filtered.code, 0) << filtered.out;
  EXPECT_NE(filtered.out.find("names no test that ran"), std::string::npos) << filtered.out;
}

TEST(Suite, BadParamsFailWithTheReason) {
  const Ran r = run("INTERLEAVE_PARAMS='strategy=dfs depth=3'", SEG_KV_FIXED, kBothTests);
  EXPECT_NE(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("depth"), std::string::npos) << r.out;
  const Ran unknown = run("INTERLEAVE_PARAMS='no-such-flag=1'", SEG_KV_FIXED, kBothTests);
  EXPECT_NE(unknown.code, 0) << unknown.out;
  EXPECT_NE(unknown.out.find("unknown flag 'no-such-flag'"), std::string::npos) << unknown.out;
}

TEST(Suite, TheTestBinaryIsTheCommandLineOverItsStore) {
  const Ran list = run("", SEG_KV_FIXED, "list");
  EXPECT_EQ(list.code, 0) << list.out;
  EXPECT_NE(list.out.find("seg-kv"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("[operations: put, get, compact]"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("compaction-under-puts"), std::string::npos) << list.out;

  const Ran found = run("", SEG_KV_BROKEN,
                        "explore --scenario compaction-under-puts --store seg-kv --strategy dpor");
  EXPECT_EQ(found.code, 1) << found.out;
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(found.out, m, std::regex("replay:  ([^ ]+) replay --schedule ([^\n]+)")))
      << found.out;
  EXPECT_EQ(m[1].str(), SEG_KV_BROKEN);
  const std::string token = m[2].str();
  const Ran replayed = run("", SEG_KV_BROKEN, "replay --schedule " + token);
  EXPECT_EQ(replayed.code, 1) << replayed.out;
  EXPECT_NE(replayed.out.find("BUG lost-update"), std::string::npos) << replayed.out;
  // The command line's replay is exact: on the fixed build the schedule does not fit.
  const Ran fixed = run("", SEG_KV_FIXED, "replay --schedule " + token);
  EXPECT_EQ(fixed.code, 2) << fixed.out;
  EXPECT_NE(fixed.out.find("diverged at step"), std::string::npos) << fixed.out;

  // A built-in scenario needs store::Store, which seg-kv does not implement.
  const Ran wrong = run("", SEG_KV_FIXED, "explore --scenario lost-update --store seg-kv");
  EXPECT_EQ(wrong.code, 2) << wrong.out;
  EXPECT_NE(wrong.out.find("has only its own operations"), std::string::npos) << wrong.out;
}

}  // namespace
