// The store's yield points, seen through a minimal Controller written against harness/seam.h: the
// labels and Touches each operation reports, and the three bugs of the unlocked variant reproduced
// by running a second operation at a chosen yield point of the first (what the harness's
// scheduler does with real actors).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "harness/seam.h"
#include "store/file.h"
#include "store/log_format.h"
#include "store/log_store.h"
#include "store/store.h"
#include "store/testutil.h"

namespace interleave::store {
namespace {

using testing::TempDir;

// Records every yield point as "label kind:name r|w" and every lock operation as "lock:name" /
// "unlock:name" (Mutex) or "flock:name" / "funlock:name" (FileLock). A FileLock is really taken
// (non-blocking flock; the test fails if another descriptor holds it) and released. When the yield
// point `hook_label` is reached for the `hook_hit`-th time (1-based), runs `hook` once,
// uncontrolled, before the step that follows.
class RecordingController final : public Controller {
 public:
  void yield(const char* label, const Touches& t, SourceLocation, bool) override {
    std::string entry = std::string(label) + " " + t.space;
    if (!t.name.empty()) entry += ":" + std::string(t.name);
    entry += t.access == Access::kRead ? " r" : " w";
    steps.push_back(entry);
    if (hook && hook_label == label && --hook_hit == 0) {
      detail::current_controller = nullptr;
      hook();
      detail::current_controller = this;
    }
  }
  void acquire(Mutex& m, SourceLocation) override {
    steps.push_back(std::string("lock:") + m.name());
  }
  void release(Mutex& m, SourceLocation) override {
    steps.push_back(std::string("unlock:") + m.name());
  }
  void acquire(FileLock& lock, SourceLocation) override {
    steps.push_back(std::string("flock:") + lock.name());
    EXPECT_TRUE(lock.file().try_lock()) << "another descriptor holds the file lock";
  }
  void release(FileLock& lock, SourceLocation) override {
    steps.push_back(std::string("funlock:") + lock.name());
    lock.file().unlock();
  }

  std::vector<std::string> steps;
  std::string hook_label;
  int hook_hit = 1;
  std::function<void()> hook;
};

// Attaches a controller to this thread for its lifetime.
class Attach {
 public:
  explicit Attach(Controller* c) { detail::current_controller = c; }
  ~Attach() { detail::current_controller = nullptr; }
};

std::unique_ptr<Store> open_fresh(Variant v, const TempDir& dir) {
  OpenResult r = open_store(v, dir.path());
  EXPECT_TRUE(r.status.ok()) << r.status.to_string();
  return std::move(r.store);
}

TEST(YieldPoints, UnlockedPutPublishesBeforeWritingInChunks) {
  TempDir dir;
  auto store = open_fresh(Variant::kUnlocked, dir);
  RecordingController c;
  {
    Attach attach(&c);
    ASSERT_TRUE(store->put("k", std::string(160, 'v')).status.ok());  // body 161 bytes: 3 chunks
  }
  std::vector<std::string> expected = {
      "put.read_end end-offset r",          "put.reserve_offset end-offset w",
      "put.publish_index index:k w",        "put.write_header file:database.bin w",
      "put.write_body file:database.bin w", "put.write_body file:database.bin w",
      "put.write_body file:database.bin w"};
  EXPECT_EQ(c.steps, expected);
}

TEST(YieldPoints, MutexPutHoldsTheLockAndPublishesAfterTheBody) {
  TempDir dir;
  auto store = open_fresh(Variant::kMutex, dir);
  RecordingController c;
  {
    Attach attach(&c);
    ASSERT_TRUE(store->put("k", "v").status.ok());
  }
  std::vector<std::string> expected = {"lock:store.mu",
                                       "put.read_end end-offset r",
                                       "put.reserve_offset end-offset w",
                                       "put.write_header file:database.bin w",
                                       "put.write_body file:database.bin w",
                                       "put.publish_index index:k w",
                                       "unlock:store.mu"};
  EXPECT_EQ(c.steps, expected);
}

TEST(YieldPoints, MutexIncrementHoldsTheLockAcrossReadAndWrite) {
  TempDir dir;
  auto store = open_fresh(Variant::kMutex, dir);
  ASSERT_TRUE(store->put("n", "41").status.ok());
  RecordingController c;
  {
    Attach attach(&c);
    EXPECT_EQ(store->increment("n", 1).value, 42);
    ASSERT_TRUE(store->del("n").ok());
  }
  std::vector<std::string> expected = {"lock:store.mu",
                                       "incr.lookup index:n r",
                                       "incr.read_header file:database.bin r",
                                       "incr.read_body file:database.bin r",
                                       "put.read_end end-offset r",
                                       "put.reserve_offset end-offset w",
                                       "put.write_header file:database.bin w",
                                       "put.write_body file:database.bin w",
                                       "put.publish_index index:n w",
                                       "unlock:store.mu",
                                       "lock:store.mu",
                                       "del.read_end end-offset r",
                                       "del.reserve_offset end-offset w",
                                       "del.write_header file:database.bin w",
                                       "del.write_body file:database.bin w",
                                       "del.publish_index index:n w",
                                       "unlock:store.mu"};
  EXPECT_EQ(c.steps, expected);
}

TEST(YieldPoints, GetReadsOneChunkPerStep) {
  TempDir dir;
  auto store = open_fresh(Variant::kUnlocked, dir);
  ASSERT_TRUE(store->put("key", std::string(125, 'v')).status.ok());  // body 128 bytes: 2 chunks
  RecordingController c;
  {
    Attach attach(&c);
    EXPECT_TRUE(store->get("key").status.ok());
    EXPECT_TRUE(store->get("missing").status.is_not_found());
  }
  std::vector<std::string> expected = {
      "get.lookup index:key r", "get.read_header file:database.bin r",
      "get.read_body file:database.bin r", "get.read_body file:database.bin r",
      "get.lookup index:missing r"};
  EXPECT_EQ(c.steps, expected);
}

TEST(YieldPoints, OAppendPutAppendsTheWholeRecordInOneStepThenPublishes) {
  TempDir dir;
  auto store = open_fresh(Variant::kOAppend, dir);
  RecordingController c;
  {
    Attach attach(&c);
    ASSERT_TRUE(store->put("k", std::string(160, 'v')).status.ok());  // 3 chunks elsewhere
    ASSERT_TRUE(store->del("k").ok());
  }
  std::vector<std::string> expected = {
      "put.append file:database.bin w", "put.publish_index index:k w",
      "del.append file:database.bin w", "del.publish_index index:k w"};
  EXPECT_EQ(c.steps, expected);
}

TEST(YieldPoints, OAppendIncrementReadsInStepsThenAppendsWithoutALock) {
  TempDir dir;
  auto store = open_fresh(Variant::kOAppend, dir);
  ASSERT_TRUE(store->put("n", "41").status.ok());
  RecordingController c;
  {
    Attach attach(&c);
    EXPECT_EQ(store->increment("n", 1).value, 42);
    EXPECT_EQ(store->get("n").value, "42");
  }
  std::vector<std::string> expected = {"incr.lookup index:n r",
                                       "incr.read_header file:database.bin r",
                                       "incr.read_body file:database.bin r",
                                       "put.append file:database.bin w",
                                       "put.publish_index index:n w",
                                       "get.lookup index:n r",
                                       "get.read_header file:database.bin r",
                                       "get.read_body file:database.bin r"};
  EXPECT_EQ(c.steps, expected);
}

TEST(YieldPoints, FlockPutCatchesUpUnderTheFileLockAndPublishesAfterTheBody) {
  TempDir dir;
  auto store = open_fresh(Variant::kFlock, dir);
  RecordingController c;
  {
    Attach attach(&c);
    ASSERT_TRUE(store->put("k", std::string(100, 'v')).status.ok());  // body 101 bytes: 2 chunks
  }
  std::vector<std::string> expected = {"flock:database.bin",
                                       "catch_up file:database.bin r",
                                       "put.read_end end-offset r",
                                       "put.reserve_offset end-offset w",
                                       "put.write_header file:database.bin w",
                                       "put.write_body file:database.bin w",
                                       "put.write_body file:database.bin w",
                                       "put.publish_index index:k w",
                                       "funlock:database.bin"};
  EXPECT_EQ(c.steps, expected);
}

TEST(YieldPoints, FlockIncrementHoldsTheFileLockAcrossReadAndWrite) {
  TempDir dir;
  auto store = open_fresh(Variant::kFlock, dir);
  ASSERT_TRUE(store->put("n", "41").status.ok());
  RecordingController c;
  {
    Attach attach(&c);
    EXPECT_EQ(store->increment("n", 1).value, 42);
    EXPECT_EQ(store->get("n").value, "42");
    ASSERT_TRUE(store->del("n").ok());
  }
  std::vector<std::string> expected = {"flock:database.bin",
                                       "catch_up file:database.bin r",
                                       "incr.lookup index:n r",
                                       "incr.read_header file:database.bin r",
                                       "incr.read_body file:database.bin r",
                                       "put.read_end end-offset r",
                                       "put.reserve_offset end-offset w",
                                       "put.write_header file:database.bin w",
                                       "put.write_body file:database.bin w",
                                       "put.publish_index index:n w",
                                       "funlock:database.bin",
                                       "flock:database.bin",
                                       "catch_up file:database.bin r",
                                       "get.lookup index:n r",
                                       "get.read_header file:database.bin r",
                                       "get.read_body file:database.bin r",
                                       "funlock:database.bin",
                                       "flock:database.bin",
                                       "catch_up file:database.bin r",
                                       "del.read_end end-offset r",
                                       "del.reserve_offset end-offset w",
                                       "del.write_header file:database.bin w",
                                       "del.write_body file:database.bin w",
                                       "del.publish_index index:n w",
                                       "funlock:database.bin"};
  EXPECT_EQ(c.steps, expected);
}

TEST(YieldPoints, SafeTakesTheMutexThenTheFileLockAndReleasesInReverse) {
  TempDir dir;
  auto store = open_fresh(Variant::kSafe, dir);
  ASSERT_TRUE(store->put("n", "1").status.ok());
  RecordingController c;
  {
    Attach attach(&c);
    EXPECT_EQ(store->increment("n", 1).value, 2);
    EXPECT_TRUE(store->get("missing").status.is_not_found());
  }
  std::vector<std::string> expected = {"lock:store.mu",
                                       "flock:database.bin",
                                       "catch_up file:database.bin r",
                                       "incr.lookup index:n r",
                                       "incr.read_header file:database.bin r",
                                       "incr.read_body file:database.bin r",
                                       "put.read_end end-offset r",
                                       "put.reserve_offset end-offset w",
                                       "put.write_header file:database.bin w",
                                       "put.write_body file:database.bin w",
                                       "put.sync file:database.bin w",
                                       "put.publish_index index:n w",
                                       "funlock:database.bin",
                                       "unlock:store.mu",
                                       "lock:store.mu",
                                       "flock:database.bin",
                                       "catch_up file:database.bin r",
                                       "get.lookup index:missing r",
                                       "funlock:database.bin",
                                       "unlock:store.mu"};
  EXPECT_EQ(c.steps, expected);
}

// lost-update: a second increment runs entirely between the first one's read and its write.
TEST(UnlockedBugs, IncrementInterruptedAfterItsReadLosesAnUpdate) {
  TempDir dir;
  auto store = open_fresh(Variant::kUnlocked, dir);
  RecordingController c;
  c.hook_label = "put.read_end";
  c.hook = [&] { EXPECT_EQ(store->increment("n", 1).value, 1); };
  {
    Attach attach(&c);
    EXPECT_EQ(store->increment("n", 1).value, 1);
  }
  EXPECT_EQ(store->get("n").value, "1") << "two increments, one lost";
}

// duplicate-offset: a second put reads the end between the first one's read and reservation.
TEST(UnlockedBugs, PutsInterruptedBetweenReadAndReserveShareAnOffset) {
  TempDir dir;
  auto store = open_fresh(Variant::kUnlocked, dir);
  RecordingController c;
  PutResult inner;
  c.hook_label = "put.reserve_offset";
  c.hook = [&] { inner = store->put("b", "2"); };
  PutResult outer;
  {
    Attach attach(&c);
    outer = store->put("a", "1");
  }
  EXPECT_EQ(outer.offset, inner.offset);
  EXPECT_EQ(store->get("b").status.code(), Status::kCorruption) << "record b was overwritten";
}

// torn-read: a get follows the early-published index into a record still being written.
TEST(UnlockedBugs, GetDuringPutReadsATornRecord) {
  TempDir dir;
  auto store = open_fresh(Variant::kUnlocked, dir);
  for (int hit = 1; hit <= 3; ++hit) {
    SCOPED_TRACE("get before write_body #" + std::to_string(hit));
    RecordingController c;
    GetResult seen;
    c.hook_label = "put.write_body";
    c.hook_hit = hit;
    c.hook = [&] { seen = store->get("k"); };
    PutResult put;
    {
      Attach attach(&c);
      put = store->put("k", std::string(160, static_cast<char>('a' + hit)));
    }
    EXPECT_EQ(seen.status.code(), Status::kCorruption) << seen.status.to_string();
    EXPECT_EQ(seen.status.offset(), put.offset);
    EXPECT_TRUE(store->get("k").status.ok()) << "complete once the put has finished";
  }
}

// o-append: the single append makes offsets safe but not the read-modify-write of increment.
TEST(OAppendBugs, IncrementInterruptedBeforeItsAppendLosesAnUpdate) {
  TempDir dir;
  auto store = open_fresh(Variant::kOAppend, dir);
  RecordingController c;
  c.hook_label = "put.append";
  c.hook = [&] { EXPECT_EQ(store->increment("n", 1).value, 1); };
  IncrementResult outer;
  {
    Attach attach(&c);
    outer = store->increment("n", 1);
  }
  EXPECT_EQ(outer.value, 1);
  EXPECT_EQ(store->get("n").value, "1") << "two increments, one lost";
}

// o-append: a put that runs between another's append and its publication still gets its own
// offset, and both records survive recovery.
TEST(OAppendBugs, PutInterruptedBeforeItsAppendStillGetsItsOwnOffset) {
  TempDir dir;
  auto store = open_fresh(Variant::kOAppend, dir);
  RecordingController c;
  PutResult inner;
  c.hook_label = "put.append";
  c.hook = [&] { inner = store->put("b", std::string(100, 'b')); };
  PutResult outer;
  {
    Attach attach(&c);
    outer = store->put("a", std::string(100, 'a'));
  }
  EXPECT_EQ(inner.offset, 0u);
  EXPECT_EQ(outer.offset, record_size("b", std::string(100, 'b')));
  store.reset();
  OpenResult reopened = open_store(Variant::kOAppend, dir.path());
  ASSERT_TRUE(reopened.status.ok()) << reopened.status.to_string();
  EXPECT_EQ(reopened.recovery.records, 2u);
  EXPECT_EQ(reopened.store->get("a").value, std::string(100, 'a'));
  EXPECT_EQ(reopened.store->get("b").value, std::string(100, 'b'));
}

// flock in threads mode: the actors share the descriptor, so the file lock excludes none of them
// and two puts can both read the end pointer before either reserves.
TEST(FlockBugs, PutsOfThreadsSharingTheDescriptorShareAnOffset) {
  TempDir dir;
  auto store = open_fresh(Variant::kFlock, dir);
  RecordingController c;
  PutResult inner;
  c.hook_label = "put.reserve_offset";
  c.hook = [&] { inner = store->put("b", "2"); };  // flock on the held descriptor succeeds
  PutResult outer;
  {
    Attach attach(&c);
    outer = store->put("a", "1");
  }
  EXPECT_EQ(outer.offset, inner.offset);
  EXPECT_EQ(store->get("b").status.code(), Status::kCorruption) << "record b was overwritten";
}

// flock in threads mode: lost-update, the increment's file lock does not keep a sibling out.
TEST(FlockBugs, IncrementsOfThreadsSharingTheDescriptorLoseAnUpdate) {
  TempDir dir;
  auto store = open_fresh(Variant::kFlock, dir);
  RecordingController c;
  c.hook_label = "put.read_end";
  c.hook = [&] { EXPECT_EQ(store->increment("n", 1).value, 1); };
  {
    Attach attach(&c);
    EXPECT_EQ(store->increment("n", 1).value, 1);
  }
  EXPECT_EQ(store->get("n").value, "1") << "two increments, one lost";
}

// Opens a store of `variant` on dir/database.bin through its own descriptor, and returns that
// descriptor in `*fd` (the one its FileLock locks).
std::unique_ptr<Store> open_with_fd(Variant variant, const TempDir& dir, int* fd) {
  std::unique_ptr<File> file;
  Status s = open_posix_file(dir.path() / kDataFileName, /*o_append=*/false, &file);
  EXPECT_TRUE(s.ok()) << s.to_string();
  if (!s.ok()) return nullptr;
  *fd = file->fd();
  OpenResult r = open_log_store(policy_of(variant), std::move(file));
  EXPECT_TRUE(r.status.ok()) << r.status.to_string();
  return std::move(r.store);
}

class FileLockTest : public ::testing::TestWithParam<Variant> {};

INSTANTIATE_TEST_SUITE_P(FileLockVariants, FileLockTest,
                         ::testing::Values(Variant::kFlock, Variant::kSafe),
                         [](const ::testing::TestParamInfo<Variant>& info) {
                           return std::string(to_string(info.param));
                         });

// Store `a` stops inside its critical section (at catch_up, holding its file lock). Meanwhile the
// file lock cannot be taken through b's descriptor, and a put through b from a real thread blocks
// until a finishes; then b's catch-up sees a's record and appends after it.
TEST_P(FileLockTest, FlockExcludesAnotherDescriptor) {
  TempDir dir;
  int fd_a = -1;
  int fd_b = -1;
  auto a = open_with_fd(GetParam(), dir, &fd_a);
  auto b = open_with_fd(GetParam(), dir, &fd_b);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_NE(fd_a, fd_b);

  std::atomic<bool> b_done{false};
  PutResult b_put;
  std::thread b_thread;
  RecordingController c;
  c.hook_label = "catch_up";
  c.hook = [&] {
    FileLock through_b(fd_b, "database.bin");
    EXPECT_FALSE(through_b.file().try_lock()) << "b's descriptor took a's held lock";
    FileLock through_a(fd_a, "database.bin");
    EXPECT_TRUE(through_a.file().try_lock()) << "the same descriptor is not excluded";
    b_thread = std::thread([&] {
      b_put = b->put("b", "2");
      b_done = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_FALSE(b_done) << "b's put ran while a held the file lock";
  };
  PutResult a_put;
  {
    Attach attach(&c);
    a_put = a->put("a", "1");
  }
  b_thread.join();
  EXPECT_TRUE(b_done);
  ASSERT_TRUE(a_put.status.ok());
  ASSERT_TRUE(b_put.status.ok());
  EXPECT_EQ(a_put.offset, 0u);
  EXPECT_EQ(b_put.offset, record_size("a", "1")) << "b caught up with a's record first";
  EXPECT_EQ(b->get("a").value, "1");
  EXPECT_EQ(a->get("b").value, "2");
}

}  // namespace
}  // namespace interleave::store
