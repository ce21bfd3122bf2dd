// Programs: unmodified programs in any language as a target, beside built-in scenarios and stores
// of one's own. A ProgramSpec names N worker programs (and a setup and a check command); each
// execution runs them afresh under the preloaded shim (shim/), which turns their file system calls
// into yield points of the one scheduler, and judges them by their exit status, the check and the
// history of operations they write (programs/history.h).
//
// This folder holds the program target whole: what it is (spec.h), one execution of it
// (execution.h), the history protocol (history.h), what escaped control (escapes.h), its schedule
// tokens (token.h), and exploring or replaying it (run.h), for the command line (`interleave run`,
// `interleave replay`) and for tests of one's own (<interleave/programs.h>). It builds on harness/
// and on scenarios/ (histories and the linearizability checker); it never includes cli/.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace interleave::programs {

// The program target, resolved: every path absolute, every program checked to be executable.
struct ProgramSpec {
  std::vector<std::vector<std::string>> workers;  // argv of each worker (argv[0] an absolute path)
  std::string setup;                              // a shell command, or ""
  std::string check;                              // a shell command, or ""
  std::string shim;                               // the shim's absolute path
  std::uint64_t seed = 0;                         // of the fixed clock and random bytes
  // Actors per worker: its main thread and the threads it may create under control (a thread
  // beyond them runs uncontrolled, an escape).
  int threads = 1;
  // A condition or futex wait may also end with no wake, as a decision (POSIX allows it).
  bool spurious_wakeups = false;

  // FNV-1a over the workers' command lines, the setup and (when set) spurious wakeups: what a
  // schedule token is for.
  std::uint32_t hash() const;
};

// What a user gives: the program every worker runs (`program`, with `workers` copies) or one
// command line per worker (`worker_programs`), the setup and check commands, and the shim ("": the
// one next to the running binary, or $INTERLEAVE_SHIM).
struct ProgramRequest {
  int workers = 2;
  int threads = 0;  // actors per worker; 0: default_threads(workers)
  std::vector<std::string> program;
  std::vector<std::vector<std::string>> worker_programs;
  std::string setup;
  std::string check;
  std::string shim;
  bool spurious_wakeups = false;
};

// Bad input about a program target: a program that is not found or cannot be executed, a shim that
// is missing or is not the shim, a token for another program. The message is one line.
struct ProgramError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// The actors per worker when none are asked for: 8, or as many as the 52 actors of an execution
// leave each worker.
int default_threads(int workers);

// Resolves `request` into a spec: programs found on $PATH and made absolute, arguments that name
// existing files made absolute (a script given relative to the caller's directory is still found
// from the data directory), the shim found. Throws ProgramError.
ProgramSpec resolve(const ProgramRequest& request);

// The shim: `given`, else $INTERLEAVE_SHIM, else libinterleave_shim.so next to the running binary
// or in ../lib from it. Throws ProgramError when there is none.
std::string find_shim(const std::string& given);

}  // namespace interleave::programs
