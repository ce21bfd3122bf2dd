// `interleave run`: unmodified programs in any language as worker processes, controlled at their
// file system calls (docs/run.md); the program target itself is programs/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.h"
#include "cli/report.h"
#include "programs/run.h"

namespace interleave::cli {

// `interleave run`'s arguments as the command line gave them.
struct RunArgs {
  int workers = 2;
  int threads = 0;  // actors per worker; 0: programs::default_threads
  std::vector<std::string> worker_cmds;
  std::vector<std::string> program;
  std::string setup, check, shim;
  bool spurious_wakeups = false;
  std::string strategy = "random";
  std::uint64_t seed = 1;
  std::optional<std::uint64_t> executions;
  std::optional<int> depth, preemption_bound;
  std::optional<double> time_limit;
  int jobs = 1;
  bool no_shrink = false, json = false;
  std::optional<std::string> trace_out, junit, schedule;
  Shard shard;
  int repeat = 1;
  Limits limits;
  std::chrono::milliseconds command_timeout = programs::kDefaultCommandTimeout;
  bool progress = true;  // a progress line on a terminal (off in tests of one's own)
};

// Parses and checks `args` (the arguments after "run"). Throws UsageError; --help prints run's
// flags and exits.
RunArgs parse_run_args(std::vector<std::string> args);

// INTERLEAVE_PARAMS-style text ("strategy=pct executions=200 no-shrink") as run's flags
// ("--strategy=pct", ...); `source` names the text in messages. Throws UsageError for a word that
// is not a name (parse_run_args() then checks the names and values).
std::vector<std::string> run_params_arguments(const std::string& text, std::string_view source);

// The program target `args` name, resolved (programs/spec.h). Throws UsageError for a program or
// a shim that cannot be used.
programs::ProgramSpec resolve_spec(const RunArgs& args);

// What one run of a program target came to, before it is printed.
struct RunOutcome {
  RunInfo info;
  programs::ProgramRun run;
};

// Resolves the program and explores it, or replays args.schedule (`replay`: the command was
// `interleave replay`). Throws UsageError for a program, shim or token that cannot be used.
RunOutcome run_program_target(const RunArgs& args, bool replay = false);

// Runs `interleave run` with `args` (the arguments after "run"); `replay`: they came from
// `interleave replay` of a program's token (the report names that command). Returns the exit code;
// throws UsageError for bad input.
int run_programs(const std::vector<std::string>& args, bool replay = false);

}  // namespace interleave::cli
