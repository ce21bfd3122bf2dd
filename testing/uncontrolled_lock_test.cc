// In-process suite checks: a store locked with std::mutex is explored as it is (the C library's
// locks of actors are scheduler decisions), a lock the scheduler cannot see is reported with a
// message naming the mistake (long before the hang timeout), and declared expectations of a bug.
#include <pthread.h>

#include <chrono>
#include <mutex>

#include "gtest/gtest.h"
#include "interleave/seam.h"
#include "interleave/store.h"
#include "interleave/testing.h"

namespace interleave::testing {
namespace {

// A store of one's own: the unlocked store behind one lock held across a yield point. `Lock` is
// std::mutex (which the scheduler controls) or ProcessSharedMutex (which it leaves to the kernel).
template <typename Lock>
class LockedStore final : public store::Store {
 public:
  explicit LockedStore(std::unique_ptr<store::Store> inner) : inner_(std::move(inner)) {}
  store::PutResult put(std::string_view k, std::string_view v) override {
    std::lock_guard<Lock> lock(mu_);
    yield_point("put.locked");
    return inner_->put(k, v);
  }
  store::GetResult get(std::string_view k) override {
    std::lock_guard<Lock> lock(mu_);
    yield_point("get.locked");
    return inner_->get(k);
  }
  store::Status del(std::string_view k) override {
    std::lock_guard<Lock> lock(mu_);
    return inner_->del(k);
  }
  store::IncrementResult increment(std::string_view k, std::int64_t d) override {
    std::lock_guard<Lock> lock(mu_);
    yield_point("increment.locked");
    return inner_->increment(k, d);
  }

 private:
  Lock mu_;
  std::unique_ptr<store::Store> inner_;
};

// A pthread mutex shared between processes: its waiters could be in another process, which the
// per-process model cannot see, so it is left to the kernel.
class ProcessSharedMutex {
 public:
  ProcessSharedMutex() {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&mu_, &attr);
    pthread_mutexattr_destroy(&attr);
  }
  ~ProcessSharedMutex() { pthread_mutex_destroy(&mu_); }
  void lock() { pthread_mutex_lock(&mu_); }
  void unlock() { pthread_mutex_unlock(&mu_); }

 private:
  pthread_mutex_t mu_;
};

template <typename Lock>
StoreUnderTest locked_store(const char* name, const char* params) {
  return {.name = name,
          .open =
              [](const std::filesystem::path& dir) {
                store::OpenResult r = store::open_store(store::Variant::kUnlocked, dir);
                if (r.status.ok())
                  r.store = std::make_unique<LockedStore<Lock>>(std::move(r.store));
                return r;
              },
          .params = params};
}

TEST(StdMutexStores, AStoreLockedWithStdMutexIsCleanInThreadsAndLosesUpdatesAcrossProcesses) {
  const StoreUnderTest s = locked_store<std::mutex>("std-mutex-kv", "executions=300");
  const SuiteResult threads = check_store(s, "lost-update", scenarios::Mode::kThreads);
  EXPECT_EQ(threads.kind, SuiteResult::Kind::kPass) << threads.text;
  // A thread lock does nothing across processes: the same store loses updates there.
  const SuiteResult processes = check_store(s, "lost-update", scenarios::Mode::kProcesses);
  EXPECT_EQ(processes.kind, SuiteResult::Kind::kFail) << processes.text;
  EXPECT_NE(processes.text.find("BUG lost-update"), std::string::npos) << processes.text;
}

TEST(UncontrolledLock, AStoreTakingALockTheSchedulerCannotSeeIsToldSoByName) {
  const auto start = std::chrono::steady_clock::now();
  const SuiteResult r =
      check_store(locked_store<ProcessSharedMutex>("shared-mutex-kv",
                                                   // Far above what naming the lock takes: a
                                                   // report before it is not the timeout's.
                                                   "hang-timeout-ms=30000 executions=20"),
                  "lost-update", scenarios::Mode::kThreads);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(r.kind, SuiteResult::Kind::kFail) << r.text;
  EXPECT_NE(r.text.find("BUG hang"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("blocked in a lock the scheduler does not control"), std::string::npos)
      << r.text;
  EXPECT_NE(r.text.find("shared with another process"), std::string::npos) << r.text;
  // Not the 30 s hang timeout: the lock was named while the actor sat in it.
  EXPECT_LT(seconds, 15.0);
  std::cerr << "named the lock after " << seconds << " s\n";
}

StoreUnderTest builtin_as_own(store::Variant variant, std::vector<scenarios::ExpectedBug> bugs) {
  return {.name = "own-" + std::string(store::to_string(variant)),
          .open = [variant](
                      const std::filesystem::path& dir) { return store::open_store(variant, dir); },
          .expected_bugs = std::move(bugs),
          .executions = 300};
}

TEST(ExpectedBugs, AnExpectedBugFoundPassesAndOneMissingFails) {
  const SuiteResult found = check_store(
      builtin_as_own(store::Variant::kUnlocked, {{"lost-update", scenarios::Mode::kThreads, {}}}),
      "lost-update", scenarios::Mode::kThreads);
  EXPECT_EQ(found.kind, SuiteResult::Kind::kPass) << found.text;
  EXPECT_NE(found.text.find("found as expected: BUG lost-update"), std::string::npos) << found.text;

  const SuiteResult missing =
      check_store(builtin_as_own(store::Variant::kSafe, {{"lost-update", std::nullopt, {}}}),
                  "lost-update", scenarios::Mode::kThreads);
  EXPECT_EQ(missing.kind, SuiteResult::Kind::kFail) << missing.text;
  EXPECT_NE(missing.text.find("a bug is expected in lost-update in threads mode, and none was "
                              "found"),
            std::string::npos)
      << missing.text;

  const SuiteResult other_kind =
      check_store(builtin_as_own(store::Variant::kUnlocked,
                                 {{"lost-update", std::nullopt, BugKind::kDuplicateOffset}}),
                  "lost-update", scenarios::Mode::kThreads);
  EXPECT_EQ(other_kind.kind, SuiteResult::Kind::kFail) << other_kind.text;
  EXPECT_NE(other_kind.text.find("not of the kind expected"), std::string::npos) << other_kind.text;

  // Elsewhere the same store must be clean: the unlocked store's torn reads fail the test.
  const SuiteResult elsewhere =
      check_store(builtin_as_own(store::Variant::kUnlocked, {{"lost-update", std::nullopt, {}}}),
                  "torn-read", scenarios::Mode::kThreads);
  EXPECT_EQ(elsewhere.kind, SuiteResult::Kind::kFail) << elsewhere.text;
}

// The safe store, except that a store opened afresh has lost one record (as a compaction or a
// recovery that drops a record would): every put had its own offset, so the verdict must not be
// "duplicate offset".
class DroppingStore final : public store::Store {
 public:
  explicit DroppingStore(std::unique_ptr<store::Store> inner) : inner_(std::move(inner)) {}
  store::PutResult put(std::string_view k, std::string_view v) override {
    return inner_->put(k, v);
  }
  store::GetResult get(std::string_view k) override {
    if (k == "k1.0") return {.status = store::Status::not_found()};
    return inner_->get(k);
  }
  store::Status del(std::string_view k) override { return inner_->del(k); }
  store::IncrementResult increment(std::string_view k, std::int64_t d) override {
    return inner_->increment(k, d);
  }

 private:
  std::unique_ptr<store::Store> inner_;
};

TEST(SuiteVerdicts, ARecordLostWithDistinctOffsetsIsALostUpdateNamingThePut) {
  const StoreUnderTest s = {.name = "dropping-kv",
                            .open =
                                [](const std::filesystem::path& dir) {
                                  store::OpenResult r =
                                      store::open_store(store::Variant::kSafe, dir);
                                  if (r.status.ok())
                                    r.store = std::make_unique<DroppingStore>(std::move(r.store));
                                  return r;
                                },
                            .params = "strategy=random executions=5"};
  const SuiteResult r = check_store(s, "duplicate-offsets", scenarios::Mode::kThreads);
  EXPECT_EQ(r.kind, SuiteResult::Kind::kFail) << r.text;
  EXPECT_NE(r.text.find("BUG lost-update"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("an acknowledged put is lost: actor 1 put(k1.0"), std::string::npos)
      << r.text;
  EXPECT_NE(r.text.find("answers get(k1.0) = not found"), std::string::npos) << r.text;
  EXPECT_EQ(r.text.find("BUG duplicate-offset"), std::string::npos) << r.text;
}

TEST(SuiteParams, PerScenarioParamsApplyAfterTheStoresOwn) {
  StoreUnderTest s = builtin_as_own(store::Variant::kSafe, {});
  s.params = "strategy=random executions=50";
  s.scenario_params = {{"lost-update", "actors=3 ops=1 executions=40"}};
  const SuiteResult r = check_store(s, "lost-update", scenarios::Mode::kThreads);
  EXPECT_EQ(r.kind, SuiteResult::Kind::kPass) << r.text;
  EXPECT_NE(r.text.find("(threads, 3 actors x 1 ops) — no bug in 40 executions (random"),
            std::string::npos)
      << r.text;
}

TEST(SuiteParams, AStoreThatCannotBeAddedFailsWithTheReason) {
  StoreUnderTest s = builtin_as_own(store::Variant::kSafe, {});
  s.name = "unlocked";  // a built-in variant's name
  const SuiteResult r = check_store(s, "lost-update", scenarios::Mode::kThreads);
  EXPECT_EQ(r.kind, SuiteResult::Kind::kFail);
  EXPECT_NE(r.text.find("the name is taken"), std::string::npos) << r.text;
}

}  // namespace
}  // namespace interleave::testing
