// The shell commands of a program target (--setup, --check): run with /bin/sh in the data
// directory, in a process group of their own, so that a terminal's Ctrl-C reaches the harness alone
// and the harness ends the whole group (what the command started in the background included); with
// a time limit, and stopped as soon as the run is asked to stop.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

namespace interleave::programs {

struct ShellResult {
  int status = 0;          // the wait status, when the command ended by itself
  bool timed_out = false;  // killed at the time limit
  bool stopped = false;    // killed because `stop` was set
};

// Runs `command` with /bin/sh -c in `dir`, its standard output and error into `output`, with `env`
// added to the harness's environment. Kills the command's process group when it runs longer than
// `timeout` or once `stop` (may be null) is set. Throws EnvironmentError when it cannot start.
ShellResult run_shell(const std::string& command, const std::string& dir, const std::string& output,
                      const std::vector<std::string>& env, std::chrono::milliseconds timeout,
                      const std::atomic<bool>* stop);

// "exit status 3", "killed by SIGTERM".
std::string describe_status(int status);

}  // namespace interleave::programs
