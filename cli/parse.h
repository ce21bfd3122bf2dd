// The command line as data. parse_command_line() turns the arguments and INTERLEAVE_PARAMS into the
// subcommand to run and its arguments, checked as far as they can be without running anything
// (cli/checks.h); run_command() runs it. main() is the two in a row; the fuzz target
// fuzz/cli_fuzzer.cc calls the first alone.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "cli/commands.h"

namespace interleave::cli {

// The longest message a UsageError from parse_command_line() has, in characters.
inline constexpr std::size_t kMaxUsageMessage = 300;

// --help (on any command) and --version: print `text` on standard output and exit 0. With no
// command at all: the usage on standard error, and exit 2.
struct HelpRequest {
  std::string text;
  int code = 0;
};

struct ListArgs {
  Context context;
};

// `interleave run`: its arguments, parsed when it runs (cli/run_command.h). `interleave replay` of
// a program's token comes here too, as run's arguments (the token's worker count added when the
// command line does not give it), with `replay` set.
struct RunProgramsArgs {
  std::vector<std::string> args;  // after "run"
  bool replay = false;
};

using ParsedCommand =
    std::variant<HelpRequest, ListArgs, ExploreArgs, ReplayArgs, MatrixArgs, RunProgramsArgs>;

// What the command line reads from the environment, passed in so that parsing depends on nothing
// else. A null pointer is an unset variable.
struct CommandEnv {
  const char* params = nullptr;        // INTERLEAVE_PARAMS
  const char* shard_index = nullptr;   // GTEST_SHARD_INDEX
  const char* total_shards = nullptr;  // GTEST_TOTAL_SHARDS

  static CommandEnv of_process();  // this process's variables
};

// Parses `args` (argv without the program name). INTERLEAVE_PARAMS="name=value name ..." supplies
// explore and matrix flags as if given first (explicit flags win); a flag that takes no value is
// given as `name`, `name=1` or `name=true`, and `name=0` or `name=false` leaves it off. Without
// --shard, explore takes its shard from GTEST_SHARD_INDEX and GTEST_TOTAL_SHARDS.
//
// Throws UsageError for anything wrong: an unknown command, flag or INTERLEAVE_PARAMS name, a value
// that is not a number in its flag's range (cli/number.h), unexpected arguments (named in the order
// given), and everything plan_explore() and plan_replay() reject (a --fuzz-input file is read only
// when the command runs). Holds: the message is one line of printable ASCII of at most
// kMaxUsageMessage characters; input it quotes is escaped and capped (harness/printable.h).
// `context` names what the command runs against (cli/commands.h) and goes into the arguments.
ParsedCommand parse_command_line(std::vector<std::string> args, const CommandEnv& env,
                                 const Context& context = {});

// INTERLEAVE_PARAMS-style text ("strategy=dfs preemption-bound=2 no-shrink") as explore's
// command-line arguments ("--strategy=dfs", ...), checked as parse_command_line() checks
// INTERLEAVE_PARAMS (`source` names the text in messages). Throws UsageError.
std::vector<std::string> explore_params_arguments(const std::string& params,
                                                  std::string_view source);

// The line main() prints on standard error when INTERLEAVE_PARAMS applies to the command
// ("interleave: INTERLEAVE_PARAMS=\"seed=7\""), or nullopt when it does not.
std::optional<std::string> params_echo(const std::vector<std::string>& args, const CommandEnv& env);

// Runs a parsed command (cli/commands.h); returns its exit code.
int run_command(const ParsedCommand& command);

}  // namespace interleave::cli
