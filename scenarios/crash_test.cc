// Crash points (docs/crashes.md): a crash is a decision, and nothing acknowledged may be lost.
// Fixed seeds, exhaustive searches, and every failure replayed from its token.
#include "fmt/format.h"
#include "gtest/gtest.h"
#include "harness/engine.h"
#include "harness/explore.h"
#include "harness/schedule.h"
#include "scenarios/program.h"
#include "scenarios/registry.h"

namespace interleave::scenarios {
namespace {

using store::Persistence;
using store::Variant;

Target crash_target(Variant v, Persistence p, int actors, int ops) {
  Target t{&durability_scenario(), v, Mode::kThreads, Sizes{actors, ops, 1}};
  t.crashes = 1;
  t.persistence = p;
  return t;
}

Engine crash_engine(const Target& t) {
  Limits limits;
  limits.crashes = static_cast<std::uint32_t>(t.crashes);
  return Engine(t.topology(), scenario_instances(), EngineOptions{.limits = limits});
}

struct CrashRun {
  ExploreReport report;
  std::shared_ptr<CrashStates> states = std::make_shared<CrashStates>();
};

CrashRun explore_crashes(const Target& t, const std::string& strategy, std::uint64_t executions) {
  CrashRun run;
  Engine engine = crash_engine(t);
  ExploreOptions options;
  options.strategy = strategy;
  options.executions = executions;
  options.seed = 7;
  run.report = explore(factory_for(t, run.states), options, engine);
  return run;
}

std::string name(const Target& t) {
  return fmt::format("{} under {}", store::to_string(t.variant), store::to_string(t.persistence));
}

// The token the CLI prints for a failure, parsed back into the target it names.
Target replayed_target(const Target& t, const Failure& failure, std::string* token) {
  Target with_state = t;
  with_state.crash_state = failure.verdict.crash_state;
  *token = encode_token(schedule_for(with_state, failure.result.decisions()));
  Schedule schedule;
  std::string error;
  EXPECT_TRUE(parse_token(*token, &schedule, &error)) << error;
  Target back;
  EXPECT_TRUE(target_of(schedule, &back, &error)) << error;
  return back;
}

// Replays the failure from its token `times` times: the same trace, crash state and verdict.
void expect_replays(const Target& t, const Failure& failure, int times) {
  std::string token;
  const Target back = replayed_target(t, failure, &token);
  EXPECT_EQ(back.crash_state, failure.verdict.crash_state) << token;
  EXPECT_EQ(back.persistence, t.persistence) << token;
  Engine engine = crash_engine(back);
  for (int i = 0; i < times; ++i) {
    const ExploreReport replayed = replay(factory_for(back), failure.result.decisions(), engine);
    ASSERT_FALSE(replayed.error.has_value()) << token << ": " << *replayed.error;
    ASSERT_TRUE(replayed.failure.has_value()) << token;
    EXPECT_EQ(replayed.verdict, failure.verdict) << token;
    EXPECT_EQ(replayed.failure->result.trace, failure.result.trace) << token;
    EXPECT_EQ(replayed.failure->result.outcome, Outcome::kCrashed) << token;
  }
}

TEST(Crashes, SafeIsCleanUnderEveryPersistenceModelExhaustivelyAt2x2) {
  for (Persistence p : store::all_persistence_models()) {
    const Target t = crash_target(Variant::kSafe, p, 2, 2);
    const CrashRun run = explore_crashes(t, "dfs", 0);
    EXPECT_TRUE(run.report.verdict.passed()) << name(t) << ": " << run.report.verdict.message;
    EXPECT_TRUE(run.report.exhausted) << name(t);
    EXPECT_GT(run.states->checked, 0u) << name(t);
  }
}

TEST(Crashes, SafeIsCleanUnderEveryPersistenceModelIn1000RandomExecutionsAt3x3) {
  for (Persistence p : store::all_persistence_models()) {
    const Target t = crash_target(Variant::kSafe, p, 3, 3);
    const CrashRun run = explore_crashes(t, "random", 1000);
    EXPECT_TRUE(run.report.verdict.passed()) << name(t) << ": " << run.report.verdict.message;
    EXPECT_EQ(run.report.stats.executions, 1000u) << name(t);
    EXPECT_GT(run.states->checked, 100u) << name(t);
  }
}

TEST(Crashes, AckBeforeSyncLosesAnAcknowledgedWriteUnderPowerLossOnly) {
  for (Persistence p : store::all_persistence_models()) {
    const Target t = crash_target(Variant::kAckBeforeSync, p, 2, 2);
    const CrashRun run = explore_crashes(t, "dfs", 0);
    if (p == Persistence::kProcess) {
      EXPECT_TRUE(run.report.verdict.passed()) << name(t) << ": " << run.report.verdict.message;
      EXPECT_TRUE(run.report.exhausted) << name(t);
      continue;
    }
    ASSERT_TRUE(run.report.failure.has_value()) << name(t);
    EXPECT_EQ(run.report.verdict.name(), "lost-acknowledged-write") << name(t);
    EXPECT_TRUE(run.report.verdict.crash_state.has_value()) << name(t);
    expect_replays(t, *run.report.failure, 20);
  }
}

TEST(Crashes, NoDirSyncLosesTheFileOnlyWhenDirectoryEntriesAreLost) {
  for (Persistence p : store::all_persistence_models()) {
    const Target t = crash_target(Variant::kNoDirSync, p, 2, 2);
    const CrashRun run = explore_crashes(t, "dfs", 0);
    if (p != Persistence::kDirEntries) {
      EXPECT_TRUE(run.report.verdict.passed()) << name(t) << ": " << run.report.verdict.message;
      EXPECT_TRUE(run.report.exhausted) << name(t);
      continue;
    }
    ASSERT_TRUE(run.report.failure.has_value()) << name(t);
    EXPECT_EQ(run.report.verdict.name(), "lost-acknowledged-write") << name(t);
    EXPECT_NE(run.report.verdict.message.find("is gone"), std::string::npos)
        << run.report.verdict.message;
    expect_replays(t, *run.report.failure, 20);
  }
}

TEST(Crashes, RandomAndPctFindTheLostWriteWithFixedSeeds) {
  for (const char* strategy : {"random", "pct"}) {
    const Target t = crash_target(Variant::kAckBeforeSync, Persistence::kPrefix, 3, 3);
    const CrashRun run = explore_crashes(t, strategy, 1000);
    ASSERT_TRUE(run.report.failure.has_value()) << strategy;
    EXPECT_EQ(run.report.verdict.name(), "lost-acknowledged-write") << strategy;
    expect_replays(t, *run.report.failure, 3);
  }
}

TEST(Crashes, TokensWithoutCrashesDecodeAsBefore) {
  Schedule s;
  std::string error;
  ASSERT_TRUE(parse_token(
      encode_token(Schedule{"lost-update", "safe", "threads", {{'a', 2}, {'o', 2}}, {0, 1, 0}}), &s,
      &error))
      << error;
  Target t;
  ASSERT_TRUE(target_of(s, &t, &error)) << error;
  EXPECT_EQ(t.crashes, 0);
  EXPECT_FALSE(t.crash_state.has_value());
  EXPECT_EQ(encode_token(schedule_for(t, {0, 1, 0})), encode_token(s));
}

}  // namespace
}  // namespace interleave::scenarios
