// A fresh, private data directory for one execution, removed with everything in it on destruction.
#pragma once

#include <filesystem>

namespace interleave::scenarios {

class DataDir {
 public:
  // Creates <base>/interleave-XXXXXX, where base is $INTERLEAVE_TMPDIR if set, else /dev/shm when
  // it is a writable directory (tmpfs: no disk I/O), else the system temp directory. Throws
  // std::runtime_error naming the path and errno when it cannot.
  DataDir();
  ~DataDir();
  DataDir(const DataDir&) = delete;
  DataDir& operator=(const DataDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // The directory new data directories are created in.
  static std::filesystem::path base();

 private:
  std::filesystem::path path_;
};

}  // namespace interleave::scenarios
