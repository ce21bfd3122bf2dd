// Threads mode on fibers has threads mode's semantics: every schedule found with the fiber backend
// replays to the identical trace and verdict on real threads, and the reverse, so a fast search on
// fibers can be confirmed on threads (and under ThreadSanitizer).
#include <set>

#include "gtest/gtest.h"
#include "harness/backends/engine.h"
#include "harness/explore/explore.h"
#include "harness/schedule.h"
#include "scenarios/program.h"
#include "scenarios/registry.h"

namespace interleave::scenarios {
namespace {

// The threads-mode cells with a bug: every scenario on unlocked and async, and the ones o-append
// and flock break.
std::vector<Target> buggy_cells(Backend backend) {
  std::vector<Target> out;
  for (const Scenario* s : all_scenarios()) {
    if (s->test_only()) continue;
    for (store::Variant v : store::all_variants()) {
      if (s->expect(v, Mode::kThreads) != Expect::kBug) continue;
      Target t{s, v, Mode::kThreads, default_sizes(Mode::kThreads)};
      t.backend = backend;
      out.push_back(t);
    }
  }
  return out;
}

struct Found {
  Target target;
  ExploreReport report;
};

// Failing schedules found on `backend`, unshrunk: several seeds and both sampling strategies.
std::vector<Found> corpus(Backend backend) {
  std::vector<Found> out;
  for (const Target& t : buggy_cells(backend)) {
    Engine engine(t.topology(), scenario_instances());
    for (const char* strategy : {"random", "pct"}) {
      for (std::uint64_t seed = 1; seed <= 3; ++seed) {
        ExploreReport r =
            explore(factory_for(t), {.strategy = strategy, .seed = seed, .shrink = false}, engine);
        if (r.failure) out.push_back({t, std::move(r)});
      }
    }
  }
  return out;
}

// Replays every schedule of `found` on `other` and checks the trace and verdict; returns how many
// distinct tokens it checked.
std::size_t replays_identically(const std::vector<Found>& found, Backend other) {
  std::set<std::string> tokens;
  for (const Found& f : found) {
    const std::vector<int> decisions = f.report.failure->result.decisions();
    tokens.insert(encode_token(schedule_for(f.target, decisions)));
    Target t = f.target;
    t.backend = other;
    Engine engine(t.topology(), scenario_instances());
    const ExploreReport again = replay(factory_for(t), decisions, engine);
    EXPECT_FALSE(again.error.has_value()) << *again.error;
    EXPECT_EQ(again.verdict, f.report.verdict) << t.scenario->name() << " on " << t.store();
    EXPECT_EQ(again.failure->result.trace, f.report.failure->result.trace)
        << t.scenario->name() << " on " << t.store() << " backend " << to_string(other);
  }
  return tokens.size();
}

TEST(Backends, EveryScheduleFoundOnFibersReplaysToTheIdenticalTraceOnThreads) {
  const std::vector<Found> found = corpus(Backend::kFibers);
  EXPECT_GE(replays_identically(found, Backend::kThreads), 50u);
}

TEST(Backends, EveryScheduleFoundOnThreadsReplaysToTheIdenticalTraceOnFibers) {
  const std::vector<Found> found = corpus(Backend::kThreads);
  EXPECT_GE(replays_identically(found, Backend::kFibers), 50u);
}

// The same run on either backend explores the same executions: same failure, same counts.
TEST(Backends, ExploringOnFibersOrThreadsGivesTheSameReport) {
  for (Backend backend : {Backend::kThreads, Backend::kFibers}) {
    static std::optional<ExploreReport> first;
    Target t{&lost_update_scenario(), store::Variant::kMutex, Mode::kThreads,
             default_sizes(Mode::kThreads)};
    t.backend = backend;
    Engine engine(t.topology(), scenario_instances());
    const ExploreReport r = explore(factory_for(t), {.strategy = "dpor", .executions = 0}, engine);
    EXPECT_TRUE(r.exhausted);
    if (!first) {
      first = r;
      continue;
    }
    EXPECT_EQ(r.stats.executions, first->stats.executions);
    EXPECT_EQ(r.stats.steps, first->stats.steps);
    EXPECT_EQ(r.verdict, first->verdict);
  }
}

}  // namespace
}  // namespace interleave::scenarios
