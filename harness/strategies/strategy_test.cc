#include "harness/strategies/strategy.h"

#include <array>
#include <map>

#include "gtest/gtest.h"

namespace interleave {
namespace {

TEST(SequentialStrategy, KeepsTheCurrentActorWhileItCanRun) {
  auto s = make_sequential_strategy();
  const std::array<int, 3> all{0, 1, 2};
  const std::array<int, 2> without0{1, 2};
  EXPECT_EQ(s->pick({0, kNoActor, false, all}), 0);
  EXPECT_EQ(s->pick({1, 2, true, all}), 2);
  EXPECT_EQ(s->pick({2, 0, false, without0}), 1);
}

TEST(RandomStrategy, IsDeterministicPerSeedAndReachesEveryActor) {
  const std::array<int, 3> all{0, 1, 2};
  auto draw = [&](std::uint64_t seed) {
    auto s = make_random_strategy();
    s->begin(seed, 3);
    std::vector<int> picks;
    for (std::uint32_t i = 0; i < 300; ++i) picks.push_back(s->pick({i, 0, true, all}));
    return picks;
  };
  EXPECT_EQ(draw(5), draw(5));
  EXPECT_NE(draw(5), draw(6));
  std::map<int, int> counts;
  for (int p : draw(5)) ++counts[p];
  for (int a : all) EXPECT_GT(counts[a], 60) << "actor " << a;
}

TEST(PctStrategy, WithDepthOneRunsTheHighestPriorityActorWithoutPreemption) {
  // Depth 1 has no change points: one actor runs to completion before any other.
  const std::array<int, 2> both{0, 1};
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    auto s = make_pct_strategy(1, 10);
    s->begin(seed, 2);
    const int first = s->pick({0, kNoActor, false, both});
    for (std::uint32_t i = 1; i < 10; ++i) EXPECT_EQ(s->pick({i, first, true, both}), first);
  }
}

TEST(PctStrategy, ChangePointsPreemptAtMostDepthMinusOneTimes) {
  const std::array<int, 2> both{0, 1};
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    auto s = make_pct_strategy(3, 20);
    s->begin(seed, 2);
    int current = s->pick({0, kNoActor, false, both});
    int switches = 0;
    for (std::uint32_t i = 1; i < 20; ++i) {
      const int next = s->pick({i, current, true, both});
      switches += next != current;
      current = next;
    }
    EXPECT_LE(switches, 2) << "seed " << seed;
  }
}

}  // namespace
}  // namespace interleave
