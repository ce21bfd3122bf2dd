// The file seam's contract, checked against both file systems: the POSIX one and the one in memory
// must behave byte for byte and lock for lock alike.
#include "store/file.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "store/testutil.h"

namespace interleave::store {
namespace {

class FileSystems : public ::testing::TestWithParam<bool> {
 protected:
  FileSystems() {
    if (GetParam()) volume_.emplace(std::string(kMemoryPrefix) + "/file-test");
    dir_ = volume_ ? std::filesystem::path(volume_->name()) : tmp_.path() / "data";
    EXPECT_TRUE(fs().create_directories(dir_).ok());
  }
  FileSystem& fs() { return *file_system_for(dir_); }
  std::unique_ptr<File> open(bool o_append = false) {
    std::unique_ptr<File> f;
    const Status s = fs().open(dir_ / "f", o_append, &f);
    EXPECT_TRUE(s.ok()) << s.to_string();
    return f;
  }
  static std::string read(File& f, std::uint64_t off, std::size_t n) {
    std::string out = "stale";
    EXPECT_TRUE(f.read_at(off, n, &out).ok());
    return out;
  }

 private:
  testing::TempDir tmp_;
  std::optional<MemoryVolume> volume_;
  std::filesystem::path dir_;
};

INSTANTIATE_TEST_SUITE_P(DiskAndMemory, FileSystems, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "memory" : "disk"; });

TEST_P(FileSystems, AReadPastTheEndIsShortAndNotAnError) {
  auto f = open();
  ASSERT_TRUE(f->write_at(0, "abc").ok());
  EXPECT_EQ(read(*f, 1, 10), "bc");
  EXPECT_EQ(read(*f, 3, 10), "");
  EXPECT_EQ(read(*f, 100, 10), "");
}

TEST_P(FileSystems, AWritePastTheEndLeavesAHoleOfZeros) {
  auto f = open();
  ASSERT_TRUE(f->write_at(4, "xy").ok());
  EXPECT_EQ(read(*f, 0, 6), std::string("\0\0\0\0xy", 6));
  std::uint64_t size = 0;
  ASSERT_TRUE(f->size(&size).ok());
  EXPECT_EQ(size, 6u);
}

TEST_P(FileSystems, AppendAndPositionalWritesNeedTheRightOpenMode) {
  auto plain = open(false);
  auto appending = open(true);
  EXPECT_EQ(plain->append("x").code(), Status::kInvalidArgument);
  EXPECT_EQ(appending->write_at(0, "x").code(), Status::kInvalidArgument);
  ASSERT_TRUE(plain->write_at(0, "ab").ok());
  ASSERT_TRUE(appending->append("cd").ok());
  EXPECT_EQ(read(*plain, 0, 10), "abcd");
}

TEST_P(FileSystems, TruncateCutsAndAnotherDescriptionSeesIt) {
  auto a = open();
  auto b = open();
  ASSERT_TRUE(a->write_at(0, "abcdef").ok());
  ASSERT_TRUE(b->truncate(2).ok());
  EXPECT_EQ(read(*a, 0, 10), "ab");
}

TEST_P(FileSystems, ALockExcludesOtherDescriptionsUntilReleasedOrClosed) {
  auto a = open();
  auto b = open();
  ASSERT_TRUE(a->try_lock());
  EXPECT_TRUE(a->try_lock()) << "the holding description takes it again";
  EXPECT_FALSE(b->try_lock());
  a->unlock();
  EXPECT_TRUE(b->try_lock());
  b.reset();  // closing the description drops its lock
  EXPECT_TRUE(a->try_lock());
  EXPECT_NE(a->description(), open()->description());
}

}  // namespace
}  // namespace interleave::store
