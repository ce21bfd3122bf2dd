#include <set>

#include "gtest/gtest.h"
#include "harness/explore.h"
#include "harness/schedule.h"
#include "scenarios/program.h"
#include "scenarios/registry.h"

namespace interleave::scenarios {
namespace {

#ifdef INTERLEAVE_TSAN
constexpr std::uint64_t kCleanBudget = 1500;  // ThreadSanitizer runs several times slower
#else
constexpr std::uint64_t kCleanBudget = 3000;
#endif

Target target(const Scenario& s, store::Variant v) {
  return Target{&s, v, Mode::kThreads, s.default_sizes()};
}

std::vector<const Scenario*> matrix_scenarios() {
  std::vector<const Scenario*> out;
  for (const Scenario* s : all_scenarios()) {
    if (!s->test_only()) out.push_back(s);
  }
  return out;
}

TEST(Scenarios, UnlockedStoreShowsEachScenariosBugForEverySeedAndStrategy) {
  ThreadsBackend backend;
  for (const Scenario* s : matrix_scenarios()) {
    for (StrategyKind kind : {StrategyKind::kRandom, StrategyKind::kPct}) {
      for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        const Target t = target(*s, store::Variant::kUnlocked);
        const ExploreReport report =
            explore(factory_for(t), {.strategy = kind, .seed = seed, .executions = 100}, backend);
        ASSERT_TRUE(report.failure.has_value())
            << s->name() << " " << to_string(kind) << " seed " << seed;
        EXPECT_EQ(report.verdict.bug, s->finds()) << s->name() << " " << to_string(kind) << " seed "
                                                  << seed << ": " << report.verdict.message;
      }
    }
  }
}

TEST(Scenarios, MutexStoreIsCleanInThreadsMode) {
  ThreadsBackend backend;
  for (const Scenario* s : matrix_scenarios()) {
    ASSERT_EQ(s->expect(store::Variant::kMutex, Mode::kThreads), Expect::kClean);
    for (StrategyKind kind : {StrategyKind::kRandom, StrategyKind::kPct}) {
      const ExploreReport report =
          explore(factory_for(target(*s, store::Variant::kMutex)),
                  {.strategy = kind, .seed = 1, .executions = kCleanBudget}, backend);
      EXPECT_TRUE(report.verdict.passed()) << s->name() << ": " << report.verdict.message;
      EXPECT_EQ(report.stats.executions, kCleanBudget);
    }
  }
}

TEST(Scenarios, EveryFailureReplaysFromItsTokenToTheSameVerdictAndTrace) {
  ThreadsBackend backend;
  for (const Scenario* s : all_scenarios()) {
    const Target t = target(*s, store::Variant::kUnlocked);
    const ExploreReport found = explore(factory_for(t), {.seed = 4}, backend);
    ASSERT_TRUE(found.failure.has_value()) << s->name();
    const std::string token = encode_token(schedule_for(t, found.failure->result.decisions()));
    Schedule parsed;
    std::string error;
    ASSERT_TRUE(parse_token(token, &parsed, &error)) << error;
    Target replayed_target;
    ASSERT_TRUE(target_of(parsed, &replayed_target, &error)) << error;
    EXPECT_EQ(replayed_target.scenario, s);
    for (int round = 0; round < 2; ++round) {
      const ExploreReport replayed =
          replay(factory_for(replayed_target), parsed.decisions, backend);
      EXPECT_FALSE(replayed.error.has_value()) << *replayed.error;
      EXPECT_EQ(replayed.verdict, found.verdict) << s->name();
      ASSERT_TRUE(replayed.failure.has_value());
      EXPECT_EQ(replayed.failure->result.trace, found.failure->result.trace) << s->name();
    }
  }
}

TEST(Scenarios, LockOrderInversionIsADeadlock) {
  ThreadsBackend backend;
  const ExploreReport report = explore(
      factory_for(target(lock_order_inversion_scenario(), store::Variant::kMutex)), {}, backend);
  ASSERT_TRUE(report.failure.has_value());
  EXPECT_EQ(report.verdict.bug, BugKind::kDeadlock);
  EXPECT_NE(report.verdict.message.find("waits for lock:"), std::string::npos)
      << report.verdict.message;
}

TEST(Scenarios, LargerSizesStillFindTheBug) {
  ThreadsBackend backend;
  for (const Scenario* s : matrix_scenarios()) {
    Target t = target(*s, store::Variant::kUnlocked);
    t.sizes = {.actors = 3, .ops = 3};
    const ExploreReport report = explore(factory_for(t), {.seed = 1}, backend);
    EXPECT_EQ(report.verdict.bug, s->finds()) << s->name();
  }
}

TEST(Scenarios, ExecutionsLeaveNoDataDirectoryBehind) {
  auto count_dirs = [] {
    std::size_t n = 0;
    for (const auto& entry : std::filesystem::directory_iterator(DataDir::base())) {
      n += entry.path().filename().string().rfind("interleave-", 0) == 0;
    }
    return n;
  };
  const std::size_t before = count_dirs();
  ThreadsBackend backend;
  explore(factory_for(target(lost_update_scenario(), store::Variant::kMutex)), {.executions = 50},
          backend);
  EXPECT_EQ(count_dirs(), before);
}

TEST(Scenarios, TokensWithUnknownNamesOrBadSizesAreRejected) {
  Schedule s = schedule_for(target(torn_read_scenario(), store::Variant::kMutex), {0});
  Target t;
  std::string error;
  s.sizes = {{'a', 1}, {'o', 2}};
  EXPECT_FALSE(target_of(s, &t, &error));
  EXPECT_NE(error.find("at least 2 actors"), std::string::npos) << error;
  s.store = "nope";
  EXPECT_FALSE(target_of(s, &t, &error));
  EXPECT_NE(error.find("unknown store 'nope'"), std::string::npos) << error;
}

}  // namespace
}  // namespace interleave::scenarios
