// The store's yield points, seen through a minimal Controller written against harness/seam.h: the
// labels and Touches each operation reports, and the three bugs of the unlocked variant reproduced
// by running a second operation at a chosen yield point of the first (what the harness's
// scheduler does with real actors).
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "harness/seam.h"
#include "store/log_format.h"
#include "store/store.h"
#include "store/testutil.h"

namespace interleave::store {
namespace {

using testing::TempDir;

// Records every yield point as "label kind:name r|w" and every lock operation as "lock:name" /
// "unlock:name". When the yield point `hook_label` is reached for the `hook_hit`-th time (1-based),
// runs `hook` once, uncontrolled, before the step that follows.
class RecordingController final : public Controller {
 public:
  void yield(const char* label, const Touches& t, SourceLocation) override {
    std::string entry = std::string(label) + " " + t.kind;
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

}  // namespace
}  // namespace interleave::store
