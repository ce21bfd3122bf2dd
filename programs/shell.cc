#include "programs/shell.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fmt/format.h"
#include "harness/cleanup.h"
#include "harness/environment.h"

extern char** environ;

namespace interleave::programs {
namespace {

using Clock = std::chrono::steady_clock;

// How often a running command is looked at for a stop request.
constexpr int kPollMs = 50;

void kill_group(pid_t pid) {
  ::kill(-pid, SIGKILL);
  int status;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exit status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* abbrev = sigabbrev_np(WTERMSIG(status));
    return fmt::format("killed by SIG{}", abbrev ? abbrev : "?");
  }
  return "ended";
}

ShellResult run_shell(const std::string& command, const std::string& dir, const std::string& output,
                      const std::vector<std::string>& env, std::chrono::milliseconds timeout,
                      const std::atomic<bool>* stop) {
  std::vector<std::string> env_strings = env;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
  const pid_t pid = ::fork();
  if (pid < 0) throw EnvironmentError("cannot fork a shell", errno);
  if (pid == 0) {
    ::setpgid(0, 0);
    if (::chdir(dir.c_str()) != 0) ::_exit(126);
    const int out = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0) ::_exit(126);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
    ::execve("/bin/sh", const_cast<char**>(argv), envp.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // as the child does: whichever runs first, the group exists before a kill
  register_child(pid, true);
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  const Clock::time_point deadline = Clock::now() + timeout;
  ShellResult result;
  for (;;) {
    int status;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      result.status = status;
      // What the command started in the background ends with it.
      ::kill(-pid, SIGKILL);
      break;
    }
    if (done < 0 && errno != EINTR) break;
    if (stop != nullptr && stop->load(std::memory_order_relaxed)) {
      result.stopped = true;
      kill_group(pid);
      break;
    }
    if (Clock::now() >= deadline) {
      result.timed_out = true;
      kill_group(pid);
      break;
    }
    if (pidfd >= 0) {
      pollfd p{pidfd, POLLIN, 0};
      ::poll(&p, 1, kPollMs);
    } else {
      ::usleep(1000);
    }
  }
  if (pidfd >= 0) ::close(pidfd);
  unregister_child(pid);
  return result;
}

}  // namespace interleave::programs
