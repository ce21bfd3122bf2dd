// Systematic exploration and shrinking on the real scenarios and stores.
#include <fstream>
#include <set>
#include <sstream>

#include "fmt/format.h"
#include "gtest/gtest.h"
#include "harness/backends/engine.h"
#include "harness/explore/explore.h"
#include "harness/strategies/dependence.h"
#include "scenarios/linearizability.h"
#include "scenarios/program.h"
#include "scenarios/registry.h"

namespace interleave::scenarios {
namespace {

// Mixed mode spreads the actors over two processes.
Target target(const Scenario& s, store::Variant v, int actors, int ops,
              Mode mode = Mode::kThreads) {
  return Target{&s, v, mode, Sizes{actors, ops, mode == Mode::kMixed ? 2 : 1}};
}

std::string describe(const Target& t) {
  return fmt::format("{} on {} ({}, {}x{})", t.scenario->name(), store::to_string(t.variant),
                     to_string(t.mode), t.sizes.actors, t.sizes.ops);
}

Engine engine_for(const Target& t) {
  return Engine(topology_of(t.mode, t.sizes), scenario_instances());
}

// Everything a search reached: the verdicts, and the final contents of database.bin.
struct Reached {
  std::set<std::string> verdicts;
  std::set<std::string> logs;
  std::set<std::pair<int, std::vector<int>>> schedules;  // (preemptions, actor of every step)
};

// A ScenarioProgram that also records what the execution left on disk.
class Recording final : public Program {
 public:
  Recording(const Target& t, Reached* reached) : inner_(t), reached_(reached) {}
  Topology topology() const override { return inner_.topology(); }
  std::string spec() const override { return inner_.spec(); }
  void begin(std::span<std::byte> scratch) override { inner_.begin(scratch); }
  Verdict judge(const ExecutionResult& result, std::span<const std::byte> scratch) override {
    std::ifstream in(inner_.data_dir() / store::kDataFileName, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    reached_->logs.insert(bytes.str());
    Verdict verdict = inner_.judge(result, scratch);
    reached_->verdicts.insert(std::string(verdict.name()));
    reached_->schedules.emplace(count_preemptions(result.trace), result.decisions());
    return verdict;
  }

 private:
  ScenarioProgram inner_;
  Reached* reached_;
};

void expect_same(const Reached& got, const Reached& want, const std::string& what) {
  EXPECT_EQ(got.verdicts, want.verdicts) << what;
  EXPECT_EQ(got.logs, want.logs) << what;
}

// Runs the whole space that `options` describes (its strategy, bound, sleep sets).
Reached reach(const Target& t, ExploreOptions options, ExploreReport* report) {
  Reached reached;
  Engine engine = engine_for(t);
  const ProgramFactory factory = [&] { return std::make_unique<Recording>(t, &reached); };
  options.executions = 0;
  options.stop_at_first_bug = false;
  options.shrink = false;
  *report = explore(factory, options, engine);
  return reached;
}

// True when every write succeeded: a failure then shows in a value read back, not in an error (a
// write that failed may or may not have taken effect, which the checker allows).
bool shows_in_values(const History& history) {
  for (const Op& op : history.ops) {
    if (op.kind != OpKind::kGet && !op.status.ok()) return false;
  }
  return true;
}

// A ScenarioProgram that runs the linearizability checker on its own on every history.
class CheckedHistories final : public Program {
 public:
  CheckedHistories(const Target& t, int* rejected, int* accepted)
      : inner_(t), rejected_(rejected), accepted_(accepted) {}
  Topology topology() const override { return inner_.topology(); }
  std::string spec() const override { return inner_.spec(); }
  void begin(std::span<std::byte> scratch) override { inner_.begin(scratch); }
  Verdict judge(const ExecutionResult& result, std::span<const std::byte> scratch) override {
    const Verdict verdict = inner_.judge(result, scratch);
    const History history = inner_.history(scratch);
    const bool linearizable = check_linearizable(history).linearizable;
    if (verdict.passed()) {
      *accepted_ += linearizable;
      EXPECT_TRUE(linearizable);
    } else if (shows_in_values(history)) {
      // The bug shows in a value read back (stale, torn or lost): the checker must reject it.
      *rejected_ += !linearizable;
      EXPECT_FALSE(linearizable) << verdict.message;
    }
    return verdict;
  }

 private:
  ScenarioProgram inner_;
  int* rejected_;
  int* accepted_;
};

#ifdef INTERLEAVE_TSAN
constexpr int kCheckedExecutions = 15;  // ThreadSanitizer runs several times slower
#else
constexpr int kCheckedExecutions = 60;
#endif

TEST(Exploration, TheCheckerAcceptsSafeHistoriesAndRejectsEveryFailureThatShowsInAResult) {
  for (Mode mode : all_modes()) {
    for (const Scenario* s :
         {&lost_update_scenario(), &torn_read_scenario(), &stale_read_scenario()}) {
      // In event-loop mode only a store that awaits can break: `async` there, `unlocked` elsewhere.
      const store::Variant broken =
          mode == Mode::kEventLoop ? store::Variant::kAsync : store::Variant::kUnlocked;
      for (store::Variant v : {store::Variant::kSafe, broken}) {
        Target t{s, v, mode, default_sizes(mode)};
        int rejected = 0;
        int accepted = 0;
        Engine engine(t.topology(), scenario_instances());
        const ProgramFactory factory = [&] {
          return std::make_unique<CheckedHistories>(t, &rejected, &accepted);
        };
        explore(factory,
                {.executions = kCheckedExecutions, .stop_at_first_bug = false, .shrink = false},
                engine);
        if (v == store::Variant::kSafe) {
          EXPECT_EQ(accepted, kCheckedExecutions) << s->name() << " " << to_string(mode);
        } else {
          EXPECT_GT(rejected, 0) << s->name() << " " << to_string(mode);
        }
      }
    }
  }
}

TEST(Exploration, DporExhaustsThreeActorsTimesTwoPutsOnMutexWithinThreeHundredExecutions) {
  const Target t = target(duplicate_offsets_scenario(), store::Variant::kMutex, 3, 2);
  Engine engine = engine_for(t);
  const ExploreReport report =
      explore(factory_for(t), {.strategy = "dpor", .executions = 0}, engine);
  EXPECT_TRUE(report.exhausted);
  EXPECT_TRUE(report.verdict.passed()) << report.verdict.message;
  EXPECT_LE(report.stats.executions, 300u);
}

TEST(Exploration, UnboundedDfsExhaustsThreeActorsTimesTwoPutsOnMutex) {
  const Target t = target(duplicate_offsets_scenario(), store::Variant::kMutex, 3, 2);
  Engine engine = engine_for(t);
  const ExploreReport report =
      explore(factory_for(t), {.strategy = "dfs", .executions = 0}, engine);
  EXPECT_TRUE(report.exhausted);
  EXPECT_TRUE(report.verdict.passed()) << report.verdict.message;
  // 255 executions today. The bound catches a regression to enumerating blocked lock attempts
  // (1.6 million executions without exhausting) or to branching below redundant steps (2,777).
  EXPECT_LE(report.stats.executions, 1'000u);
}

// Scenarios small enough for unbounded DFS (with sleep sets) to enumerate: every 2 x 1 in threads
// mode, the 2 x 2 targets that it exhausted within about 3,000 executions (before it stopped
// below redundant steps), one 3 x 2 and three mixed ones.
// Bigger ones agree too but take minutes (torn-read on unlocked, threads: 20,160 DFS executions;
// lost-update on flock, threads: 438,237).
std::vector<Target> enumerable() {
  using store::Variant;
  constexpr Mode kThreads = Mode::kThreads;
  constexpr Mode kProcesses = Mode::kProcesses;
  std::vector<Target> out;
  for (Variant v : {Variant::kUnlocked, Variant::kMutex, Variant::kOAppend, Variant::kFlock}) {
    out.push_back(target(lost_update_scenario(), v, 2, 1));
    out.push_back(target(duplicate_offsets_scenario(), v, 2, 1));
    out.push_back(target(torn_read_scenario(), v, 2, 1));
  }
  const struct {
    const Scenario& scenario;
    Variant variant;
    Mode mode;
  } two_by_two[] = {
      {lost_update_scenario(), Variant::kUnlocked, kProcesses},
      {lost_update_scenario(), Variant::kMutex, kThreads},
      {lost_update_scenario(), Variant::kOAppend, kThreads},
      {lost_update_scenario(), Variant::kOAppend, kProcesses},
      {lost_update_scenario(), Variant::kFlock, kProcesses},
      {lost_update_scenario(), Variant::kSafe, kThreads},
      {duplicate_offsets_scenario(), Variant::kUnlocked, kThreads},
      {duplicate_offsets_scenario(), Variant::kUnlocked, kProcesses},
      {duplicate_offsets_scenario(), Variant::kMutex, kThreads},
      {duplicate_offsets_scenario(), Variant::kMutex, kProcesses},
      {duplicate_offsets_scenario(), Variant::kOAppend, kProcesses},
      {duplicate_offsets_scenario(), Variant::kFlock, kProcesses},
      {duplicate_offsets_scenario(), Variant::kSafe, kThreads},
      {torn_read_scenario(), Variant::kMutex, kThreads},
      {torn_read_scenario(), Variant::kOAppend, kThreads},
      {torn_read_scenario(), Variant::kOAppend, kProcesses},
      {torn_read_scenario(), Variant::kFlock, kProcesses},
      {stale_read_scenario(), Variant::kMutex, kThreads},
      {stale_read_scenario(), Variant::kOAppend, kThreads},
      {stale_read_scenario(), Variant::kOAppend, kProcesses},
  };
  for (const auto& t : two_by_two) out.push_back(target(t.scenario, t.variant, 2, 2, t.mode));
  out.push_back(target(duplicate_offsets_scenario(), Variant::kMutex, 3, 2));
  // Mixed, 2 processes x 2 threads x 1 operation: Mutexes private to a process, a flock that
  // excludes the other process but not a sibling thread.
  out.push_back(target(lost_update_scenario(), Variant::kSafe, 4, 1, Mode::kMixed));
  out.push_back(target(duplicate_offsets_scenario(), Variant::kSafe, 4, 1, Mode::kMixed));
  out.push_back(target(duplicate_offsets_scenario(), Variant::kMutex, 4, 1, Mode::kMixed));
  return out;
}

TEST(Exploration, DporReachesTheSameVerdictsAndFinalLogsAsUnboundedDfs) {
  for (const Target& t : enumerable()) {
    const std::string name = describe(t);
    ExploreReport dfs_report;
    ExploreReport dpor_report;
    const Reached dfs = reach(t, {.strategy = "dfs"}, &dfs_report);
    const Reached dpor = reach(t, {.strategy = "dpor"}, &dpor_report);
    ASSERT_TRUE(dfs_report.exhausted) << name;
    ASSERT_TRUE(dpor_report.exhausted) << name;
    expect_same(dpor, dfs,
                fmt::format("{}: dpor ({} executions) against dfs ({})", name,
                            dpor_report.stats.executions, dfs_report.stats.executions));
    EXPECT_LE(dpor_report.stats.executions, dfs_report.stats.executions) << name;
  }
}

// Scenarios small enough for DFS without sleep sets, which runs every interleaving of every step:
// the reference for both reductions (sleep sets in DFS; races and sleep sets in DPOR).
std::vector<Target> enumerable_without_reduction() {
  using store::Variant;
  std::vector<Target> out;
  for (Variant v : {Variant::kUnlocked, Variant::kMutex, Variant::kOAppend}) {
    out.push_back(target(lost_update_scenario(), v, 2, 1));  // unlocked: 3,186 interleavings
    out.push_back(target(duplicate_offsets_scenario(), v, 2, 1));
    out.push_back(target(torn_read_scenario(), v, 2, 1));
  }
  out.push_back(target(lost_update_scenario(), Variant::kMutex, 2, 2));
  out.push_back(target(lost_update_scenario(), Variant::kSafe, 2, 2));
  out.push_back(target(duplicate_offsets_scenario(), Variant::kMutex, 2, 2));
  out.push_back(target(duplicate_offsets_scenario(), Variant::kOAppend, 2, 2, Mode::kProcesses));
  out.push_back(target(duplicate_offsets_scenario(), Variant::kFlock, 2, 2, Mode::kProcesses));
  out.push_back(target(torn_read_scenario(), Variant::kFlock, 2, 2, Mode::kProcesses));
  out.push_back(target(torn_read_scenario(), Variant::kMutex, 2, 2));
  out.push_back(target(stale_read_scenario(), Variant::kMutex, 2, 2));  // 860 interleavings
  return out;
}

TEST(Exploration, EveryInterleavingReachesWhatTheReducedSearchesReach) {
  for (const Target& t : enumerable_without_reduction()) {
    const std::string name = describe(t);
    ExploreReport plain_report;
    ExploreReport dfs_report;
    ExploreReport dpor_report;
    const Reached plain = reach(t, {.strategy = "dfs", .sleep_sets = false}, &plain_report);
    const Reached dfs = reach(t, {.strategy = "dfs"}, &dfs_report);
    const Reached dpor = reach(t, {.strategy = "dpor"}, &dpor_report);
    ASSERT_TRUE(plain_report.exhausted) << name;
    expect_same(dfs, plain, name + ": dfs against every interleaving");
    expect_same(dpor, plain, name + ": dpor against every interleaving");
    EXPECT_LE(dfs_report.stats.executions, plain_report.stats.executions) << name;
  }
}

TEST(Exploration, DfsWithAPreemptionBoundRunsEveryScheduleWithinTheBound) {
  for (const Target& t : {target(lost_update_scenario(), store::Variant::kMutex, 2, 2),
                          target(duplicate_offsets_scenario(), store::Variant::kUnlocked, 2, 1),
                          target(torn_read_scenario(), store::Variant::kOAppend, 2, 1)}) {
    ExploreReport report;
    const Reached every = reach(t, {.strategy = "dfs", .sleep_sets = false}, &report);
    ASSERT_TRUE(report.exhausted) << describe(t);
    for (int bound = 0; bound <= 2; ++bound) {
      const Reached bounded = reach(t, {.strategy = "dfs", .preemption_bound = bound}, &report);
      EXPECT_TRUE(report.exhausted) << describe(t) << ", bound " << bound;
      std::set<std::pair<int, std::vector<int>>> within;
      for (const auto& schedule : every.schedules) {
        if (schedule.first <= bound) within.insert(schedule);
      }
      EXPECT_EQ(bounded.schedules, within) << describe(t) << ", bound " << bound;
    }
  }
}

TEST(Exploration, DfsAndDporFindTheBugOfEveryScenarioOnUnlocked) {
  for (const Scenario* s :
       {&lost_update_scenario(), &duplicate_offsets_scenario(), &torn_read_scenario()}) {
    const Target t = target(*s, store::Variant::kUnlocked, 2, 2);
    Engine engine = engine_for(t);
    for (const char* kind : {"dfs", "dpor"}) {
      const ExploreReport report =
          explore(factory_for(t), {.strategy = kind, .executions = 0}, engine);
      EXPECT_EQ(report.verdict.bug, s->finds()) << s->name() << " " << kind;
    }
  }
}

TEST(Exploration, DfsBoundedToOnePreemptionFindsTheLostUpdate) {
  const Target t = target(lost_update_scenario(), store::Variant::kUnlocked, 2, 2);
  Engine engine = engine_for(t);
  const ExploreReport report =
      explore(factory_for(t), {.strategy = "dfs", .executions = 0, .preemption_bound = 1}, engine);
  ASSERT_TRUE(report.failure.has_value());
  EXPECT_EQ(report.verdict.bug, BugKind::kLostUpdate);
  EXPECT_EQ(report.failure->preemptions, 1);
}

TEST(Exploration, ReportedBugsAreShrunkToOnePreemptionAndTheShrunkScheduleReplays) {
  for (const Scenario* s : {&lost_update_scenario(), &duplicate_offsets_scenario()}) {
    const Target t = target(*s, store::Variant::kUnlocked, 2, 2);
    Engine engine = engine_for(t);
    for (const char* kind : {"random", "pct"}) {
      for (std::uint64_t seed = 1; seed <= 5; ++seed) {
        const ExploreReport report =
            explore(factory_for(t), {.strategy = kind, .seed = seed}, engine);
        ASSERT_TRUE(report.failure.has_value()) << s->name();
        EXPECT_EQ(report.failure->preemptions, 1) << s->name() << " seed " << seed;
        EXPECT_EQ(count_preemptions(report.failure->result.trace), 1);
        const ExploreReport replayed =
            replay(factory_for(t), report.failure->result.decisions(), engine);
        EXPECT_EQ(replayed.verdict.bug, s->finds()) << s->name() << " seed " << seed;
        EXPECT_EQ(replayed.failure->result.trace, report.failure->result.trace);
      }
    }
  }
}

TEST(Exploration, DfsAndDporOnTwoEnginesExhaustTogetherAndReportTheSameFailureEveryRun) {
  const Target clean = target(duplicate_offsets_scenario(), store::Variant::kMutex, 3, 2);
  Engine a = engine_for(clean);
  Engine b = engine_for(clean);
  Engine* const engines[] = {&a, &b};
  for (const char* kind : {"dfs", "dpor"}) {
    const ExploreReport report =
        explore(factory_for(clean), {.strategy = kind, .executions = 0}, engines);
    EXPECT_TRUE(report.exhausted) << kind;
    EXPECT_TRUE(report.verdict.passed()) << kind << ": " << report.verdict.message;
  }
  for (const Scenario* s :
       {&lost_update_scenario(), &duplicate_offsets_scenario(), &torn_read_scenario()}) {
    const Target t = target(*s, store::Variant::kUnlocked, 2, 2);
    Engine c = engine_for(t);
    Engine d = engine_for(t);
    Engine* const pair[] = {&c, &d};
    for (const char* kind : {"dfs", "dpor"}) {
      const ExploreOptions options{.strategy = kind, .executions = 0};
      const ExploreReport first = explore(factory_for(t), options, pair);
      const ExploreReport second = explore(factory_for(t), options, pair);
      ASSERT_TRUE(first.failure && second.failure) << s->name() << " " << kind;
      EXPECT_EQ(first.verdict.bug, s->finds()) << s->name() << " " << kind;
      EXPECT_EQ(first.failure->result.decisions(), second.failure->result.decisions())
          << s->name() << " " << kind;
    }
  }
}

TEST(Exploration, RandomAndPctOnTwoEnginesReportTheFailureOneEngineReports) {
  const Target t = target(torn_read_scenario(), store::Variant::kUnlocked, 2, 2);
  Engine a = engine_for(t);
  Engine b = engine_for(t);
  Engine* const both[] = {&a, &b};
  for (const char* kind : {"random", "pct"}) {
    const ExploreOptions options{.strategy = kind, .seed = 7, .executions = 200};
    const ExploreReport one = explore(factory_for(t), options, a);
    const ExploreReport two = explore(factory_for(t), options, both);
    ASSERT_TRUE(one.failure && two.failure) << kind;
    EXPECT_EQ(one.failure->execution, two.failure->execution) << kind;
    EXPECT_EQ(one.failure->result.decisions(), two.failure->result.decisions()) << kind;
  }
}

TEST(Exploration, ShardsTogetherRunExactlyTheExecutionsOfTheWholeCampaign) {
  const Target t = target(lost_update_scenario(), store::Variant::kMutex, 2, 2);
  Engine engine = engine_for(t);
  for (const char* kind : {"random", "pct"}) {
    const ExploreReport whole =
        explore(factory_for(t), {.strategy = kind, .executions = 50}, engine);
    std::set<std::uint64_t> together;
    std::size_t total = 0;
    for (std::uint32_t i = 0; i < 2; ++i) {
      const ExploreReport part =
          explore(factory_for(t), {.strategy = kind, .executions = 50, .shard = {i, 2}}, engine);
      together.insert(part.executed.begin(), part.executed.end());
      total += part.executed.size();
    }
    EXPECT_EQ(total, together.size()) << "shards overlap";
    EXPECT_EQ(together, std::set<std::uint64_t>(whole.executed.begin(), whole.executed.end()));
  }
  // DFS deals subtrees out to shards: the parts add up to the whole, each exhausted.
  const ExploreReport whole = explore(factory_for(t), {.strategy = "dfs", .executions = 0}, engine);
  std::uint64_t sum = 0;
  for (std::uint32_t i = 0; i < 2; ++i) {
    const ExploreReport part =
        explore(factory_for(t), {.strategy = "dfs", .executions = 0, .shard = {i, 2}}, engine);
    EXPECT_TRUE(part.exhausted);
    sum += part.stats.executions;
  }
  EXPECT_TRUE(whole.exhausted);
  EXPECT_EQ(sum, whole.stats.executions + 1) << "each shard reruns the shared first execution";
}

}  // namespace
}  // namespace interleave::scenarios
