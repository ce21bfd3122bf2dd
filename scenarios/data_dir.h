// A fresh, private data directory for one execution, removed with everything in it on destruction.
//
// Data directories live in one run directory per harness process and base,
// <base>/interleave-run-<pid>-XXXXXX, which exists while any of its data directories does and holds
// a lock file (flock) for as long as its process lives. Should the process die without cleaning up
// (SIGKILL, a power cut), the next process to create a data directory in that base removes every
// run directory whose lock it can take: nothing accumulates in /dev/shm. A fatal signal or a
// second Ctrl-C removes the run directory at once (harness/cleanup.h).
#pragma once

#include <filesystem>
#include <memory>

#include "store/file.h"

namespace interleave::scenarios {

// Where an execution's files live: the file system (under base()), or memory (a volume of the
// harness process, store/file.h: fast, but only actors of the harness process can open it).
enum class Files { kDisk, kMemory };

class DataDir {
 public:
  // Creates <run directory>/interleave-XXXXXX in base(): $INTERLEAVE_TMPDIR if set, else /dev/shm
  // when it is a writable directory (tmpfs: no disk I/O), else the system temp directory. Throws
  // EnvironmentError when the file system refuses for a reason of the machine's (full, read-only,
  // no permission), std::runtime_error naming the path and errno otherwise.
  explicit DataDir(Files files = Files::kDisk);
  ~DataDir();
  DataDir(const DataDir&) = delete;
  DataDir& operator=(const DataDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // The directory new data directories are created in (under their run directory).
  static std::filesystem::path base();

 private:
  std::filesystem::path base_;
  std::filesystem::path path_;
  std::unique_ptr<store::MemoryVolume> volume_;  // Files::kMemory
};

}  // namespace interleave::scenarios
