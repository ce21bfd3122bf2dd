// The `interleave` command line: parses flags (CLI11) and dispatches to cli/commands.h.
//
// Exit codes: 0 no bug, 1 bug found (replay: the bug reproduced; matrix: a cell does not match its
// expectation), 2 usage or input error, with a one-line message on stderr, 130 interrupted.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "cli/commands.h"
#include "harness/cleanup.h"
#include "harness/environment.h"
#include "harness/fatal_signal.h"

namespace interleave::cli {
namespace {

constexpr const char* kParamsVariable = "INTERLEAVE_PARAMS";

void add_limits(CLI::App* cmd, Limits* limits) {
  cmd->add_option("--max-steps", limits->max_steps,
                  "decisions per execution before it is stopped as a livelock")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option_function<int>(
         "--hang-timeout-ms",
         [limits](int ms) { limits->hang_timeout = std::chrono::milliseconds(ms); },
         "time an actor may run without reaching a yield point before the execution is a hang "
         "(default 2000)")
      ->check(CLI::PositiveNumber);
}

// INTERLEAVE_PARAMS="seed=5 executions=100" supplies flags to explore and matrix as if they came
// first on the command line; flags given explicitly win. Returns the arguments to parse.
std::vector<std::string> with_params(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const char* params = std::getenv(kParamsVariable);
  if (params == nullptr || *params == '\0' || args.empty()) return args;
  if (args[0] != "explore" && args[0] != "matrix") return args;
  std::vector<std::string> extra;
  std::istringstream in(params);
  for (std::string item; in >> item;) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw UsageError(std::string(kParamsVariable) + ": expected name=value items, got '" + item +
                       "'");
    }
    extra.push_back("--" + item.substr(0, eq));
    extra.push_back(item.substr(eq + 1));
  }
  std::cerr << "interleave: " << kParamsVariable << "=\"" << params << "\"\n";
  args.insert(args.begin() + 1, extra.begin(), extra.end());
  return args;
}

int run(int argc, char** argv) {
  CLI::App app{
      "interleave: a deterministic concurrency test harness for storage engines.\n"
      "Runs a store's actors one at a time under a controlled scheduler, finds lost updates,\n"
      "duplicate offsets and torn reads, and replays every failure exactly."};
  app.name("interleave");
  app.require_subcommand(1);
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.footer(
      "Exit codes: 0 no bug, 1 bug found (or matrix mismatch), 2 usage or input error,\n"
      "130 interrupted (Ctrl-C: workers stopped, data directories removed).\n"
      "INTERLEAVE_PARAMS=\"name=value ...\" supplies explore/matrix flags (e.g. \"seed=7\").");

  CLI::App* list = app.add_subcommand("list", "list scenarios, stores, modes and strategies");

  ExploreArgs explore;
  CLI::App* ex = app.add_subcommand("explore",
                                    "explore one scenario on one store until a bug "
                                    "is found or the budget is spent");
  ex->add_option("--scenario", explore.scenario, "scenario name (see `interleave list`)")
      ->required();
  ex->add_option("--store", explore.store, "store variant (see `interleave list`)")->required();
  ex->add_option("--mode", explore.mode, "threads, processes or mixed")->capture_default_str();
  ex->add_option("--strategy", explore.strategy, "random, pct, dfs or dpor")->capture_default_str();
  ex->add_option("--seed", explore.seed,
                 "run seed; execution i uses a seed derived from it "
                 "(execution 0 uses the seed itself)")
      ->capture_default_str();
  ex->add_option("--executions", explore.executions,
                 "execution budget (default 1000 for random and pct; dfs and dpor run until the "
                 "space is exhausted)")
      ->check(CLI::PositiveNumber);
  ex->add_option("--preemption-bound", explore.preemption_bound,
                 "dfs: at most K preemptions, searched bound by bound from 0");
  ex->add_option("--shard", explore.shard,
                 "I/N: run one disjoint part of the campaign (default from GTEST_SHARD_INDEX and "
                 "GTEST_TOTAL_SHARDS)");
  ex->add_option("--time-limit", explore.time_limit, "stop exploring after this many seconds")
      ->check(CLI::PositiveNumber);
  ex->add_flag("!--no-shrink", explore.shrink, "report the failing schedule as found, unshrunk");
  ex->add_option("--jobs", explore.jobs,
                 "explore on this many engines at once (random, pct: the reported failure is the "
                 "same for any number; dfs, dpor: each engine searches its part of the schedule "
                 "tree)")
      ->capture_default_str();
  ex->add_option("--depth", explore.depth, "PCT bug depth (default 3)");
  ex->add_option("--actors", explore.actors, "number of actors (default 2; threads, processes)");
  ex->add_option("--processes", explore.processes, "mixed mode: worker processes (default 2)");
  ex->add_option("--threads", explore.threads, "mixed mode: actor threads per process (default 2)");
  ex->add_option("--ops", explore.ops, "operations per actor (default 2)");
  ex->add_flag("--json", explore.json, "print one JSON object");
  ex->add_option("--trace-out", explore.files.trace_out,
                 "write the failing execution as a Chrome trace-event timeline (Perfetto)");
  ex->add_option("--junit", explore.files.junit, "write the result as JUnit XML");
  add_limits(ex, &explore.limits);

  ReplayArgs replay;
  CLI::App* re = app.add_subcommand("replay", "replay one schedule token exactly");
  auto* schedule =
      re->add_option("--schedule", replay.schedule, "the token a failure printed (I1:...)");
  auto* fuzz_input = re->add_option("--fuzz-input", replay.fuzz_input,
                                    "a schedule_fuzzer input file: prints its token, then replays "
                                    "it (mode and store from INTERLEAVE_FUZZ_MODE and _STORE)");
  schedule->excludes(fuzz_input);
  re->add_flag("--json", replay.json, "print one JSON object");
  re->add_option("--trace-out", replay.files.trace_out,
                 "write the replayed failing execution as a Chrome trace-event timeline");
  re->add_option("--junit", replay.files.junit, "write the result as JUnit XML");
  add_limits(re, &replay.limits);

  MatrixArgs matrix;
  CLI::App* mx = app.add_subcommand(
      "matrix", "run every scenario x store x mode; exit 0 only if every cell matches");
  mx->add_option("--executions", matrix.executions, "budget per strategy and cell")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  mx->add_option("--seed", matrix.seed, "run seed")->capture_default_str();
  mx->add_flag("--json", matrix.json, "print one JSON object");
  mx->add_option("--junit", matrix.junit, "write one JUnit test case per cell");
  add_limits(mx, &matrix.limits);

  std::vector<std::string> args = with_params(argc, argv);
  const auto subcommands = app.get_subcommands([](const CLI::App*) { return true; });
  const bool known = std::any_of(subcommands.begin(), subcommands.end(), [&](const CLI::App* s) {
    return !args.empty() && s->get_name() == args[0];
  });
  if (!args.empty() && !args[0].empty() && args[0][0] != '-' && !known) {
    throw UsageError("unknown command '" + args[0] + "' (known: list, explore, replay, matrix)");
  }
  std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    throw UsageError(e.what());
  }
  if (*list) return run_list();
  if (*ex) return run_explore(explore);
  if (*re) return run_replay(replay);
  return run_matrix(matrix);
}

}  // namespace
}  // namespace interleave::cli

// SIGINT, SIGTERM, SIGHUP and SIGPIPE ask the running command to stop at its next step (it then
// kills its workers and removes its data directories). A second one ends the process at once,
// after removing the data directories. SIGPIPE (the reader of the output went away) asks once and
// is ignored afterwards: the writes that follow fail with EPIPE and are reported.
void on_stop_signal(int sig) {
  static std::atomic<int> signals{0};
  if (sig == SIGPIPE) ::signal(SIGPIPE, SIG_IGN);
  if (sig != SIGPIPE && signals.fetch_add(1) > 0) {
    interleave::kill_registered_children();
    interleave::remove_registered_dirs();
    ::_exit(interleave::cli::kExitInterrupted);
  }
  interleave::cli::stop_flag().store(true);
}

int main(int argc, char** argv) {
  using namespace interleave::cli;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    ::sigaction(sig, &action, nullptr);
  }
  interleave::install_fatal_signal_report();
  try {
    return run(argc, argv);
  } catch (const interleave::EnvironmentError& e) {
    std::cerr << "interleave: error of the environment: " << e.what() << "\n";
    return kExitEnvironment;
  } catch (const UsageError& e) {
    std::string message = e.what();
    for (char& c : message) c = c == '\n' ? ' ' : c;
    std::cerr << "interleave: error: " << message << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "interleave: error: " << e.what() << "\n";
    return kExitUsage;
  }
}
