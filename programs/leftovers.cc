#include "programs/leftovers.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace interleave::programs {
namespace {

constexpr std::string_view kMarker = "INTERLEAVE_EXECUTION=";

// The children of this process, of every thread (/proc/self/task/*/children).
std::vector<pid_t> children() {
  std::vector<pid_t> out;
  DIR* tasks = ::opendir("/proc/self/task");
  if (tasks == nullptr) return out;
  while (dirent* t = ::readdir(tasks)) {
    if (t->d_name[0] == '.') continue;
    std::ifstream in(std::string("/proc/self/task/") + t->d_name + "/children");
    for (pid_t pid; in >> pid;) out.push_back(pid);
  }
  ::closedir(tasks);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// The INTERLEAVE_EXECUTION value in the environment of `pid`, or "" (none, or unreadable: a
// zombie).
std::string execution_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
  for (std::string var; std::getline(in, var, '\0');) {
    if (var.starts_with(kMarker)) return var.substr(kMarker.size());
  }
  return {};
}

void kill_and_reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

void become_subreaper() {
  static const bool done = [] {
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    return true;
  }();
  (void)done;
}

int end_leftovers(const std::string& execution) {
  int killed = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  for (bool found = true; found && std::chrono::steady_clock::now() < deadline;) {
    found = false;
    for (pid_t pid : children()) {
      if (execution_of(pid) != execution) continue;
      kill_and_reap(pid);  // its own children are ours now: the next pass finds them
      ++killed;
      found = true;
    }
  }
  return killed;
}

int end_orphans() {
  int killed = 0;
  for (pid_t pid : children()) {
    if (execution_of(pid).empty()) {
      ::waitpid(pid, nullptr, WNOHANG);  // an orphan that ended (a zombie): reap it
      continue;
    }
    kill_and_reap(pid);
    ++killed;
  }
  return killed;
}

}  // namespace interleave::programs
