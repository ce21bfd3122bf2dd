// Crash points (docs/crashes.md): a crash is a decision, and nothing acknowledged may be lost.
// Fixed seeds, exhaustive searches, and every failure replayed from its token.
#include <algorithm>

#include "fmt/format.h"
#include "gtest/gtest.h"
#include "harness/backends/engine.h"
#include "harness/explore/explore.h"
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
  return Engine(t.topology(), scenario_instances(), EngineOptions{.limits = t.limits()});
}

struct CrashRun {
  ExploreReport report;
  std::shared_ptr<CrashStates> states = std::make_shared<CrashStates>();
  // Kept: the labels of steps from worker processes are interned by the engine that ran them.
  std::unique_ptr<Engine> engine;
};

CrashRun explore_crashes(const Target& t, const std::string& strategy, std::uint64_t executions) {
  CrashRun run;
  run.engine = std::make_unique<Engine>(t.topology(), scenario_instances(),
                                        EngineOptions{.limits = t.limits()});
  ExploreOptions options;
  options.strategy = strategy;
  options.executions = executions;
  options.seed = 7;
  run.report = explore(factory_for(t, run.states), options, *run.engine);
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

// A trace as text: actor, label and object of every step (labels of steps that came from another
// process are interned per engine, so traces of two engines compare by text).
std::vector<std::string> text_of(const Trace& trace) {
  std::vector<std::string> out;
  for (const Step& s : trace)
    out.push_back(fmt::format("{} {} {}", s.actor, s.label, s.object_text()));
  return out;
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
    EXPECT_EQ(text_of(replayed.failure->result.trace), text_of(failure.result.trace)) << token;
    EXPECT_EQ(replayed.failure->result.outcome, Outcome::kCrashed) << token;
  }
}

// Every persistence model in threads and event-loop mode (one process, the files in memory) and in
// processes mode (on disk, journaled by every worker; a power loss stops every process, a crash
// under `process` one).
class EveryMode : public testing::TestWithParam<Mode> {
 protected:
  Target target(Variant v, Persistence p, int actors, int ops) const {
    Target t = crash_target(v, p, actors, ops);
    t.mode = GetParam();
    return t;
  }
  // The exhaustive search to run: DFS, but DPOR for a crash of one process among several (its
  // recovery while the others go on makes DFS's tree some 30 times larger).
  static std::string exhaustive(const Target& t) {
    return t.mode == Mode::kProcesses && !t.power_loss() ? "dpor" : "dfs";
  }
};

INSTANTIATE_TEST_SUITE_P(Modes, EveryMode,
                         testing::Values(Mode::kThreads, Mode::kProcesses, Mode::kEventLoop),
                         [](const auto& info) {
                           std::string name(to_string(info.param));
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST_P(EveryMode, SafeIsCleanUnderEveryPersistenceModelExhaustivelyAt2x2) {
  for (Persistence p : store::all_persistence_models()) {
    const Target t = target(Variant::kSafe, p, 2, 2);
    const CrashRun run = explore_crashes(t, exhaustive(t), 0);
    EXPECT_TRUE(run.report.verdict.passed()) << name(t) << ": " << run.report.verdict.message;
    EXPECT_TRUE(run.report.exhausted) << name(t);
    if (!t.power_loss() && t.mode == Mode::kProcesses) continue;  // judged without crash states
    EXPECT_GT(run.states->checked, 0u) << name(t);
    // On the event loop a store that never awaits runs each operation whole: 5 executions, each
    // crash state new.
    if (t.mode == Mode::kEventLoop) continue;
    // Schedules that differ only after the crash, or crash at equivalent points, leave the same
    // state after the same history: judged once.
    EXPECT_GT(run.states->duplicates, 0u) << name(t);
  }
}

TEST_P(EveryMode, SafeIsCleanUnderEveryPersistenceModelIn1000RandomExecutionsAt3x3) {
  for (Persistence p : store::all_persistence_models()) {
    const Target t = target(Variant::kSafe, p, 3, 3);
    const CrashRun run = explore_crashes(t, "random", 1000);
    EXPECT_TRUE(run.report.verdict.passed()) << name(t) << ": " << run.report.verdict.message;
    EXPECT_EQ(run.report.stats.executions, 1000u) << name(t);
    if (!t.power_loss() && t.mode == Mode::kProcesses) continue;
    // The event loop's few crash points (above) leave 8 distinct states.
    EXPECT_GT(run.states->checked, t.mode == Mode::kEventLoop ? 4u : 100u) << name(t);
  }
}

TEST_P(EveryMode, AckBeforeSyncLosesAnAcknowledgedWriteUnderPowerLossOnly) {
  for (Persistence p : store::all_persistence_models()) {
    const Target t = target(Variant::kAckBeforeSync, p, 2, 2);
    const CrashRun run = explore_crashes(t, exhaustive(t), 0);
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

TEST_P(EveryMode, NoDirSyncLosesTheFileOnlyWhenDirectoryEntriesAreLost) {
  for (Persistence p : store::all_persistence_models()) {
    const Target t = target(Variant::kNoDirSync, p, 2, 2);
    const CrashRun run = explore_crashes(t, exhaustive(t), 0);
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

// Mixed mode (2 worker processes x 2 threads): a power loss stops every thread of every worker;
// a crash of one worker (`process`) is not built, and said so.
TEST(Crashes, InMixedModeAPowerLossFindsTheLostWriteAndSafeIsClean) {
  auto mixed = [](Variant v, Persistence p) {
    Target t{&durability_scenario(), v, Mode::kMixed, Sizes{4, 1, 2}};
    t.crashes = 1;
    t.persistence = p;
    return t;
  };
  for (Persistence p : {Persistence::kTorn, Persistence::kDirEntries}) {
    const CrashRun safe = explore_crashes(mixed(Variant::kSafe, p), "random", 200);
    EXPECT_TRUE(safe.report.verdict.passed()) << safe.report.verdict.message;
    EXPECT_GT(safe.states->checked, 20u);
    const Target t = mixed(Variant::kAckBeforeSync, p);
    const CrashRun bug = explore_crashes(t, "random", 200);
    ASSERT_TRUE(bug.report.failure.has_value()) << name(t);
    EXPECT_EQ(bug.report.verdict.name(), "lost-acknowledged-write") << name(t);
    expect_replays(t, *bug.report.failure, 3);
  }
  EXPECT_NE(check_target(mixed(Variant::kSafe, Persistence::kProcess))->find("power loss only"),
            std::string::npos);
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

// --- processes mode: a crash of one worker (it restarts) or a power loss (every worker stops) ---

Target process_target(Variant v, int actors, int ops, int crashes = 1) {
  Target t{&durability_scenario(), v, Mode::kProcesses, Sizes{actors, ops, 1}};
  t.crashes = crashes;
  return t;
}

// flock writes a record in steps (header, then 64-byte chunks of the body). A worker that crashes
// between two of them leaves a torn record at the end of the log; the survivor's catch-up stops
// at it and writes its own, shorter, record over it, leaving the torn record's remains after its
// own: the log is corrupt in the middle. It takes an interleaving (the crash inside the other's
// write) and a crash; safe (one write per record) is its fixed twin above.
TEST(ProcessCrashes, ASurvivorAppendingAcrossARecordTornByAnotherProcesssCrashIsFound) {
  const Target t = process_target(Variant::kFlock, 2, 2);
  const CrashRun run = explore_crashes(t, "dfs", 0);
  ASSERT_TRUE(run.report.failure.has_value());
  EXPECT_EQ(run.report.verdict.name(), "corruption-after-crash") << run.report.verdict.message;
  const Failure& f = *run.report.failure;
  EXPECT_NE(f.shrink, ShrinkStatus::kOff);
  EXPECT_LE(f.result.trace.size(), f.original_steps);
  Engine engine = crash_engine(t);
  std::string token;
  const Target back = replayed_target(t, f, &token);
  for (int i = 0; i < 20; ++i) {
    const ExploreReport replayed = replay(factory_for(back), f.result.decisions(), engine);
    ASSERT_FALSE(replayed.error.has_value()) << token << ": " << *replayed.error;
    EXPECT_EQ(replayed.verdict, f.verdict) << token;
    ASSERT_TRUE(replayed.failure.has_value()) << token;
    EXPECT_EQ(text_of(replayed.failure->result.trace), text_of(f.result.trace)) << token;
  }
}

// Records the traces a search ran.
class Traces final : public Program {
 public:
  Traces(const Target& t, std::vector<Trace>* out) : inner_(t), out_(out) {}
  Topology topology() const override { return inner_.topology(); }
  std::string spec() const override { return inner_.spec(); }
  void begin(std::span<std::byte> scratch) override { inner_.begin(scratch); }
  Verdict judge(const ExecutionResult& result, std::span<const std::byte> scratch) override {
    out_->push_back(result.trace);
    return inner_.judge(result, scratch);
  }

 private:
  ScenarioProgram inner_;
  std::vector<Trace>* out_;
};

// In `trace` (actors 0..n-1, crash choices n..2n-1): a process crashed a second time before it
// ran any step but its recovery's, and then recovered again and read back.
bool recovery_crashed_and_recovered(const Trace& trace, int actors) {
  for (std::size_t i = 0; i < trace.size(); ++i) {
    if (trace[i].actor < actors) continue;
    const int victim = trace[i].actor - actors;
    for (std::size_t j = i + 1; j < trace.size(); ++j) {
      if (trace[j].actor == victim && std::string_view(trace[j].label).rfind("recover.", 0) != 0) {
        break;  // it got past its recovery
      }
      if (trace[j].actor != victim + actors) continue;
      for (std::size_t k = j + 1; k < trace.size(); ++k) {
        if (trace[k].actor == victim && std::string_view(trace[k].label) == "get.lookup") {
          return true;
        }
      }
    }
  }
  return false;
}

// The traces of a run, with the engine that ran them: labels of steps from worker processes are
// interned by that engine and die with it.
struct RunTraces {
  std::unique_ptr<Engine> engine;
  std::vector<Trace> traces;
};

// Runs `executions` random executions of `t` from `seed`, expects them clean, and returns every
// trace they ran.
RunTraces clean_random_traces(const Target& t, std::uint64_t executions, std::uint64_t seed) {
  RunTraces run{std::make_unique<Engine>(t.topology(), scenario_instances(),
                                         EngineOptions{.limits = t.limits()}),
                {}};
  ExploreOptions options;
  options.strategy = "random";
  options.executions = executions;
  options.seed = seed;
  const ExploreReport report =
      explore([&] { return std::make_unique<Traces>(t, &run.traces); }, options, *run.engine);
  EXPECT_TRUE(report.verdict.passed()) << report.verdict.message;
  return run;
}

TEST(ProcessCrashes, TwoCrashesCrashARecoveryAndTheRecoveryOfTheRecoveryIsChecked) {
  const RunTraces run = clean_random_traces(process_target(Variant::kSafe, 2, 2, 2), 2000, 3);
  const std::vector<Trace>& traces = run.traces;
  const auto found = std::count_if(traces.begin(), traces.end(), [](const Trace& trace) {
    return recovery_crashed_and_recovered(trace, 2);
  });
  EXPECT_GT(found, 0) << "no execution crashed a recovery in " << traces.size();
}

// A power loss in processes mode is one crash choice that stops every worker: no process
// restarts, and the judge recovers the state the disk kept alone.
TEST(ProcessCrashes, APowerLossStopsEveryProcessAtOnce) {
  Target t = process_target(Variant::kSafe, 2, 2);
  t.persistence = Persistence::kTorn;
  const RunTraces run = clean_random_traces(t, 200, 5);
  const std::vector<Trace>& traces = run.traces;
  int crashed = 0;
  for (const Trace& trace : traces) {
    for (std::size_t i = 0; i < trace.size(); ++i) {
      if (trace[i].actor < 2) continue;
      ++crashed;
      EXPECT_EQ(trace[i].actor, 2) << "a power loss is one choice, not one per process";
      EXPECT_EQ(i + 1, trace.size()) << "nothing runs after a power loss";
    }
  }
  EXPECT_GT(crashed, 50) << "of " << traces.size();
}

TEST(ProcessCrashes, Crashes2AtAPowerLossOrInThreadsModeIsRejectedWithAReason) {
  Target t = process_target(Variant::kSafe, 2, 2, 2);
  t.persistence = Persistence::kPrefix;
  EXPECT_NE(check_target(t)->find("with --persistence process only"), std::string::npos);
  Target threads = crash_target(Variant::kSafe, Persistence::kProcess, 2, 2);
  threads.crashes = 2;
  EXPECT_NE(check_target(threads)->find("processes mode"), std::string::npos);
  t.crashes = 1;
  EXPECT_FALSE(check_target(t).has_value()) << *check_target(t);
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
