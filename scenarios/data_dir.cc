#include "scenarios/data_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>

#include "fmt/format.h"
#include "harness/cleanup.h"
#include "harness/environment.h"

namespace interleave::scenarios {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kRunPrefix = "interleave-run-";
// A run directory is made and locked under this name, then renamed: the sweep never sees a run
// directory that is not locked yet.
constexpr std::string_view kStagingPrefix = ".interleave-new-";
constexpr const char* kLockName = ".lock";

[[noreturn]] void fail(const std::string& what, int err) {
  throw_if_environment(what, err);
  throw std::runtime_error(fmt::format("{}: {}", what, std::strerror(err)));
}

// Removes the run directories in `base` whose owner is gone: those whose lock can be taken (a run
// directory without a lock file cannot be one in use), and staging directories a minute old (their
// owner died between making and renaming them).
void sweep(const fs::path& base) {
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(base, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory(ec)) continue;
    if (name.rfind(kStagingPrefix, 0) == 0) {
      const auto age = fs::file_time_type::clock::now() - fs::last_write_time(entry.path(), ec);
      if (!ec && age > std::chrono::minutes(1)) fs::remove_all(entry.path(), ec);
      continue;
    }
    if (name.rfind(kRunPrefix, 0) != 0) continue;
    const int fd = ::open((entry.path() / kLockName).c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0 || ::flock(fd, LOCK_EX | LOCK_NB) == 0) fs::remove_all(entry.path(), ec);
    if (fd >= 0) ::close(fd);
  }
}

struct RunDir {
  fs::path path;
  int lock_fd = -1;
  int users = 0;
};

class RunDirs {
 public:
  // The run directory for `base`, created (after a sweep) if this process has none there.
  fs::path acquire(const fs::path& base) {
    std::lock_guard lock(mu_);
    RunDir& run = runs_[base.string()];
    if (run.users++ > 0) return run.path;
    try {
      run = create(base);
    } catch (...) {
      runs_.erase(base.string());
      throw;
    }
    return run.path;
  }

  // Removes the run directory of `base` when its last data directory is gone.
  void release(const fs::path& base) {
    std::lock_guard lock(mu_);
    const auto it = runs_.find(base.string());
    if (it == runs_.end() || --it->second.users > 0) return;
    unregister_cleanup_dir(it->second.path.string());
    std::error_code ignored;
    fs::remove_all(it->second.path, ignored);
    ::close(it->second.lock_fd);
    runs_.erase(it);
  }

 private:
  RunDir create(const fs::path& base) {
    // Once per base and process: a run directory made again later (after the last data directory
    // went) finds nothing new to sweep.
    if (swept_.insert(base.string()).second) sweep(base);
    std::string staging = (base / fmt::format("{}XXXXXX", kStagingPrefix)).string();
    if (::mkdtemp(staging.data()) == nullptr) {
      fail(fmt::format("cannot create a run directory in {}", base.string()), errno);
    }
    std::error_code ignored;
    const int fd =
        ::open((fs::path(staging) / kLockName).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || ::flock(fd, LOCK_EX) != 0) {
      const int err = errno;
      fs::remove_all(staging, ignored);
      fail(fmt::format("cannot lock the run directory {}", staging), err);
    }
    const std::string suffix = staging.substr(staging.size() - 6);
    const fs::path path = base / fmt::format("{}{}-{}", kRunPrefix, ::getpid(), suffix);
    if (::rename(staging.c_str(), path.c_str()) != 0) {
      const int err = errno;
      ::close(fd);
      fs::remove_all(staging, ignored);
      fail(fmt::format("cannot create the run directory {}", path.string()), err);
    }
    register_cleanup_dir(path.string());
    return RunDir{path, fd, 1};
  }

  std::mutex mu_;
  std::map<std::string, RunDir> runs_;
  std::set<std::string> swept_;  // bases swept by this process
};

RunDirs& run_dirs() {
  static RunDirs dirs;
  return dirs;
}

}  // namespace

fs::path DataDir::base() {
  if (const char* env = std::getenv("INTERLEAVE_TMPDIR"); env != nullptr && *env != '\0') {
    return env;
  }
  if (::access("/dev/shm", W_OK | X_OK) == 0) return "/dev/shm";
  return fs::temp_directory_path();
}

DataDir::DataDir(Files files) {
  if (files == Files::kMemory) {
    static std::atomic<std::uint64_t> volumes{0};
    volume_ = std::make_unique<store::MemoryVolume>(
        fmt::format("{}/interleave-{}", store::kMemoryPrefix, volumes.fetch_add(1)));
    path_ = volume_->name();
    return;
  }
  base_ = base();
  const fs::path run = run_dirs().acquire(base_);
  std::string pattern = (run / "interleave-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    const int err = errno;
    run_dirs().release(base_);
    fail(fmt::format("cannot create a data directory in {}", run.string()), err);
  }
  path_ = pattern;
}

DataDir::~DataDir() {
  if (volume_) return;  // the volume goes with it
  std::error_code ignored;
  fs::remove_all(path_, ignored);
  run_dirs().release(base_);
}

}  // namespace interleave::scenarios
