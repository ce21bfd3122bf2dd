#include "store/store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "store/log_format.h"
#include "store/testutil.h"

namespace interleave::store {

// Test names and failure messages print a variant by its name.
void PrintTo(Variant v, std::ostream* os) { *os << to_string(v); }

namespace {

using testing::read_file;
using testing::TempDir;
using testing::write_file;

// Every test here runs against every variant (single-threaded, no controller: all variants must
// behave as a correct store).
class StoreTest : public ::testing::TestWithParam<Variant> {
 protected:
  // Opens the store in dir_, expecting success.
  std::unique_ptr<Store> open() {
    OpenResult r = open_store(GetParam(), dir_.path());
    EXPECT_TRUE(r.status.ok()) << r.status.to_string();
    last_recovery_ = r.recovery;
    return std::move(r.store);
  }
  std::filesystem::path data_file() const { return dir_.path() / kDataFileName; }

  // Writes three records (the 2nd and 3rd span several write chunks) and returns their offsets.
  std::vector<std::uint64_t> write_three() {
    auto store = open();
    std::vector<std::uint64_t> offsets;
    for (auto [k, v] : {std::pair{"k0", std::string("v0")}, std::pair{"k1", std::string(150, 'x')},
                        std::pair{"k2", std::string(160, 'y')}}) {
      PutResult r = store->put(k, v);
      EXPECT_TRUE(r.status.ok()) << r.status.to_string();
      offsets.push_back(r.offset);
    }
    return offsets;
  }

  TempDir dir_;
  RecoveryReport last_recovery_;
};

// gtest allows only letters, digits and '_' in a test name: "o-append" becomes "o_append".
std::string variant_name(const ::testing::TestParamInfo<Variant>& info) {
  std::string name(to_string(info.param));
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(AllVariants, StoreTest, ::testing::ValuesIn(all_variants()), variant_name);

TEST_P(StoreTest, PutThenGetReturnsTheValue) {
  auto store = open();
  std::string big(1000, 'z');
  ASSERT_TRUE(store->put("a", "1").status.ok());
  ASSERT_TRUE(store->put("big", big).status.ok());
  ASSERT_TRUE(store->put("empty", "").status.ok());
  EXPECT_EQ(store->get("a").value, "1");
  EXPECT_EQ(store->get("big").value, big);
  GetResult empty = store->get("empty");
  EXPECT_TRUE(empty.status.ok());
  EXPECT_EQ(empty.value, "");
}

TEST_P(StoreTest, GetOfMissingKeyIsNotFound) {
  auto store = open();
  EXPECT_EQ(store->get("nope").status.code(), Status::kNotFound);
}

TEST_P(StoreTest, PutsAppendAtConsecutiveOffsets) {
  auto store = open();
  PutResult a = store->put("a", "xyz");
  PutResult b = store->put("bb", "");
  PutResult c = store->put("a", "1");
  EXPECT_EQ(a.offset, 0u);
  EXPECT_EQ(b.offset, record_size("a", "xyz"));
  EXPECT_EQ(c.offset, b.offset + record_size("bb", ""));
  EXPECT_EQ(store->get("a").offset, c.offset);
  EXPECT_EQ(read_file(data_file()).size(), c.offset + record_size("a", "1"));
}

TEST_P(StoreTest, OpenCreatesTheDirectoryAndTheFile) {
  OpenResult r = open_store(GetParam(), dir_.path() / "sub" / "dir");
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "sub" / "dir" / kDataFileName));
  EXPECT_EQ(r.recovery.records, 0u);
}

TEST_P(StoreTest, ReopenRebuildsIndex) {
  std::uint64_t latest = 0;
  {
    auto store = open();
    ASSERT_TRUE(store->put("a", "1").status.ok());
    ASSERT_TRUE(store->put("b", std::string(200, 'b')).status.ok());
    latest = store->put("a", "3").offset;
  }
  auto store = open();
  EXPECT_EQ(last_recovery_.records, 3u);
  EXPECT_EQ(last_recovery_.valid_end, read_file(data_file()).size());
  GetResult a = store->get("a");
  EXPECT_EQ(a.value, "3");
  EXPECT_EQ(a.offset, latest);
  EXPECT_EQ(store->get("b").value, std::string(200, 'b'));
  // Appends continue after the recovered records.
  EXPECT_EQ(store->put("c", "").offset, last_recovery_.valid_end);
}

TEST_P(StoreTest, DeleteSurvivesReopen) {
  {
    auto store = open();
    ASSERT_TRUE(store->put("a", "1").status.ok());
    ASSERT_TRUE(store->put("b", "2").status.ok());
    ASSERT_TRUE(store->del("a").ok());
    ASSERT_TRUE(store->del("never-written").ok());
    EXPECT_EQ(store->get("a").status.code(), Status::kNotFound);
  }
  auto store = open();
  EXPECT_EQ(last_recovery_.records, 4u);
  EXPECT_EQ(store->get("a").status.code(), Status::kNotFound);
  EXPECT_EQ(store->get("b").value, "2");
}

TEST_P(StoreTest, IncrementOfMissingKeyStartsAtZero) {
  auto store = open();
  IncrementResult r = store->increment("n", 5);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_EQ(r.value, 5);
  EXPECT_EQ(r.offset, 0u);
  EXPECT_EQ(store->increment("n", -7).value, -2);
  EXPECT_EQ(store->get("n").value, "-2");
}

TEST_P(StoreTest, IncrementOfNonIntegerIsInvalidArgument) {
  auto store = open();
  for (const char* bad : {"abc", "", " 12", "12 ", "+1", "1.5", "99999999999999999999"}) {
    ASSERT_TRUE(store->put("x", bad).status.ok());
    IncrementResult r = store->increment("x", 1);
    EXPECT_EQ(r.status.code(), Status::kInvalidArgument) << "'" << bad << "'";
    EXPECT_EQ(store->get("x").value, bad) << "the value must be left unchanged";
  }
}

TEST_P(StoreTest, IncrementOverflowIsInvalidArgument) {
  auto store = open();
  ASSERT_TRUE(store->put("x", "9223372036854775807").status.ok());
  EXPECT_EQ(store->increment("x", 1).status.code(), Status::kInvalidArgument);
  EXPECT_EQ(store->increment("x", -1).value, 9223372036854775806);
}

TEST_P(StoreTest, TruncatedTailIsIgnored) {
  std::vector<std::uint64_t> offsets = write_three();
  const std::string full = read_file(data_file());
  const std::uint64_t last = offsets[2];
  for (std::uint64_t cut : {last + 1, last + kHeaderSize - 1, last + kHeaderSize,
                            last + kHeaderSize + 64, std::uint64_t{full.size() - 1}}) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    write_file(data_file(), std::string_view(full).substr(0, cut));
    {
      auto store = open();
      ASSERT_NE(store, nullptr);
      EXPECT_TRUE(last_recovery_.truncated_tail);
      EXPECT_EQ(last_recovery_.records, 2u);
      EXPECT_EQ(last_recovery_.valid_end, last);
      EXPECT_EQ(last_recovery_.file_size, cut);
      EXPECT_EQ(store->get("k0").value, "v0");
      EXPECT_EQ(store->get("k1").value, std::string(150, 'x'));
      EXPECT_EQ(store->get("k2").status.code(), Status::kNotFound);
      EXPECT_EQ(store->put("new", "n").offset, last);
    }
    auto store = open();
    EXPECT_FALSE(last_recovery_.truncated_tail);
    EXPECT_EQ(last_recovery_.records, 3u);
    EXPECT_EQ(store->get("new").value, "n");
  }
}

TEST_P(StoreTest, FlippedByteMidFileIsReportedAtItsOffset) {
  std::vector<std::uint64_t> offsets = write_three();
  const std::string full = read_file(data_file());
  // Every byte of record 2 except its length fields: a damaged length may instead make the record
  // reach past the end of the file, which the format reads as a truncated tail.
  for (std::uint64_t pos = offsets[1]; pos < offsets[2]; ++pos) {
    if (pos >= offsets[1] + kKeySizeOffset && pos < offsets[1] + kHeaderSize) continue;
    SCOPED_TRACE("flipped byte at " + std::to_string(pos));
    std::string bad = full;
    bad[pos] = static_cast<char>(bad[pos] ^ 0x20);
    write_file(data_file(), bad);
    OpenResult r = open_store(GetParam(), dir_.path());
    EXPECT_EQ(r.status.code(), Status::kCorruption);
    EXPECT_EQ(r.status.offset(), offsets[1]);
    EXPECT_EQ(r.store, nullptr);
    EXPECT_EQ(r.recovery.records, 1u);
    EXPECT_EQ(r.recovery.valid_end, offsets[1]);
  }
}

TEST_P(StoreTest, ZeroedRegionIsCorruption) {
  std::vector<std::uint64_t> offsets = write_three();
  const std::string full = read_file(data_file());
  for (std::uint64_t len : {std::uint64_t{1}, kHeaderSize, offsets[2] - offsets[1]}) {
    std::string bad = full;
    bad.replace(offsets[1], len, len, '\0');
    write_file(data_file(), bad);
    OpenResult r = open_store(GetParam(), dir_.path());
    EXPECT_EQ(r.status.code(), Status::kCorruption) << len;
    EXPECT_EQ(r.status.offset(), offsets[1]) << len;
    EXPECT_EQ(r.store, nullptr);
  }
}

TEST_P(StoreTest, GetOfADamagedRecordIsCorruptionAtItsOffset) {
  auto store = open();
  ASSERT_TRUE(store->put("a", "1").status.ok());
  std::uint64_t off = store->put("b", std::string(100, 'b')).offset;
  std::string bytes = read_file(data_file());
  bytes[off + kHeaderSize + 50] = 'c';
  write_file(data_file(), bytes);  // same inode: the open store sees the damage
  GetResult r = store->get("b");
  EXPECT_EQ(r.status.to_string(),
            "corruption at offset " + std::to_string(off) + ": checksum mismatch");
  EXPECT_EQ(r.offset, off);
  EXPECT_EQ(store->get("a").value, "1");
}

// Whether the variant re-reads the log under a file lock before each operation, so that a Store
// object sees what other Store objects (other processes) wrote.
bool catches_up(Variant v) { return v == Variant::kFlock || v == Variant::kSafe; }

// Two Store objects on one directory are what two worker processes are: only the file is shared.
TEST_P(StoreTest, CatchUpSeesRecordsWrittenByAnotherStoreInstance) {
  auto a = open();
  auto b = open();
  PutResult a_put = a->put("k", "from a");
  ASSERT_TRUE(a_put.status.ok());
  GetResult b_get = b->get("k");
  PutResult b_put = b->put("other", "from b");
  ASSERT_TRUE(b_put.status.ok());
  if (catches_up(GetParam())) {
    EXPECT_TRUE(b_get.status.ok()) << b_get.status.to_string();
    EXPECT_EQ(b_get.value, "from a");
    EXPECT_EQ(b_put.offset, record_size("k", "from a"));
    EXPECT_EQ(a->get("other").value, "from b");
    ASSERT_TRUE(b->del("k").ok());
    EXPECT_TRUE(a->get("k").status.is_not_found()) << "a caught up with b's delete";
  } else {
    // The stale index: b's index was built when the file was empty and never learns of a's put.
    EXPECT_TRUE(b_get.status.is_not_found()) << b_get.status.to_string();
    EXPECT_TRUE(a->get("other").status.is_not_found());
    if (GetParam() == Variant::kOAppend) {
      EXPECT_EQ(b_put.offset, record_size("k", "from a")) << "O_APPEND still appends at the end";
    } else {
      EXPECT_EQ(b_put.offset, a_put.offset) << "b's stale end pointer: a duplicate offset";
    }
  }
}

// Increments through two Store objects, one after the other: without catch-up the second one
// counts from its stale index and the first increment is lost, even with no interleaving at all.
TEST_P(StoreTest, IncrementsThroughTwoInstancesAreLostWithoutCatchUp) {
  auto a = open();
  auto b = open();
  EXPECT_EQ(a->increment("n", 1).value, 1);
  EXPECT_EQ(b->increment("n", 1).value, catches_up(GetParam()) ? 2 : 1);
  a.reset();
  b.reset();
  auto reopened = open();
  EXPECT_EQ(reopened->get("n").value, catches_up(GetParam()) ? "2" : "1");
}

TEST(Variants, NamesRoundTrip) {
  ASSERT_EQ(all_variants().size(), 8u);
  for (Variant v : all_variants()) {
    EXPECT_EQ(parse_variant(to_string(v)), v);
    EXPECT_FALSE(summary(v).empty());
  }
  EXPECT_EQ(to_string(Variant::kUnlocked), "unlocked");
  EXPECT_EQ(to_string(Variant::kMutex), "mutex");
  EXPECT_EQ(to_string(Variant::kOAppend), "o-append");
  EXPECT_EQ(to_string(Variant::kFlock), "flock");
  EXPECT_EQ(to_string(Variant::kSafe), "safe");
  EXPECT_EQ(parse_variant("nonsense"), std::nullopt);
}

// Two o-append stores on one file (two processes), appending alternately: the kernel puts every
// record at the end of the file, so no two share an offset, and recovery returns all of them.
TEST(OAppendVariant, OAppendRecordsNeverShareAnOffset) {
  TempDir dir;
  OpenResult a = open_store(Variant::kOAppend, dir.path());
  OpenResult b = open_store(Variant::kOAppend, dir.path());
  ASSERT_TRUE(a.status.ok());
  ASSERT_TRUE(b.status.ok());
  constexpr int kPuts = 20;
  std::vector<std::uint64_t> offsets;
  std::uint64_t expected_offset = 0;
  for (int i = 0; i < kPuts; ++i) {
    Store& store = i % 2 == 0 ? *a.store : *b.store;
    const std::string key = "k" + std::to_string(i);
    const std::string value(static_cast<std::size_t>(10 * i), 'v');
    PutResult r = store.put(key, value);
    ASSERT_TRUE(r.status.ok()) << r.status.to_string();
    EXPECT_EQ(r.offset, expected_offset) << key;
    expected_offset += record_size(key, value);
    offsets.push_back(r.offset);
    // Each store's own records are in its own index.
    EXPECT_EQ(store.get(key).value, value);
  }
  std::sort(offsets.begin(), offsets.end());
  EXPECT_EQ(std::adjacent_find(offsets.begin(), offsets.end()), offsets.end());
  EXPECT_EQ(read_file(dir.path() / kDataFileName).size(), expected_offset);

  a.store.reset();
  b.store.reset();
  OpenResult reopened = open_store(Variant::kOAppend, dir.path());
  ASSERT_TRUE(reopened.status.ok()) << reopened.status.to_string();
  EXPECT_EQ(reopened.recovery.records, std::uint64_t{kPuts});
  for (int i = 0; i < kPuts; ++i) {
    EXPECT_EQ(reopened.store->get("k" + std::to_string(i)).value,
              std::string(static_cast<std::size_t>(10 * i), 'v'));
  }
}

class CatchUpTest : public ::testing::TestWithParam<Variant> {};

INSTANTIATE_TEST_SUITE_P(CatchUpVariants, CatchUpTest,
                         ::testing::Values(Variant::kFlock, Variant::kSafe), variant_name);

// A record another writer has only partly written (a truncated tail at the end of the scan) is
// neither applied nor cut off: the catch-up stops at its start and applies it once it is whole.
TEST_P(CatchUpTest, CatchUpStopsAtARecordStillBeingWritten) {
  TempDir dir;
  OpenResult r = open_store(GetParam(), dir.path());
  ASSERT_TRUE(r.status.ok());
  Store& store = *r.store;
  ASSERT_TRUE(store.put("a", "1").status.ok());
  const std::uint64_t start = read_file(dir.path() / kDataFileName).size();
  const std::string record = encode_record(RecordType::kPut, "b", std::string(100, 'b'));
  for (std::size_t written : {std::size_t{5}, kHeaderSize, kHeaderSize + 50}) {
    SCOPED_TRACE("written " + std::to_string(written));
    {
      std::ofstream out(dir.path() / kDataFileName, std::ios::binary | std::ios::app);
      const std::size_t have = read_file(dir.path() / kDataFileName).size() - start;
      out.write(record.data() + have, static_cast<std::streamsize>(written - have));
    }
    EXPECT_TRUE(store.get("b").status.is_not_found());
    EXPECT_EQ(store.get("a").value, "1");
    EXPECT_EQ(read_file(dir.path() / kDataFileName).size(), start + written) << "not truncated";
  }
  {
    std::ofstream out(dir.path() / kDataFileName, std::ios::binary | std::ios::app);
    out.write(record.data() + kHeaderSize + 50,
              static_cast<std::streamsize>(record.size() - kHeaderSize - 50));
  }
  GetResult b = store.get("b");
  EXPECT_EQ(b.value, std::string(100, 'b'));
  EXPECT_EQ(b.offset, start);
  EXPECT_EQ(store.put("c", "3").offset, start + record.size());
}

// Corruption found by a catch-up fails the operation (and every later one) rather than letting the
// store write over it.
TEST_P(CatchUpTest, CorruptionFoundByCatchUpFailsTheOperation) {
  TempDir dir;
  OpenResult r = open_store(GetParam(), dir.path());
  ASSERT_TRUE(r.status.ok());
  Store& store = *r.store;
  ASSERT_TRUE(store.put("a", "1").status.ok());
  const std::uint64_t start = read_file(dir.path() / kDataFileName).size();
  std::string record = encode_record(RecordType::kPut, "b", "2");
  record.back() = 'X';  // checksum mismatch
  {
    std::ofstream out(dir.path() / kDataFileName, std::ios::binary | std::ios::app);
    out.write(record.data(), static_cast<std::streamsize>(record.size()));
  }
  GetResult got = store.get("a");
  EXPECT_EQ(got.status.code(), Status::kCorruption);
  EXPECT_EQ(got.status.offset(), start);
  PutResult put = store.put("c", "3");
  EXPECT_EQ(put.status.code(), Status::kCorruption);
  EXPECT_EQ(store.increment("n", 1).status.code(), Status::kCorruption);
  EXPECT_EQ(store.del("a").code(), Status::kCorruption);
  EXPECT_EQ(read_file(dir.path() / kDataFileName).size(), start + record.size()) << "not written";
}

// Runs `threads` real threads on each of `instances` Store objects on one directory (the mixed
// deployment, uncontrolled), each doing `kIncrements` increments of one counter plus a put and a
// get; no increment may be lost, and recovery must give back every record.
void increment_from_real_threads(Variant variant, int instances, int threads) {
  TempDir dir;
  std::vector<std::unique_ptr<Store>> stores;
  for (int i = 0; i < instances; ++i) {
    OpenResult r = open_store(variant, dir.path());
    ASSERT_TRUE(r.status.ok());
    stores.push_back(std::move(r.store));
  }
  constexpr int kIncrements = 200;
  std::vector<std::thread> workers;
  for (int i = 0; i < instances; ++i) {
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&store = *stores[static_cast<std::size_t>(i)], i, t] {
        for (int n = 0; n < kIncrements; ++n) {
          EXPECT_TRUE(store.increment("counter", 1).status.ok());
          std::string key = "t" + std::to_string(i) + "." + std::to_string(t);
          EXPECT_TRUE(store.put(key, std::string(100, 'p')).status.ok());
          EXPECT_TRUE(store.get("counter").status.ok());
        }
      });
    }
  }
  for (std::thread& w : workers) w.join();
  const int total = instances * threads * kIncrements;
  for (auto& store : stores) {
    EXPECT_EQ(store->get("counter").value, std::to_string(total));
  }
  stores.clear();
  OpenResult reopened = open_store(variant, dir.path());
  ASSERT_TRUE(reopened.status.ok()) << reopened.status.to_string();
  EXPECT_EQ(reopened.recovery.records, 2u * static_cast<std::uint64_t>(total));
  EXPECT_EQ(reopened.store->get("counter").value, std::to_string(total));
}

// Uncontrolled, the mutex variant is an ordinary thread-safe store (and TSan-clean).
TEST(MutexVariant, ConcurrentIncrementsFromRealThreadsAreNotLost) {
  increment_from_real_threads(Variant::kMutex, 1, 4);
}

// Uncontrolled, flock blocks for real: one thread per Store object (one per process) is safe.
TEST(FlockVariant, IncrementsFromOneThreadPerInstanceAreNotLost) {
  increment_from_real_threads(Variant::kFlock, 3, 1);
}

// Uncontrolled, safe is safe with several threads on each of several Store objects.
TEST(SafeVariant, IncrementsFromSeveralThreadsOnSeveralInstancesAreNotLost) {
  increment_from_real_threads(Variant::kSafe, 2, 3);
  increment_from_real_threads(Variant::kSafe, 1, 4);
}

}  // namespace
}  // namespace interleave::store
