#include "store/store.h"

#include <gtest/gtest.h>

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

std::string variant_name(const ::testing::TestParamInfo<Variant>& info) {
  return std::string(to_string(info.param));
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

TEST(Variants, NamesRoundTrip) {
  ASSERT_EQ(all_variants().size(), 2u);
  for (Variant v : all_variants()) {
    EXPECT_EQ(parse_variant(to_string(v)), v);
  }
  EXPECT_EQ(to_string(Variant::kUnlocked), "unlocked");
  EXPECT_EQ(to_string(Variant::kMutex), "mutex");
  EXPECT_EQ(parse_variant("nonsense"), std::nullopt);
  EXPECT_FALSE(summary(Variant::kMutex).empty());
}

// Uncontrolled, the mutex variant is an ordinary thread-safe store (and TSan-clean).
TEST(MutexVariant, ConcurrentIncrementsFromRealThreadsAreNotLost) {
  TempDir dir;
  OpenResult r = open_store(Variant::kMutex, dir.path());
  ASSERT_TRUE(r.status.ok());
  Store& store = *r.store;
  constexpr int kThreads = 4;
  constexpr int kIncrements = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&store, t] {
      for (int i = 0; i < kIncrements; ++i) {
        EXPECT_TRUE(store.increment("counter", 1).status.ok());
        EXPECT_TRUE(store.put("t" + std::to_string(t), std::string(100, 'p')).status.ok());
        EXPECT_TRUE(store.get("counter").status.ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(store.get("counter").value, std::to_string(kThreads * kIncrements));
  r.store.reset();
  OpenResult reopened = open_store(Variant::kMutex, dir.path());
  ASSERT_TRUE(reopened.status.ok()) << reopened.status.to_string();
  EXPECT_EQ(reopened.recovery.records, 2u * kThreads * kIncrements);
  EXPECT_EQ(reopened.store->get("counter").value, std::to_string(kThreads * kIncrements));
}

}  // namespace
}  // namespace interleave::store
