// A small Env-like file seam (LevelDB Env style): the log reads and writes database.bin only
// through `File`, opened through a `FileSystem`, so tests can substitute a file that injects errors
// or drops unsynced bytes, and fast exploration can keep every file in memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "harness/seam.h"
#include "store/crash_model.h"
#include "store/status.h"

namespace interleave::store {

// A random-access file: one open file description. Methods return io_error with the failing call
// and errno on failure. Thread safety: a File may be used by several threads at once (each call is
// one or more positional transfers that touch no shared buffer); ordering between concurrent calls
// is whatever the file system gives, which is exactly what the store variants test. As a
// LockableFile it takes flock(2)-style locks: the lock belongs to this description and is released
// when it is destroyed.
class File : public LockableFile {
 public:
  virtual ~File() = default;

  // Reads up to `n` bytes at `off` into `*out` (replacing its contents). A short read at end of
  // file is not an error: `*out` gets the bytes that exist (possibly none).
  virtual Status read_at(std::uint64_t off, std::size_t n, std::string* out) = 0;

  // Writes all of `data` at `off`, extending the file (with a hole of zeros) if `off` is past its
  // end. Returns invalid_argument on a file opened with o_append (Linux pwrite ignores the offset
  // of an O_APPEND descriptor and would append instead).
  virtual Status write_at(std::uint64_t off, std::string_view data) = 0;

  // Appends `data` in one transfer at the end of the file, so that concurrent appenders (even in
  // other processes) never interleave inside one call. Returns invalid_argument on a file not
  // opened with o_append. Should the kernel write only part (disk full, signal), the rest is
  // written by further calls and the atomicity of this append is lost.
  virtual Status append(std::string_view data) = 0;

  // Sets `*out` to the current file size.
  virtual Status size(std::uint64_t* out) = 0;

  // Cuts the file to `size` bytes (used by recovery to drop a torn tail).
  virtual Status truncate(std::uint64_t size) = 0;

  // Flushes written data to stable storage (fdatasync).
  virtual Status sync() = 0;

  // The file's descriptor, or -1 for a file that has none (in memory).
  virtual int fd() const = 0;
};

// Forwards every call to another File: the base of files that change a few calls (fault
// injection), as LevelDB's EnvWrapper.
class FileWrapper : public File {
 public:
  explicit FileWrapper(std::unique_ptr<File> target) : target_(std::move(target)) {}
  Status read_at(std::uint64_t off, std::size_t n, std::string* out) override {
    return target_->read_at(off, n, out);
  }
  Status write_at(std::uint64_t off, std::string_view data) override {
    return target_->write_at(off, data);
  }
  Status append(std::string_view data) override { return target_->append(data); }
  Status size(std::uint64_t* out) override { return target_->size(out); }
  Status truncate(std::uint64_t size) override { return target_->truncate(size); }
  Status sync() override { return target_->sync(); }
  int fd() const override { return target_->fd(); }
  bool try_lock() override { return target_->try_lock(); }
  void lock() override { target_->lock(); }
  void unlock() override { target_->unlock(); }
  std::uint64_t description() const override { return target_->description(); }

 protected:
  File& target() { return *target_; }

 private:
  std::unique_ptr<File> target_;
};

// Where files live: the real file system, or one in memory.
// The own lock of a file system the harness provides (files in memory, the crash journal, the
// mounts): part of the environment, so never a scheduler decision, even when an actor takes it.
class EnvironmentLock {
 public:
  explicit EnvironmentLock(std::mutex& m) : lock_(m) {}
  std::unique_lock<std::mutex>& held() { return lock_; }

 private:
  EnvironmentScope scope_;  // first: the actor is hidden before the lock is taken, shown after
  std::unique_lock<std::mutex> lock_;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Opens `path` for reading and writing, creating it if missing (mode 0644), with O_APPEND
  // semantics if `o_append`. On success sets `*out`; otherwise returns io_error and leaves `*out`.
  virtual Status open(const std::filesystem::path& path, bool o_append,
                      std::unique_ptr<File>* out) = 0;
  // Creates `dir` and its missing parents.
  virtual Status create_directories(const std::filesystem::path& dir) = 0;
  // Makes the entries of `dir` (the files created in it) durable: fsync(2) of the directory.
  virtual Status sync_directory(const std::filesystem::path& dir) = 0;

  // Crashes (store/crash_model.h), for file systems that keep unsynced writes apart (the one in
  // memory): every file with its durable bytes and the writes not yet synced, in path order.
  // Returns false for a file system that cannot say (the POSIX one: the kernel holds them).
  virtual bool crash_state(std::vector<FileState>* out) { return false; }
  // Replaces every file by the image's (files absent from it are removed), all of it durable, as
  // the disk is when the machine comes back. Requires: crash_state() returned true.
  virtual void restore(const CrashImage& image) {}
};

// The real file system: descriptors with O_CLOEXEC, pread/pwrite retried on EINTR and partial
// transfers, locks by flock(2).
FileSystem& posix_file_system();

// Shorthand for posix_file_system().open().
Status open_posix_file(const std::filesystem::path& path, bool o_append,
                       std::unique_ptr<File>* out);

// --- files in memory (store/memory_file.cc)
// -------------------------------------------------------

// A volume of files in memory with the byte-level behaviour of the POSIX file system above: short
// reads at the end, zero-filled holes, atomic appends, flock-style locks per open file (two opens
// are two descriptions; closing one drops its lock). Usable from several threads. Private to the
// process that made it.
std::unique_ptr<FileSystem> make_memory_file_system();

// The prefix of data directory paths that name an in-memory volume: "mem:/interleave-3", for
// example. Paths of a volume are its name followed by "/" and the file's name.
inline constexpr std::string_view kMemoryPrefix = "mem:";

// Mounts a file system at a directory until the handle is destroyed: file_system_for() then
// returns it for the directory and every path below it (of nested mounts, the deepest wins). Per
// process: another process sees its own mounts only.
class Mount {
 public:
  Mount(std::string dir, std::unique_ptr<FileSystem> files);
  ~Mount();
  Mount(const Mount&) = delete;
  Mount& operator=(const Mount&) = delete;
  const std::string& dir() const { return dir_; }
  FileSystem& files() { return *files_; }

 private:
  std::string dir_;
  std::unique_ptr<FileSystem> files_;
};

// A volume of files in memory mounted under `name` ("mem:/<one component>") until the handle is
// destroyed.
class MemoryVolume {
 public:
  explicit MemoryVolume(std::string name) : mount_(std::move(name), make_memory_file_system()) {}
  const std::string& name() const { return mount_.dir(); }

 private:
  Mount mount_;
};

// The file system `path` lives on: the deepest mount holding it, else the POSIX one for a path
// outside "mem:". Returns nullptr for a "mem:" path whose volume is not mounted in this process
// (an in-memory data directory seen from another process).
FileSystem* file_system_for(const std::filesystem::path& path);

// --- a journal of changes on disk, for power loss across processes (store/journal_file.cc) ----

// The POSIX file system, recording in the journal file `journal` every change made through it,
// after it succeeded: opens (which may create a file), writes, appends, truncations, syncs of a
// file and of a directory, in the order they were made. Several processes may each make one on
// the same journal: each record is one append, and under the scheduler one actor runs at a time,
// so the journal holds the changes of all of them in the order they happened. Changes made
// otherwise (by another file system) are not seen. A failure to journal is the call's failure.
//
// crash_state() replays the journal as the file system in memory would have held the files
// (durable bytes, unsynced writes, directory entries): the files made through this journal since
// it began, or since the last restore(). restore() writes the image's files on disk, removes those
// of the journal's files the image lacks, and starts the journal afresh from the image (all of it
// durable). Throws std::runtime_error for a journal that is not one (cut short, altered).
std::unique_ptr<FileSystem> make_journaling_file_system(std::filesystem::path journal);

}  // namespace interleave::store
