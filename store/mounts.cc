// The mounts of this process: which file system a path lives on (store/file.h).
#include <map>
#include <mutex>

#include "store/file.h"

namespace interleave::store {
namespace {

struct Mounts {
  std::mutex mu;
  std::map<std::string, FileSystem*, std::less<>> by_dir;
};

Mounts& mounts() {
  static Mounts m;
  return m;
}

// "dir" without trailing slashes (but "/" stays "/").
std::string_view trimmed(std::string_view dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
  return dir;
}

}  // namespace

Mount::Mount(std::string dir, std::unique_ptr<FileSystem> files)
    : dir_(trimmed(dir)), files_(std::move(files)) {
  EnvironmentLock lock(mounts().mu);
  mounts().by_dir[dir_] = files_.get();
}

Mount::~Mount() {
  EnvironmentLock lock(mounts().mu);
  mounts().by_dir.erase(dir_);
}

FileSystem* file_system_for(const std::filesystem::path& path) {
  std::string_view text = trimmed(path.native());
  const bool in_memory = text.substr(0, kMemoryPrefix.size()) == kMemoryPrefix;
  EnvironmentLock lock(mounts().mu);
  // The deepest mount first: try the path itself, then each parent.
  for (;;) {
    const auto it = mounts().by_dir.find(text);
    if (it != mounts().by_dir.end()) return it->second;
    const std::size_t slash = text.rfind('/');
    if (slash == std::string_view::npos || slash == 0) break;
    text = text.substr(0, slash);
  }
  return in_memory ? nullptr : &posix_file_system();
}

}  // namespace interleave::store
