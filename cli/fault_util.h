// Helpers of the end-to-end fault tests (cli/fault_test.cc, cli/run_fault_test.cc): the binary
// (INTERLEAVE_BINARY) run in a private INTERLEAVE_TMPDIR, and what it left behind there.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace fault_test {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

inline std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A private INTERLEAVE_TMPDIR, so that what a run leaves behind can be counted, and so that the
// worker processes of a run can be told apart (they inherit the variable).
class PrivateTmp {
 public:
  PrivateTmp() {
    char pattern[] = "/tmp/interleave-fault-XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  ~PrivateTmp() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }
  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(path_)) out.push_back(e.path().filename());
    return out;
  }
  // Processes whose environment names this directory: the harness and its workers.
  std::vector<pid_t> processes() const {
    std::vector<pid_t> out;
    const std::string needle = "INTERLEAVE_TMPDIR=" + path_.string();
    for (const auto& e : fs::directory_iterator("/proc")) {
      const std::string name = e.path().filename();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      const std::string environ = slurp(e.path() / "environ");
      if (environ.find(needle + '\0') != std::string::npos) out.push_back(std::stoi(name));
    }
    return out;
  }

 private:
  fs::path path_;
};

struct Result {
  int code = -1;  // exit status, or 128 + signal
  std::string out;
  std::string err;
  double seconds = 0;
};

// Runs the binary with `args` and `env` (NAME=value items added to this process's environment).
// With `signal_when_ready`, sends that signal to it once a data directory exists under `tmp` plus
// `delay` (for runs that hang: there, when the signal arrives does not matter).
inline Result run(const std::vector<std::string>& args, const std::vector<std::string>& env,
                  const PrivateTmp& tmp, int signal_when_ready = 0,
                  std::chrono::milliseconds delay = std::chrono::milliseconds(300)) {
  const fs::path out = tmp.path().string() + ".out";
  const fs::path err = tmp.path().string() + ".err";
  const auto start = Clock::now();
  const pid_t child = ::fork();
  if (child == 0) {
    ::setenv("INTERLEAVE_TMPDIR", tmp.path().c_str(), 1);
    for (const std::string& item : env) ::putenv(const_cast<char*>(item.c_str()));
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(o, 1);
    ::dup2(e, 2);
    std::vector<char*> argv{const_cast<char*>(INTERLEAVE_BINARY)};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(INTERLEAVE_BINARY, argv.data());
    ::_exit(127);
  }
  if (signal_when_ready != 0) {
    const auto has_data_dir = [&] {
      for (const auto& run : fs::directory_iterator(tmp.path())) {
        std::error_code ec;
        for (const auto& d : fs::directory_iterator(run.path(), ec)) {
          if (d.path().filename().string().rfind("interleave-", 0) == 0) return true;
        }
      }
      return false;
    };
    while (!has_data_dir()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::this_thread::sleep_for(delay);
    ::kill(child, signal_when_ready);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  Result r;
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(out);
  r.err = slurp(err);
  fs::remove(out);
  fs::remove(err);
  return r;
}

inline void expect_nothing_left(const PrivateTmp& tmp) {
  EXPECT_TRUE(tmp.entries().empty()) << "left in " << tmp.path() << ": " << tmp.entries().front();
  EXPECT_TRUE(tmp.processes().empty()) << "a process was left running";
}

}  // namespace fault_test
