// The journaling file system (power loss across processes): its journal, replayed, must describe
// the files exactly as the file system in memory does after the same changes, whichever of several
// file systems (processes) on the one journal made them.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <optional>

#include "store/file.h"
#include "store/testutil.h"

namespace interleave::store {
namespace {

// One change, applied to file a or b of a data directory.
struct Change {
  enum Kind { kWrite, kAppend, kTruncate, kSync, kSyncDirectory } kind;
  bool file_b;
  int via;  // which of the journaling file systems makes it (two processes)
  std::uint64_t off;
  std::string data;
};

Change arbitrary_change() {
  return Change{
      *rc::gen::element(Change::kWrite, Change::kAppend, Change::kTruncate, Change::kSync,
                        Change::kSyncDirectory),
      *rc::gen::arbitrary<bool>(), *rc::gen::inRange(0, 2), *rc::gen::inRange<std::uint64_t>(0, 40),
      *rc::gen::container<std::string>(*rc::gen::inRange(1, 9), rc::gen::inRange('a', 'z'))};
}

// The files of one directory on one file system, opened for positional writes and for appends.
struct Handles {
  std::unique_ptr<File> plain[2];
  std::unique_ptr<File> appending[2];
  Handles(FileSystem& fs, const std::filesystem::path& dir) {
    EXPECT_TRUE(fs.create_directories(dir).ok());
    for (int i = 0; i < 2; ++i) {
      const std::filesystem::path path = dir / (i == 0 ? "a" : "b");
      EXPECT_TRUE(fs.open(path, false, &plain[i]).ok());
      EXPECT_TRUE(fs.open(path, true, &appending[i]).ok());
    }
  }
};

void apply(const Change& c, FileSystem& fs, Handles& h, const std::filesystem::path& dir) {
  const int i = c.file_b ? 1 : 0;
  Status s;
  switch (c.kind) {
    case Change::kWrite:
      s = h.plain[i]->write_at(c.off, c.data);
      break;
    case Change::kAppend:
      s = h.appending[i]->append(c.data);
      break;
    case Change::kTruncate:
      s = h.plain[i]->truncate(c.off);
      break;
    case Change::kSync:
      s = h.plain[i]->sync();
      break;
    case Change::kSyncDirectory:
      s = fs.sync_directory(dir);
      break;
  }
  RC_ASSERT(s.ok());
}

// A FileState with its path cut to the file's name, so that two directories compare.
struct Seen {
  std::string name, durable, current;
  std::vector<std::pair<std::uint64_t, std::string>> unsynced;
  bool entry_durable;
  bool operator==(const Seen&) const = default;
};

std::vector<Seen> seen(FileSystem& fs) {
  std::vector<FileState> files;
  EXPECT_TRUE(fs.crash_state(&files));
  std::vector<Seen> out;
  for (const FileState& f : files) {
    Seen s{f.path.substr(f.path.rfind('/') + 1), f.durable, f.current, {}, f.entry_durable};
    for (const UnsyncedWrite& w : f.unsynced) {
      s.unsynced.emplace_back(w.off, w.truncate ? "<truncate>" : w.data);
    }
    out.push_back(std::move(s));
  }
  return out;
}

RC_GTEST_PROP(JournalingFileSystem, ItsJournalReplaysToWhatTheFileSystemInMemoryHolds, ()) {
  const auto changes = *rc::gen::container<std::vector<Change>>(*rc::gen::inRange(0, 30),
                                                                rc::gen::exec(arbitrary_change));
  testing::TempDir tmp;
  const std::filesystem::path dir = tmp.path() / "data";
  const std::filesystem::path journal = tmp.path() / "journal";
  // Two processes' file systems on one journal, and the parent's, which reads it.
  Mount parent(dir.string(), make_journaling_file_system(journal));
  std::unique_ptr<FileSystem> workers[2] = {make_journaling_file_system(journal),
                                            make_journaling_file_system(journal)};
  std::optional<Handles> on_disk[2];
  for (int w = 0; w < 2; ++w) on_disk[w].emplace(*workers[w], dir);
  const std::unique_ptr<FileSystem> memory = make_memory_file_system();
  Handles in_memory(*memory, "mem:/journal-test");
  for (const Change& c : changes) {
    apply(c, *workers[c.via], *on_disk[c.via], dir);
    apply(c, *memory, in_memory, "mem:/journal-test");
  }
  const std::vector<Seen> replayed = seen(*file_system_for(dir));
  RC_ASSERT(replayed == seen(*memory));
  for (const Seen& f : replayed) RC_ASSERT(testing::read_file(dir / f.name) == f.current);

  // A crash state restored: the disk holds it, all of it durable, and the journal starts there.
  std::vector<FileState> files;
  file_system_for(dir)->crash_state(&files);
  const std::vector<CrashImage> images = crash_images(files, Persistence::kDirEntries, 64);
  RC_ASSERT(!images.empty());
  const CrashImage& image = images[*rc::gen::inRange<std::size_t>(0, images.size())];
  file_system_for(dir)->restore(image);
  const std::vector<Seen> after = seen(*file_system_for(dir));
  RC_ASSERT(after.size() == image.files.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    RC_ASSERT(dir / after[i].name == image.files[i].first);
    RC_ASSERT(after[i].durable == image.files[i].second);
    RC_ASSERT(after[i].current == image.files[i].second);
    RC_ASSERT(after[i].unsynced.empty());
    RC_ASSERT(testing::read_file(dir / after[i].name) == image.files[i].second);
  }
  for (const char* name : {"a", "b"}) {
    const bool kept =
        std::any_of(after.begin(), after.end(), [&](const Seen& f) { return f.name == name; });
    RC_ASSERT(std::filesystem::exists(dir / name) == kept);
  }
}

TEST(JournalingFileSystem, AJournalThatIsNotOneIsAnErrorNamingIt) {
  testing::TempDir tmp;
  const std::filesystem::path dir = tmp.path() / "data";
  Mount parent(dir.string(), make_journaling_file_system(tmp.path() / "journal"));
  std::unique_ptr<File> f;
  ASSERT_TRUE(file_system_for(dir)->create_directories(dir).ok());
  ASSERT_TRUE(file_system_for(dir)->open(dir / "a", false, &f).ok());
  ASSERT_TRUE(f->write_at(0, "abc").ok());
  const std::string whole = testing::read_file(tmp.path() / "journal");
  testing::write_file(tmp.path() / "journal", whole.substr(0, whole.size() - 1));
  std::vector<FileState> files;
  try {
    file_system_for(dir)->crash_state(&files);
    FAIL() << "a journal cut short was read";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("is not one: a record is cut short"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find((tmp.path() / "journal").string()), std::string::npos);
  }
}

TEST(JournalingFileSystem, AChangeThatCannotBeJournaledFailsWithTheJournalsErrno) {
  testing::TempDir tmp;
  const std::filesystem::path dir = tmp.path() / "data";
  const std::unique_ptr<FileSystem> fs =
      make_journaling_file_system(tmp.path() / "no-such-dir" / "journal");
  const Status s = fs->create_directories(dir);
  EXPECT_EQ(s.sys_errno(), ENOENT) << s.to_string();
  EXPECT_NE(s.to_string().find("the crash journal"), std::string::npos) << s.to_string();
}

TEST(Mounts, TheDeepestMountHoldsAPathAndAnUnmountedPathIsOnThePosixFileSystem) {
  Mount outer("/x", make_memory_file_system());
  Mount inner("/x/y/", make_memory_file_system());
  EXPECT_EQ(file_system_for("/x/y/z"), &inner.files());
  EXPECT_EQ(file_system_for("/x/y"), &inner.files());
  EXPECT_EQ(file_system_for("/x/yz"), &outer.files());
  EXPECT_EQ(file_system_for("/elsewhere"), &posix_file_system());
  EXPECT_EQ(file_system_for("mem:/not-mounted/f"), nullptr);
}

}  // namespace
}  // namespace interleave::store
