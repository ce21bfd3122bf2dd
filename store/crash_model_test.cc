// The persistence models of store/crash_model.h and the in-memory file system that feeds them.
#include "store/crash_model.h"

#include <gtest/gtest.h>

#include "store/file.h"

namespace interleave::store {
namespace {

FileState two_writes() {
  FileState f;
  f.path = "mem:/v/db";
  f.durable = "AB";
  f.unsynced = {UnsyncedWrite{false, 2, "CD"}, UnsyncedWrite{false, 4, "EF"}};
  f.current = "ABCDEF";
  f.entry_durable = true;
  return f;
}

std::vector<std::string> contents(const std::vector<CrashImage>& images) {
  std::vector<std::string> out;
  for (const CrashImage& i : images) out.push_back(i.files.empty() ? "<gone>" : i.files[0].second);
  return out;
}

TEST(CrashModel, ProcessKeepsThePageCache) {
  const FileState f = two_writes();
  EXPECT_EQ(contents(crash_images({&f, 1}, Persistence::kProcess, 100)),
            std::vector<std::string>{"ABCDEF"});
}

TEST(CrashModel, PrefixKeepsAPrefixOfTheUnsyncedWritesFewestFirst) {
  const FileState f = two_writes();
  EXPECT_EQ(contents(crash_images({&f, 1}, Persistence::kPrefix, 100)),
            (std::vector<std::string>{"AB", "ABCD", "ABCDEF"}));
}

TEST(CrashModel, SubsetKeepsAnySubsetWithAHoleOfZeros) {
  const FileState f = two_writes();
  EXPECT_EQ(contents(crash_images({&f, 1}, Persistence::kSubset, 100)),
            (std::vector<std::string>{"AB", "ABCD", std::string("AB\0\0EF", 6), "ABCDEF"}));
}

TEST(CrashModel, TornCutsAWriteAtSectorBoundaries) {
  FileState f;
  f.path = "mem:/v/db";
  f.unsynced = {UnsyncedWrite{false, 500, std::string(600, 'x')}};
  f.current = std::string(500, '\0') + std::string(600, 'x');
  f.entry_durable = true;
  const auto images = crash_images({&f, 1}, Persistence::kTorn, 100);
  ASSERT_EQ(images.size(), 4u);  // nothing, torn at 512, torn at 1024, whole
  EXPECT_EQ(images[0].files[0].second.size(), 0u);
  EXPECT_EQ(images[1].files[0].second.size(), 512u);
  EXPECT_EQ(images[2].files[0].second.size(), 1024u);
  EXPECT_EQ(images[3].files[0].second.size(), 1100u);
}

TEST(CrashModel, DirentLosesAFileWhoseDirectoryWasNeverSynced) {
  FileState f = two_writes();
  f.entry_durable = false;
  EXPECT_EQ(contents(crash_images({&f, 1}, Persistence::kDirEntries, 100)),
            std::vector<std::string>{"<gone>"});
  f.entry_durable = true;
  EXPECT_EQ(contents(crash_images({&f, 1}, Persistence::kDirEntries, 100)),
            std::vector<std::string>{"AB"});
}

TEST(CrashModel, IdenticalStatesAreListedOnce) {
  FileState f = two_writes();
  f.unsynced = {UnsyncedWrite{false, 2, "CD"}, UnsyncedWrite{false, 2, "CD"}};
  f.current = "ABCD";
  EXPECT_EQ(crash_images({&f, 1}, Persistence::kSubset, 100).size(), 2u);
}

TEST(CrashModel, ModelNamesRoundTrip) {
  for (Persistence p : all_persistence_models()) EXPECT_EQ(parse_persistence(to_string(p)), p);
  EXPECT_FALSE(parse_persistence("fsync"));
}

TEST(MemoryFileCrash, SyncMakesWritesDurableAndDirectorySyncTheEntry) {
  auto fs = make_memory_file_system();
  ASSERT_TRUE(fs->create_directories("mem:/v").ok());
  std::unique_ptr<File> file;
  ASSERT_TRUE(fs->open("mem:/v/db", false, &file).ok());
  ASSERT_TRUE(file->write_at(0, "abc").ok());
  std::vector<FileState> state;
  ASSERT_TRUE(fs->crash_state(&state));
  ASSERT_EQ(state.size(), 1u);
  EXPECT_EQ(state[0].durable, "");
  EXPECT_EQ(state[0].unsynced.size(), 1u);
  EXPECT_FALSE(state[0].entry_durable);
  ASSERT_TRUE(file->sync().ok());
  ASSERT_TRUE(fs->sync_directory("mem:/v").ok());
  ASSERT_TRUE(file->truncate(1).ok());
  ASSERT_TRUE(fs->crash_state(&state));
  EXPECT_EQ(state[0].durable, "abc");
  ASSERT_EQ(state[0].unsynced.size(), 1u);
  EXPECT_TRUE(state[0].unsynced[0].truncate);
  EXPECT_TRUE(state[0].entry_durable);
  const auto images = crash_images(state, Persistence::kPrefix, 10);
  ASSERT_EQ(images.size(), 2u);
  file.reset();
  fs->restore(images[0]);
  ASSERT_TRUE(fs->open("mem:/v/db", false, &file).ok());
  std::string out;
  ASSERT_TRUE(file->read_at(0, 10, &out).ok());
  EXPECT_EQ(out, "abc");
}

}  // namespace
}  // namespace interleave::store
