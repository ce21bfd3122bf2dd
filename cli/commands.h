// The `interleave` subcommands. Each returns the process exit code: 0 no bug, 1 bug found (for
// replay: the bug reproduced), 2 usage or input error (the caller prints UsageError's message),
// 3 an error of the environment (a full disk, too many open files, an unwritable output), 130
// interrupted.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "harness/backends/engine.h"
#include "harness/execution.h"
#include "harness/strategies/systematic.h"
#include "scenarios/program.h"

namespace interleave::cli {

inline constexpr int kExitPass = 0;
inline constexpr int kExitBug = 1;
inline constexpr int kExitUsage = 2;
// The harness could not do its work for reasons outside the store under test and the user's input:
// ENOSPC, EDQUOT, EMFILE, ENFILE, ENOMEM or EIO from the data directory, an output file or stream
// that cannot be written. Never 1: it is not a verdict on the store.
inline constexpr int kExitEnvironment = 3;
inline constexpr int kExitInterrupted = 130;

// Bad input from the user: an unknown name, a malformed token, sizes a scenario rejects.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What a command runs against: the catalog of scenarios and stores it knows (the built-in ones, and
// the stores of one's own a program's main adds: cli/cli.h), and the program's name as its replay
// lines give it. The catalog outlives the command.
struct Context {
  const scenarios::Catalog* catalog = &scenarios::Catalog::builtin();
  std::string program = "interleave";
};

// Files a command writes besides its report.
struct OutputFiles {
  std::optional<std::string> trace_out;  // Chrome trace-event JSON of the failing execution
  std::optional<std::string> junit;      // JUnit XML
};

// The most engines `--jobs` may start.
inline constexpr int kMaxJobs = 64;

// The arguments of `explore` as the command line gave them (cli/parse.h fills and checks them).
struct ExploreArgs {
  std::string scenario;
  std::string store;
  std::optional<std::string> mode;  // default: threads, or processes (mixed with --threads) for
                                    // --workers
  std::string strategy = "random";
  std::uint64_t seed = 1;
  std::optional<std::uint64_t> executions;  // default: 1000 for random/PCT, none for DFS/DPOR
  std::optional<int> preemption_bound;
  // --shard I/N, else GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS, else the whole campaign.
  Shard shard;
  std::optional<double> time_limit;  // seconds
  int jobs = 1;                      // engines exploring at once
  OutputFiles files;
  bool shrink = true;
  std::optional<int> depth;  // PCT (default 3)
  std::optional<int> actors;
  std::optional<int> ops;
  std::optional<int> workers;       // processes mode: --actors; with --threads: mixed --processes
  std::optional<int> processes;     // mixed mode
  std::optional<int> threads;       // mixed mode: threads per process
  std::string backend = "threads";  // threads mode on real threads, or on fibers
  std::string files_in = "disk";    // where the data files live: disk, or memory
  int crashes = 0;                  // crash decisions per execution (docs/crashes.md)
  std::string persistence = "process";  // what the disk keeps of unsynced writes at a crash
  bool json = false;
  Limits limits;
  Context context;
};

struct ReplayArgs {
  std::string schedule;
  std::optional<std::string> fuzz_input;  // a schedule_fuzzer input file instead of a token
  std::string backend = "threads";        // where a threads-mode token runs: threads or fibers
  std::string files_in = "disk";
  bool json = false;
  OutputFiles files;
  Limits limits;
  Context context;
};

struct MatrixArgs {
  std::uint64_t executions = 1000;  // per strategy and cell
  std::uint64_t seed = 1;
  bool json = false;
  std::optional<std::string> junit;
  Limits limits;
  Context context;
};

// Set by the SIGINT/SIGTERM handler: the running command stops at its next decision, removes its
// data directories and stops its workers, then exits with kExitInterrupted.
std::atomic<bool>& stop_flag();

// An engine for `target`'s mode and sizes that stops when stop_flag() is set; its processes open
// stores through `catalog`.
Engine make_engine(const scenarios::Target& target, const Limits& limits,
                   const scenarios::Catalog& catalog);

// The commands, given arguments as parse_command_line() (cli/parse.h) returns them: checked, so
// that a usage error stops a command before it forks a worker.
int run_list(const Context& context);
int run_explore(const ExploreArgs& args);
int run_replay(const ReplayArgs& args);
int run_matrix(const MatrixArgs& args);

}  // namespace interleave::cli
