#include "harness/cleanup.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstring>
#include <mutex>

namespace interleave {
namespace {

constexpr int kSlots = 16;
constexpr int kMaxDepth = 16;

struct Slot {
  std::atomic<bool> used{false};
  char path[PATH_MAX] = {};
};

Slot slots[kSlots];

constexpr int kChildren = 64;
std::atomic<int> children[kChildren];  // 0: a free entry
std::mutex slots_mu;  // register/unregister only; the signal-time removal reads without it

struct LinuxDirent64 {
  ino64_t d_ino;
  off64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

// Removes the contents of the directory open as `dir`, then closes it. Signal-safe. A pass reads
// the whole directory; passes repeat while one removes something (entries can be missed while the
// directory changes under the reader), at most a few times.
void remove_contents(int dir, int depth) {
  alignas(8) char buffer[4096];
  for (int pass = 0; pass < 4; ++pass) {
    int removed = 0;
    long n;
    while ((n = ::syscall(SYS_getdents64, dir, buffer, sizeof buffer)) > 0) {
      for (long at = 0; at < n;) {
        const auto* entry = reinterpret_cast<const LinuxDirent64*>(buffer + at);
        at += entry->d_reclen;
        const char* name = entry->d_name;
        if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
        if (::unlinkat(dir, name, 0) == 0) {
          ++removed;
          continue;
        }
        if (depth >= kMaxDepth) continue;
        const int child = ::openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (child < 0) continue;
        remove_contents(child, depth + 1);
        removed += ::unlinkat(dir, name, AT_REMOVEDIR) == 0;
      }
    }
    if (removed == 0) break;
    ::lseek(dir, 0, SEEK_SET);
  }
  ::close(dir);
}

}  // namespace

bool register_cleanup_dir(const std::string& path) {
  if (path.size() >= PATH_MAX) return false;
  std::lock_guard lock(slots_mu);
  for (Slot& slot : slots) {
    if (slot.used.load()) continue;
    std::memcpy(slot.path, path.c_str(), path.size() + 1);
    slot.used.store(true, std::memory_order_release);
    return true;
  }
  return false;
}

void unregister_cleanup_dir(const std::string& path) {
  std::lock_guard lock(slots_mu);
  for (Slot& slot : slots) {
    if (slot.used.load() && path == slot.path) slot.used.store(false, std::memory_order_release);
  }
}

// An entry is a child's pid, or minus the pid of a child that leads a process group of its own.
void register_child(int pid, bool group) {
  const int entry = group ? -pid : pid;
  for (std::atomic<int>& c : children) {
    int free = 0;
    if (c.compare_exchange_strong(free, entry)) return;
  }
}

void unregister_child(int pid) {
  for (std::atomic<int>& c : children) {
    int mine = pid;
    if (c.compare_exchange_strong(mine, 0)) return;
    mine = -pid;
    if (c.compare_exchange_strong(mine, 0)) return;
  }
}

void kill_registered_children() {
  for (std::atomic<int>& c : children) {
    const int entry = c.load();
    if (entry != 0) ::kill(entry, SIGKILL);  // a negative entry: the whole group
  }
  for (std::atomic<int>& c : children) {
    const int entry = c.exchange(0);
    if (entry != 0) ::waitpid(entry > 0 ? entry : -entry, nullptr, 0);
  }
}

void remove_registered_dirs() {
  for (Slot& slot : slots) {
    if (!slot.used.load(std::memory_order_acquire)) continue;
    const int dir = ::open(slot.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir < 0) continue;
    remove_contents(dir, 0);
    ::rmdir(slot.path);
  }
}

}  // namespace interleave
