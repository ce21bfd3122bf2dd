#include <signal.h>
#include <stdlib.h>

#include <map>
#include <set>

#include "gtest/gtest.h"
#include "harness/backends/engine.h"
#include "harness/explore/explore.h"
#include "harness/schedule.h"
#include "scenarios/program.h"
#include "scenarios/registry.h"
#include "store/log_store.h"

namespace interleave::scenarios {
namespace {

#ifdef INTERLEAVE_TSAN
constexpr std::uint64_t kCleanBudget = 1500;  // ThreadSanitizer runs several times slower
#else
constexpr std::uint64_t kCleanBudget = 3000;
#endif

Target target(const Scenario& s, store::Variant v, Mode m = Mode::kThreads) {
  return Target{&s, v, m, default_sizes(m)};
}

Engine engine_for(const Target& t, EngineOptions options = {}) {
  return Engine(topology_of(t.mode, t.sizes), scenario_instances(), options);
}

std::vector<const Scenario*> matrix_scenarios() {
  std::vector<const Scenario*> out;
  for (const Scenario* s : all_scenarios()) {
    if (!s->test_only()) out.push_back(s);
  }
  return out;
}

// The scenarios whose bug shows on `unlocked` in threads mode as their own kind (stale-read's bug
// needs a second process; in one process `unlocked` tears reads instead).
std::vector<const Scenario*> first_light_scenarios() {
  return {&lost_update_scenario(), &duplicate_offsets_scenario(), &torn_read_scenario()};
}

// Points INTERLEAVE_TMPDIR at a private directory for one test, so that counting data directories
// is not disturbed by tests running in parallel.
class PrivateDataDirs {
 public:
  PrivateDataDirs() {
    char pattern[] = "/tmp/interleave-test-XXXXXX";
    dir_ = ::mkdtemp(pattern);
    ::setenv("INTERLEAVE_TMPDIR", dir_.c_str(), 1);
  }
  ~PrivateDataDirs() {
    ::unsetenv("INTERLEAVE_TMPDIR");
    std::filesystem::remove_all(dir_);
  }
  std::size_t count() const {
    return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(dir_),
                                                  std::filesystem::directory_iterator()));
  }

 private:
  std::string dir_;
};

TEST(Scenarios, UnlockedStoreShowsEachScenariosBugForEverySeedAndStrategy) {
  for (const Scenario* s : first_light_scenarios()) {
    const Target t = target(*s, store::Variant::kUnlocked);
    Engine engine = engine_for(t);
    for (const char* kind : {"random", "pct"}) {
      for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        const ExploreReport report =
            explore(factory_for(t), {.strategy = kind, .seed = seed, .executions = 100}, engine);
        ASSERT_TRUE(report.failure.has_value()) << s->name() << " " << kind << " seed " << seed;
        EXPECT_EQ(report.verdict.bug, s->finds())
            << s->name() << " " << kind << " seed " << seed << ": " << report.verdict.message;
      }
    }
  }
}

TEST(Scenarios, MutexStoreIsCleanInThreadsMode) {
  for (const Scenario* s : matrix_scenarios()) {
    const Target t = target(*s, store::Variant::kMutex);
    ASSERT_EQ(s->expect(t.variant, t.mode), Expect::kClean);
    Engine engine = engine_for(t);
    for (const char* kind : {"random", "pct"}) {
      const ExploreReport report = explore(
          factory_for(t), {.strategy = kind, .seed = 1, .executions = kCleanBudget}, engine);
      EXPECT_TRUE(report.verdict.passed()) << s->name() << ": " << report.verdict.message;
      EXPECT_EQ(report.stats.executions, kCleanBudget);
    }
  }
}

TEST(Scenarios, EveryFailureInEveryModeReplaysFromItsTokenToTheSameVerdictAndTrace) {
  for (Mode mode : all_modes()) {
    for (const Scenario* s : matrix_scenarios()) {
      const Target t = target(
          *s, mode == Mode::kEventLoop ? store::Variant::kAsync : store::Variant::kUnlocked, mode);
      if (s->expect(t.variant, mode) != Expect::kBug) continue;
      Engine engine = engine_for(t);
      const ExploreReport found = explore(factory_for(t), {.seed = 4}, engine);
      ASSERT_TRUE(found.failure.has_value()) << s->name() << " " << to_string(mode);
      const std::string token = encode_token(schedule_for(t, found.failure->result.decisions()));
      Schedule parsed;
      std::string error;
      ASSERT_TRUE(parse_token(token, &parsed, &error)) << error;
      Target replayed_target;
      ASSERT_TRUE(target_of(parsed, &replayed_target, &error)) << error;
      EXPECT_EQ(replayed_target.sizes, t.sizes);
      for (int round = 0; round < 2; ++round) {
        const ExploreReport replayed =
            replay(factory_for(replayed_target), parsed.decisions, engine);
        EXPECT_FALSE(replayed.error.has_value()) << *replayed.error;
        EXPECT_EQ(replayed.verdict, found.verdict) << s->name() << " " << to_string(mode);
        ASSERT_TRUE(replayed.failure.has_value());
        EXPECT_EQ(replayed.failure->result.trace, found.failure->result.trace) << s->name();
      }
    }
  }
}

TEST(Scenarios, LockOrderInversionIsADeadlock) {
  const Target t = target(lock_order_inversion_scenario(), store::Variant::kMutex);
  Engine engine = engine_for(t);
  const ExploreReport report = explore(factory_for(t), {}, engine);
  ASSERT_TRUE(report.failure.has_value());
  EXPECT_EQ(report.verdict.bug, BugKind::kDeadlock);
  EXPECT_NE(report.verdict.message.find("waits for lock:"), std::string::npos)
      << report.verdict.message;
}

TEST(Scenarios, StaleIndexInAnotherProcessIsAStaleReadForEverySeedAndStrategy) {
  for (store::Variant v : {store::Variant::kMutex, store::Variant::kOAppend}) {
    const Target t = target(stale_read_scenario(), v, Mode::kProcesses);
    Engine engine = engine_for(t);
    for (const char* kind : {"random", "pct"}) {
      for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        const ExploreReport report =
            explore(factory_for(t), {.strategy = kind, .seed = seed, .executions = 100}, engine);
        EXPECT_EQ(report.verdict.bug, BugKind::kStaleRead)
            << store::to_string(v) << " " << kind << " seed " << seed << ": "
            << report.verdict.message;
      }
    }
  }
  const Target safe = target(stale_read_scenario(), store::Variant::kSafe, Mode::kProcesses);
  Engine engine = engine_for(safe);
  EXPECT_TRUE(explore(factory_for(safe), {.executions = 300}, engine).verdict.passed());
}

TEST(Scenarios, LargerSizesStillFindTheBug) {
  for (const Scenario* s : first_light_scenarios()) {
    Target t = target(*s, store::Variant::kUnlocked);
    t.sizes = {.actors = 3, .ops = 3};
    Engine engine = engine_for(t);
    const ExploreReport report = explore(factory_for(t), {.seed = 1}, engine);
    EXPECT_EQ(report.verdict.bug, s->finds()) << s->name();
  }
}

struct FaultCase {
  const char* scenario;
  BugKind kind;
  const char* needle;
};

TEST(Scenarios, ActorsThatCrashOrHangInProcessesModeAreReportedAndExplorationGoesOn) {
  const PrivateDataDirs dirs;
  for (const FaultCase& c : {FaultCase{"crash-segv", BugKind::kCrash, "killed by SIGSEGV"},
                             FaultCase{"crash-abort", BugKind::kCrash, "killed by SIGABRT"},
                             FaultCase{"crash-throw", BugKind::kCrash, "injected failure"},
                             FaultCase{"hang-spin", BugKind::kHang, "no yield point"}}) {
    const Target t = target(*find_scenario(c.scenario), store::Variant::kSafe, Mode::kProcesses);
    std::vector<pid_t> pids;
    {
      Engine engine = engine_for(t, {.limits = {.hang_timeout = std::chrono::milliseconds(300)}});
      // Every execution fails; all three run, each on fresh workers where one died.
      const ExploreReport report =
          explore(factory_for(t), {.executions = 3, .stop_at_first_bug = false}, engine);
      EXPECT_EQ(report.stats.executions, 3u) << c.scenario;
      ASSERT_TRUE(report.failure.has_value()) << c.scenario;
      EXPECT_EQ(report.verdict.bug, c.kind) << c.scenario;
      EXPECT_NE(report.verdict.message.find(c.needle), std::string::npos)
          << c.scenario << ": " << report.verdict.message;
      pids = engine.worker_pids();
      // The failing schedule replays to the same verdict.
      const ExploreReport replayed =
          replay(factory_for(t), report.failure->result.decisions(), engine);
      EXPECT_EQ(replayed.verdict.bug, c.kind) << c.scenario;
    }
    for (pid_t pid : pids) {
      EXPECT_TRUE(::kill(pid, 0) != 0 && errno == ESRCH) << c.scenario << " left pid " << pid;
    }
  }
  EXPECT_EQ(dirs.count(), 0u);
}

TEST(Scenarios, ExecutionsLeaveNoDataDirectoryBehind) {
  const PrivateDataDirs dirs;
  for (Mode mode : all_modes()) {
    const Target t = target(lost_update_scenario(), store::Variant::kSafe, mode);
    Engine engine = engine_for(t);
    explore(factory_for(t), {.executions = 30}, engine);
  }
  EXPECT_EQ(dirs.count(), 0u);
}

TEST(Scenarios, TokensWithUnknownNamesOrBadSizesAreRejected) {
  Schedule s = schedule_for(target(torn_read_scenario(), store::Variant::kMutex), {0});
  Target t;
  std::string error;
  s.sizes = {{'a', 1}, {'o', 2}};
  EXPECT_FALSE(target_of(s, &t, &error));
  EXPECT_NE(error.find("at least 2 actors"), std::string::npos) << error;
  s.sizes = {{'a', 3}, {'o', 2}, {'p', 2}};
  s.mode = "mixed";
  EXPECT_FALSE(target_of(s, &t, &error));
  EXPECT_NE(error.find("evenly"), std::string::npos) << error;
  s.store = "nope";
  EXPECT_FALSE(target_of(s, &t, &error));
  EXPECT_NE(error.find("unknown store 'nope'"), std::string::npos) << error;
}

}  // namespace
}  // namespace interleave::scenarios

namespace interleave::scenarios {
namespace {

// A database.bin whose writes fail with `err` once `budget` bytes were written through it, as on a
// disk that fills up during the execution.
class FailingWrites final : public store::FileWrapper {
 public:
  FailingWrites(std::unique_ptr<store::File> inner, int err, std::size_t budget)
      : FileWrapper(std::move(inner)), err_(err), budget_(budget) {}
  store::Status write_at(std::uint64_t off, std::string_view data) override {
    if (data.size() > budget_) return store::Status::io_error("pwrite database.bin: failed", err_);
    budget_ -= data.size();
    return target().write_at(off, data);
  }

 private:
  int err_;
  std::size_t budget_;
};

// The safe store on a file whose writes fail with `err` after its first record.
StoreOpener safe_store_failing_with(int err) {
  return [err](const std::filesystem::path& dir) {
    std::filesystem::create_directories(dir);
    std::unique_ptr<store::File> file;
    store::OpenResult failed;
    if (failed.status = store::open_posix_file(dir / store::kDataFileName, false, &file);
        !failed.status.ok()) {
      return failed;
    }
    return store::open_log_store(store::policy_of(store::Variant::kSafe),
                                 std::make_unique<FailingWrites>(std::move(file), err, 24));
  };
}

// A catalog with the failing store as "safe-failing" (kept for the engines' lifetime).
const Catalog& failing_catalog(int err) {
  static std::map<int, Catalog> catalogs;
  auto [it, added] = catalogs.try_emplace(err);
  if (added) it->second.add({.name = "safe-failing", .open = safe_store_failing_with(err)});
  return it->second;
}

Target failing_target(Mode mode, int err) {
  Target t = target(lost_update_scenario(), store::Variant::kSafe, mode);
  t.user = failing_catalog(err).find_store("safe-failing");
  return t;
}

// A write that fails for a reason of the machine's (ENOSPC) says nothing about the store: no bug
// is reported, and the run says why it could not judge. The same failure with an errno that is the
// program's own doing (EBADF) is the store's bug.
TEST(Environment, AnInjectedFullDiskIsAnErrorOfTheEnvironmentInEveryMode) {
  for (Mode mode : all_modes()) {
    const Target full = failing_target(mode, ENOSPC);
    Engine engine(topology_of(mode, full.sizes), scenario_instances(failing_catalog(ENOSPC)));
    const ExploreReport report = explore(factory_for(full), {.executions = 20}, engine);
    EXPECT_FALSE(report.failure.has_value()) << to_string(mode) << ": " << report.verdict.message;
    ASSERT_TRUE(report.environment_error.has_value()) << to_string(mode);
    EXPECT_NE(report.environment_error->find("ENOSPC (No space left on device) in the data "
                                             "directory"),
              std::string::npos)
        << *report.environment_error;

    const Target broken = failing_target(mode, EBADF);
    Engine other(topology_of(mode, broken.sizes), scenario_instances(failing_catalog(EBADF)));
    const ExploreReport bug = explore(factory_for(broken), {.executions = 20}, other);
    EXPECT_TRUE(bug.failure.has_value()) << to_string(mode);
    EXPECT_FALSE(bug.environment_error.has_value());
  }
}

}  // namespace
}  // namespace interleave::scenarios
