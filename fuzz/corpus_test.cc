// The fuzz corpora replayed as ordinary tests, in every build (no libFuzzer needed): every input
// goes through the very function the fuzz target's LLVMFuzzerTestOneInput calls, with aborting on
// a finding turned off so that inputs that find known bugs are tests too.
//
// INTERLEAVE_FUZZ_DIR (a compile definition) is the source tree's fuzz/ directory.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/bytes_strategy.h"
#include "fuzz/interleaving_coverage.h"
#include "fuzz/runner.h"
#include "harness/explore/explore.h"
#include "scenarios/registry.h"

namespace interleave::scenarios {
// Test names and failure messages show the mode by name.
void PrintTo(Mode mode, std::ostream* out) { *out << to_string(mode); }
}  // namespace interleave::scenarios

namespace interleave::fuzz {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

const fs::path kFuzzDir = INTERLEAVE_FUZZ_DIR;

// The files of `dir` (sorted, so failures read the same on every run); none if it does not exist.
std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) return out;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Bytes read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

class CorpusTest : public ::testing::Test {
 protected:
  void SetUp() override { set_abort_on_finding(false); }
  void TearDown() override { set_abort_on_finding(true); }
};

TEST_F(CorpusTest, EveryLogInputRecoversAsSpecified) {
  const std::vector<fs::path> inputs = files_in(kFuzzDir / "corpus" / "log_fuzzer");
  ASSERT_GE(inputs.size(), 5u) << "the log seed corpus is missing; run interleave_fuzz_seeds";
  for (const fs::path& input : inputs) {
    EXPECT_EQ(fuzz_log_one(read_bytes(input)), std::nullopt) << input;
  }
}

// One mode per test (ctest runs each test in its own process): under ThreadSanitizer a fork is
// fatal once a threads-mode engine has started its actor threads.
class ScheduleCorpusTest : public CorpusTest,
                           public ::testing::WithParamInterface<scenarios::Mode> {};

// A seed that finds a bug in threads mode would end every campaign at once (campaigns run threads
// mode unless told otherwise): bug-finding inputs belong in fuzz/regressions/. In the other modes
// a bug is allowed where its scenario expects one.
TEST_P(ScheduleCorpusTest, EverySeedPassesInThreadsModeAndFindsOnlyExpectedBugsElsewhere) {
  const scenarios::Mode mode = GetParam();
  const std::vector<fs::path> inputs = files_in(kFuzzDir / "corpus" / "schedule_fuzzer");
  ASSERT_GE(inputs.size(), fuzzable_scenarios().size());
  for (const fs::path& input : inputs) {
    const std::optional<FuzzRun> run = fuzz_schedule_one(read_bytes(input), FuzzConfig{mode, {}});
    ASSERT_TRUE(run.has_value()) << input << " does not decode";
    if (run->verdict.passed()) continue;
    EXPECT_NE(mode, scenarios::Mode::kThreads)
        << input << " finds " << run->verdict.name() << ": move it to fuzz/regressions";
    EXPECT_EQ(run->target.scenario->expect(run->target.variant, mode), scenarios::Expect::kBug)
        << input << " finds an unexpected " << run->verdict.name() << " on "
        << describe(run->target) << ": " << run->verdict.message << "\n  " << run->token;
  }
}

// Each regression input finds, in the mode its directory names, a bug its scenario expects there,
// and the token printed for it replays the same verdict and trace.
TEST_P(ScheduleCorpusTest, EveryRegressionFindsItsExpectedBugAndItsTokenReplaysIt) {
  const scenarios::Mode mode = GetParam();
  const fs::path dir = kFuzzDir / "regressions" / "schedule_fuzzer" / scenarios::to_string(mode);
  const std::vector<fs::path> inputs = files_in(dir);
  EXPECT_GE(inputs.size(), 3u) << "the schedule regressions are missing; run interleave_fuzz_seeds";
  for (const fs::path& input : inputs) {
    const std::optional<FuzzRun> run = fuzz_schedule_one(read_bytes(input), FuzzConfig{mode, {}});
    ASSERT_TRUE(run.has_value()) << input << " does not decode";
    ASSERT_FALSE(run->verdict.passed())
        << input << " no longer finds a bug; if the store's yield points changed, regenerate "
        << "with `interleave_fuzz_seeds fuzz`";
    EXPECT_EQ(run->target.scenario->expect(run->target.variant, mode), scenarios::Expect::kBug)
        << input << ": " << describe(run->target);
    Schedule schedule;
    std::string error;
    ASSERT_TRUE(parse_token(run->token, &schedule, &error)) << error;
    Engine engine(scenarios::topology_of(mode, run->target.sizes), scenarios::scenario_instances());
    const ExploreReport replayed =
        replay(scenarios::factory_for(run->target), schedule.decisions, engine);
    EXPECT_EQ(replayed.error, std::nullopt) << input;
    EXPECT_EQ(replayed.verdict, run->verdict) << input;
    ASSERT_TRUE(replayed.failure.has_value());
    EXPECT_EQ(replayed.failure->result.trace, run->result.trace) << input;
  }
}

TEST_P(ScheduleCorpusTest, AnInputRunsTheSameExecutionEveryTime) {
  const scenarios::Mode mode = GetParam();
  const fs::path dir = kFuzzDir / "regressions" / "schedule_fuzzer" / scenarios::to_string(mode);
  for (const fs::path& input : files_in(dir)) {
    const Bytes bytes = read_bytes(input);
    const std::optional<FuzzRun> first = fuzz_schedule_one(bytes, FuzzConfig{mode, {}});
    const std::optional<FuzzRun> second = fuzz_schedule_one(bytes, FuzzConfig{mode, {}});
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->token, second->token) << input;
    EXPECT_EQ(first->verdict, second->verdict) << input;
    if (mode == scenarios::Mode::kThreads) {  // the environment's config: threads, unpinned
      EXPECT_EQ(replay_token_for_input(bytes), first->token) << input;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, ScheduleCorpusTest,
                         ::testing::Values(scenarios::Mode::kProcesses, scenarios::Mode::kMixed,
                                           scenarios::Mode::kThreads),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(ScheduleInput, ShortInputsDoNotDecodeAndAPinnedStoreIgnoresByteOne) {
  scenarios::Target target;
  std::vector<std::uint8_t> decisions;
  EXPECT_FALSE(decode_fuzz_input(Bytes{0, 1}, FuzzConfig{}, &target, &decisions));
  ASSERT_TRUE(decode_fuzz_input(Bytes{1, 2, 5, 9, 8}, FuzzConfig{}, &target, &decisions));
  EXPECT_EQ(target.scenario, fuzzable_scenarios()[1]);
  EXPECT_EQ(target.variant, store::all_variants()[2]);
  EXPECT_EQ(target.sizes.actors, 3);  // 2 + (5 & 1)
  EXPECT_EQ(target.sizes.ops, 3);     // 1 + (5 >> 1) % 3
  EXPECT_EQ(decisions, (std::vector<std::uint8_t>{9, 8}));
  const FuzzConfig pinned{scenarios::Mode::kMixed, store::Variant::kSafe};
  ASSERT_TRUE(decode_fuzz_input(Bytes{0, 0, 0}, pinned, &target, &decisions));
  EXPECT_EQ(target.variant, store::Variant::kSafe);
  EXPECT_EQ(target.mode, scenarios::Mode::kMixed);
  EXPECT_EQ(target.sizes.actors, 4);
  EXPECT_EQ(target.sizes.processes, 2);
  EXPECT_TRUE(decisions.empty());
}

TEST(BytesStrategy, ReadsOneByteOnlyPerRealChoiceThenPicksTheLowestRunnable) {
  const Bytes bytes{1, 5};
  BytesStrategy strategy(bytes);
  strategy.begin(0, 3);
  const int one[] = {2};
  const int three[] = {0, 1, 2};
  EXPECT_EQ(strategy.pick({0, kNoActor, false, one}), 2);  // forced: no byte
  EXPECT_EQ(strategy.pick({1, 2, true, three}), 1);        // 1 % 3
  EXPECT_EQ(strategy.pick({2, 1, true, three}), 2);        // 5 % 3
  EXPECT_EQ(strategy.pick({3, 2, true, three}), 0);        // out of bytes
  EXPECT_EQ(strategy.consumed(), 2u);
}

TEST(InterleavingCoverage, CountsSwitchPairsAndDepthDeterministically) {
  const Trace trace{{0, 0, "start"}, {1, 0, "a"}, {2, 1, "start"}, {3, 0, "b"}};
  const std::vector<std::uint8_t> before(interleaving_counters().begin(),
                                         interleaving_counters().end());
  record_interleaving_coverage(trace);
  std::size_t bumped = 0;
  for (std::size_t i = 0; i < before.size(); ++i) bumped += interleaving_counters()[i] != before[i];
  // 2 switch pairs and 4 (label, depth) cells, barring hash collisions.
  EXPECT_GE(bumped, 5u);
  EXPECT_LE(bumped, 6u);
  EXPECT_EQ(switch_bucket(3), 3);
  EXPECT_EQ(switch_bucket(4), 4);
  EXPECT_EQ(switch_bucket(15), 5);
  EXPECT_EQ(switch_bucket(1000), 7);
}

}  // namespace
}  // namespace interleave::fuzz
