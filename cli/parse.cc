#include "cli/parse.h"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <limits>
#include <memory>
#include <sstream>

#include "CLI/CLI.hpp"
#include "cli/checks.h"
#include "cli/flag_values.h"
#include "cli/number.h"
#include "cli/outputs.h"
#include "cli/run_command.h"
#include "fmt/format.h"
#include "harness/printable.h"
#include "harness/strategies/strategy.h"
#include "programs/token.h"

namespace interleave::cli {
namespace {

constexpr const char* kParamsVariable = "INTERLEAVE_PARAMS";
constexpr const char* kCommands = "list, explore, replay, matrix, run";
constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint32_t kU32Max = std::numeric_limits<std::uint32_t>::max();
constexpr int kIntMax = std::numeric_limits<int>::max();
// The most unexpected arguments one message lists.
constexpr std::size_t kListedExtras = 3;

void add_limits(CLI::App* cmd, Limits* limits) {
  add_whole<std::uint32_t>(cmd, "--max-steps", &limits->max_steps, 1, kU32Max,
                           "decisions per execution before it is stopped as a livelock")
      ->default_str(std::to_string(limits->max_steps));
  add_value(
      cmd, "--hang-timeout-ms", "MS",
      [limits](const std::string& text) {
        limits->hang_timeout =
            std::chrono::milliseconds(parse_whole_number("--hang-timeout-ms", text, 1, kIntMax));
      },
      "time an actor may run without reaching a yield point before the execution is a hang")
      ->default_str(std::to_string(limits->hang_timeout.count()));
}

void add_explore_flags(CLI::App* ex, ExploreArgs* a) {
  ex->add_option("--scenario", a->scenario, "scenario name (see `interleave list`)")->required();
  ex->add_option("--store", a->store, "store variant (see `interleave list`)")->required();
  ex->add_option("--mode", a->mode, "threads, processes, mixed or event-loop")
      ->default_str("threads");
  ex->add_option("--backend", a->backend,
                 "threads mode on real threads or on fibers of one thread (same semantics: a "
                 "schedule found on either replays on the other)")
      ->capture_default_str();
  ex->add_option("--files", a->files_in,
                 "where the data files live: disk, or memory (threads and event-loop mode)")
      ->capture_default_str();
  ex->add_option("--strategy", a->strategy, strategy_names())->capture_default_str();
  add_whole<std::uint64_t>(ex, "--seed", &a->seed, 0, kU64Max,
                           "run seed; execution i uses a seed derived from it (execution 0 uses "
                           "the seed itself)")
      ->default_str("1");
  add_whole<std::uint64_t>(ex, "--executions", &a->executions, 1, kU64Max,
                           "execution budget (default 1000 for random and pct; dfs and dpor run "
                           "until the space is exhausted)");
  add_whole(ex, "--preemption-bound", &a->preemption_bound, 0, kIntMax,
            "dfs: at most K preemptions, searched bound by bound from 0");
  add_value(
      ex, "--shard", "I/N",
      [a](const std::string& text) { a->shard = parse_shard("--shard", text); },
      "run one disjoint part of the campaign (default from GTEST_SHARD_INDEX and "
      "GTEST_TOTAL_SHARDS)");
  add_value(
      ex, "--time-limit", "SECONDS",
      [a](const std::string& text) { a->time_limit = parse_seconds("--time-limit", text); },
      "stop exploring after this many seconds");
  ex->add_flag("!--no-shrink", a->shrink, "report the failing schedule as found, unshrunk");
  add_whole(ex, "--jobs", &a->jobs, 1, kMaxJobs,
            "explore on this many engines at once (random, pct: the reported failure is the same "
            "for any number; dfs, dpor: each engine searches its part of the schedule tree)")
      ->default_str("1");
  add_whole(ex, "--depth", &a->depth, 1, kMaxPctDepth, "PCT bug depth (default 3)");
  add_whole(ex, "--actors", &a->actors, 1, kMaxActors,
            "number of actors (default 2; threads, processes)");
  add_whole(ex, "--workers", &a->workers, 1, kMaxActors,
            "worker processes: --mode processes --actors N; with --threads T, mixed mode with N "
            "processes of T threads");
  add_whole(ex, "--processes", &a->processes, 1, kMaxActors,
            "mixed mode: worker processes (default 2)");
  add_whole(ex, "--threads", &a->threads, 1, kMaxActors,
            "mixed mode: actor threads per process (default 2)");
  add_whole(ex, "--ops", &a->ops, 1, kIntMax, "operations per actor (default 2)");
  add_whole(ex, "--crashes", &a->crashes, 0, kIntMax,
            "crash decisions per execution: a strategy may crash the execution at any yield "
            "point, then recovery is judged (docs/crashes.md; default 0)");
  ex->add_option("--persistence", a->persistence,
                 "with --crashes: what the disk keeps of unsynced writes: process, prefix, "
                 "subset, torn or dirent")
      ->capture_default_str();
  ex->add_flag("--json", a->json, "print one JSON object");
  ex->add_option("--trace-out", a->files.trace_out,
                 "write the failing execution as a Chrome trace-event timeline (Perfetto)");
  ex->add_option("--junit", a->files.junit, "write the result as JUnit XML");
  add_limits(ex, &a->limits);
}

void add_replay_flags(CLI::App* re, ReplayArgs* a) {
  auto* schedule =
      re->add_option("--schedule", a->schedule, "the token a failure printed (I1:...)");
  auto* fuzz_input = re->add_option("--fuzz-input", a->fuzz_input,
                                    "a schedule_fuzzer input file: prints its token, then replays "
                                    "it (mode and store from INTERLEAVE_FUZZ_MODE and _STORE)");
  schedule->excludes(fuzz_input);
  re->add_option("--backend", a->backend,
                 "run a threads-mode token on real threads or on fibers (the same trace either "
                 "way)")
      ->capture_default_str();
  re->add_option("--files", a->files_in, "where the data files live: disk, or memory")
      ->capture_default_str();
  re->add_flag("--json", a->json, "print one JSON object");
  re->add_option("--trace-out", a->files.trace_out,
                 "write the replayed failing execution as a Chrome trace-event timeline");
  re->add_option("--junit", a->files.junit, "write the result as JUnit XML");
  add_limits(re, &a->limits);
}

void add_matrix_flags(CLI::App* mx, MatrixArgs* a) {
  add_whole<std::uint64_t>(mx, "--executions", &a->executions, 1, kU64Max,
                           "budget per strategy and cell")
      ->default_str(std::to_string(a->executions));
  add_whole<std::uint64_t>(mx, "--seed", &a->seed, 0, kU64Max, "run seed")->default_str("1");
  mx->add_flag("--json", a->json, "print one JSON object");
  mx->add_option("--junit", a->junit, "write one JUnit test case per cell");
  add_limits(mx, &a->limits);
}

// The command line's definition and the arguments it fills.
struct CommandLine {
  CLI::App app{
      "interleave: a deterministic concurrency test harness for storage engines.\n"
      "Runs a store's actors one at a time under a controlled scheduler, finds lost updates,\n"
      "duplicate offsets and torn reads, and replays every failure exactly."};
  ExploreArgs explore;
  ReplayArgs replay;
  MatrixArgs matrix;
  CLI::App* list_cmd = nullptr;
  CLI::App* explore_cmd = nullptr;
  CLI::App* replay_cmd = nullptr;
  CLI::App* matrix_cmd = nullptr;

  CommandLine() {
    app.name("interleave");
    app.require_subcommand(1);
    // Unexpected arguments are collected, not thrown: CLI11 would list them in reverse order.
    app.allow_extras();
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    app.set_version_flag("--version", std::string("interleave ") + INTERLEAVE_VERSION +
                                          " (commit " + INTERLEAVE_COMMIT + ")");
    app.footer(
        "Exit codes: 0 no bug, 1 bug found (or matrix mismatch), 2 usage or input error, or no\n"
        "verdict (a replay that does not fit; run: a check that cannot run or does not end, a run\n"
        "that escaped control), 3 environment error (full disk, too many open files, an output\n"
        "that cannot be written, a worker killed from outside), 130 interrupted (Ctrl-C: workers\n"
        "and commands stopped, data directories removed; 1 if a bug was found before).\n"
        "INTERLEAVE_PARAMS=\"name=value name ...\" supplies explore/matrix flags (e.g. "
        "\"seed=7 json\").");
    list_cmd = app.add_subcommand("list", "list scenarios, stores, modes and strategies");
    explore_cmd = app.add_subcommand(
        "explore", "explore one scenario on one store until a bug is found or the budget is spent");
    add_explore_flags(explore_cmd, &explore);
    replay_cmd = app.add_subcommand("replay", "replay one schedule token exactly");
    add_replay_flags(replay_cmd, &replay);
    replay_cmd->footer(
        "A token of `interleave run` replays with the program it ran, and the run's --setup,\n"
        "--check or --worker-cmd: interleave replay --schedule TOKEN [run's flags] -- PROGRAM "
        "[ARGS...]\n(the flags are run's: interleave run --help).");
    matrix_cmd = app.add_subcommand(
        "matrix", "run every scenario x store x mode; exit 0 only if every cell matches");
    add_matrix_flags(matrix_cmd, &matrix);
    // Listed for --help only: parse_command_line() hands run's arguments to run_programs(), which
    // has flags of its own (interleave run --help).
    app.add_subcommand("run",
                       "run an unmodified program as N worker processes, controlled at its file "
                       "system calls (interleave run --help; docs/run.md)");
  }
};

bool is_known_command(std::string_view name) {
  return name == "list" || name == "explore" || name == "replay" || name == "matrix" ||
         name == "run";
}

bool params_apply(const std::vector<std::string>& args, const CommandEnv& env) {
  return env.params != nullptr && *env.params != '\0' && !args.empty() &&
         (args[0] == "explore" || args[0] == "matrix");
}

// The INTERLEAVE_PARAMS items as arguments of `cmd`: "name=value" becomes "--name=value", and a
// flag that takes no value is "--name" when given as name, name=1 or name=true and left off for
// name=0 or name=false.
std::vector<std::string> params_arguments(const CLI::App& cmd, const std::string& params,
                                          std::string_view source = kParamsVariable) {
  std::vector<std::string> out;
  std::istringstream in(params);
  for (std::string item; in >> item;) {
    const auto eq = item.find('=');
    const std::string name = item.substr(0, eq);
    const CLI::Option* flag = name.empty() ? nullptr : cmd.get_option_no_throw("--" + name);
    if (flag == nullptr) {
      throw UsageError(fmt::format("{}: unknown flag '{}' for {} (items are name=value or name)",
                                   source, printable(name), cmd.get_name()));
    }
    const std::string value = eq == std::string::npos ? "" : item.substr(eq + 1);
    if (flag->get_expected_max() == 0) {  // takes no value
      if (eq == std::string::npos || value == "1" || value == "true") {
        out.push_back("--" + name);
      } else if (value != "0" && value != "false") {
        throw UsageError(
            fmt::format("{}: '{}' takes no value: give {}, {}=1, {}=true, {}=0 or {}=false", source,
                        name, name, name, name, name, name));
      }
    } else if (value.empty()) {  // "seed=" is a slip, not the empty text
      throw UsageError(fmt::format("{}: '{}' needs a value ({}=...)", source, name, name));
    } else {
      out.push_back("--" + name + "=" + value);
    }
  }
  return out;
}

// "unexpected arguments: 'a' 'b' 'c' and 2 more", in the order given.
std::string describe_extras(const std::vector<std::string>& extras) {
  std::string out = extras.size() == 1 ? "unexpected argument:" : "unexpected arguments:";
  for (std::size_t i = 0; i < extras.size() && i < kListedExtras; ++i) {
    out += fmt::format(" '{}'", printable(extras[i], kEchoLimit / 2));
  }
  if (extras.size() > kListedExtras)
    out += fmt::format(" and {} more", extras.size() - kListedExtras);
  return out;
}

// The help CLI11 prints for `e` (of the subcommand given, if any), ending with a newline.
HelpRequest help_request(CLI::App& app, const CLI::Error& e) {
  std::ostringstream out, err;
  app.exit(e, out, err);
  std::string text = out.str();
  if (!text.empty() && text.back() != '\n') text += '\n';
  return HelpRequest{text};
}

ExploreArgs checked_explore(ExploreArgs args, bool shard_given, const CommandEnv& env) {
  if (!shard_given && env.shard_index != nullptr) {
    args.shard.index =
        parse_whole_number<std::uint32_t>("GTEST_SHARD_INDEX", env.shard_index, 0, kU32Max);
    args.shard.count =
        env.total_shards == nullptr
            ? 1
            : parse_whole_number<std::uint32_t>("GTEST_TOTAL_SHARDS", env.total_shards, 1, kU32Max);
  }
  plan_explore(args);
  return args;
}

const ReplayArgs& checked_replay(const ReplayArgs& args) {
  if (!args.fuzz_input && args.schedule.empty()) {
    throw UsageError("replay needs --schedule TOKEN or --fuzz-input FILE");
  }
  if (!args.fuzz_input) {
    plan_replay(args.schedule, args.backend, args.files_in, *args.context.catalog);
  }
  return args;
}

}  // namespace

CommandEnv CommandEnv::of_process() {
  return {std::getenv(kParamsVariable), std::getenv("GTEST_SHARD_INDEX"),
          std::getenv("GTEST_TOTAL_SHARDS")};
}

std::optional<std::string> params_echo(const std::vector<std::string>& args,
                                       const CommandEnv& env) {
  if (!params_apply(args, env)) return std::nullopt;
  return fmt::format("interleave: {}=\"{}\"", kParamsVariable, printable(env.params));
}

Shard parse_shard(const std::string& flag, std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    throw UsageError(fmt::format("{}: '{}' is not I/N (for example 0/2)", flag, printable(text)));
  }
  return Shard{parse_whole_number<std::uint32_t>(flag, text.substr(0, slash), 0, kU32Max),
               parse_whole_number<std::uint32_t>(flag, text.substr(slash + 1), 1, kU32Max)};
}

std::vector<std::string> explore_params_arguments(const std::string& params,
                                                  std::string_view source) {
  const auto cli = std::make_unique<CommandLine>();
  return params_arguments(*cli->explore_cmd, params, source);
}

// `interleave replay --schedule TOKEN ... -- PROGRAM` for a token of `interleave run`: the
// arguments `interleave run --schedule TOKEN` takes; nullopt for a scenario's token. Throws
// UsageError for a program's token without its program, and for a program given with a scenario's
// token.
std::optional<RunProgramsArgs> program_replay(const std::vector<std::string>& args) {
  const auto dashes = std::find(args.begin(), args.end(), "--");
  std::optional<std::string> token;
  bool workers_given = false;
  for (auto it = args.begin() + 1; it != dashes; ++it) {
    if (*it == "--schedule" && it + 1 != dashes) token = *(it + 1);
    if (it->starts_with("--schedule=")) token = it->substr(11);
    workers_given |= *it == "--workers" || it->starts_with("--workers=") || *it == "--worker-cmd" ||
                     it->starts_with("--worker-cmd=");
  }
  Schedule schedule;
  std::string ignored;
  const bool program_token =
      token && parse_token(*token, &schedule, &ignored) && programs::is_program_token(schedule);
  if (!program_token) {
    if (dashes != args.end()) {
      throw UsageError(
          "replay: a program after -- is for a token of `interleave run`; this token names a "
          "scenario and replays alone: interleave replay --schedule TOKEN");
    }
    return std::nullopt;
  }
  if (dashes == args.end() && !workers_given) {
    throw UsageError(
        "replay: this token is of `interleave run`: give the program it ran, as run was given it: "
        "interleave replay --schedule TOKEN [--setup CMD] [--check CMD] -- PROGRAM [ARGS...]");
  }
  RunProgramsArgs out{{args.begin() + 1, args.end()}, true};
  if (!workers_given) {
    out.args.insert(out.args.begin(), {"--workers", std::to_string(schedule.size('a', 1))});
  }
  return out;
}

ParsedCommand parse_command_line(std::vector<std::string> args, const CommandEnv& env,
                                 const Context& context) {
  auto cli = std::make_unique<CommandLine>();
  cli->explore.context = cli->replay.context = cli->matrix.context = context;
  if (args.empty()) {
    return HelpRequest{cli->app.help() + "\ninterleave: error: no command given\n", kExitUsage};
  }
  if (args.size() == 1 && args[0] == "--version") {
    return HelpRequest{
        fmt::format("interleave {} (commit {})\n", INTERLEAVE_VERSION, INTERLEAVE_COMMIT)};
  }
  if (!args[0].empty() && args[0][0] != '-' && !is_known_command(args[0])) {
    throw UsageError(
        fmt::format("unknown command '{}' (known: {})", printable(args[0]), kCommands));
  }
  if (args[0] == "run") return RunProgramsArgs{{args.begin() + 1, args.end()}};
  if (args[0] == "replay") {
    if (std::optional<RunProgramsArgs> program = program_replay(args)) return *program;
  }
  if (params_apply(args, env)) {
    const CLI::App& cmd = args[0] == "explore" ? *cli->explore_cmd : *cli->matrix_cmd;
    const std::vector<std::string> extra = params_arguments(cmd, env.params);
    args.insert(args.begin() + 1, extra.begin(), extra.end());
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    // CLI11 would take the next argument as the value of "--name=": give it the empty value.
    if (args[i].size() > 3 && args[i].starts_with("--") && args[i].back() == '=') {
      args[i].pop_back();
      args.insert(args.begin() + static_cast<std::ptrdiff_t>(++i), "");
    }
  }
  std::reverse(args.begin(), args.end());  // CLI11 takes the arguments reversed
  try {
    cli->app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return help_request(cli->app, e);
  } catch (const CLI::CallForAllHelp& e) {
    return help_request(cli->app, e);
  } catch (const CLI::ParseError& e) {
    throw UsageError(printable(e.what(), kMaxUsageMessage - 60));
  }
  if (const std::vector<std::string> extras = cli->app.remaining(true); !extras.empty()) {
    throw UsageError(describe_extras(extras));
  }
  if (*cli->list_cmd) return ListArgs{context};
  if (*cli->explore_cmd) {
    return checked_explore(cli->explore, cli->explore_cmd->count("--shard") > 0, env);
  }
  if (*cli->replay_cmd) return checked_replay(cli->replay);
  return cli->matrix;
}

int run_command(const ParsedCommand& command) {
  struct Run {
    int operator()(const HelpRequest& help) const {
      if (help.code != kExitPass) {
        std::cerr << help.text;
        return help.code;
      }
      std::cout << help.text;
      return flush_report(kExitPass);
    }
    int operator()(const ListArgs& args) const { return run_list(args.context); }
    int operator()(const ExploreArgs& args) const { return run_explore(args); }
    int operator()(const ReplayArgs& args) const { return run_replay(args); }
    int operator()(const MatrixArgs& args) const { return run_matrix(args); }
    int operator()(const RunProgramsArgs& args) const {
      return run_programs(args.args, args.replay);
    }
  };
  return std::visit(Run{}, command);
}

}  // namespace interleave::cli
