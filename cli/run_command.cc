// `interleave run [flags] -- PROGRAM [ARGS...]`: explore (or replay a schedule of) unmodified
// programs run as N workers under the shim (cli/run_program.h, shim/shim.c).
#include "cli/run_command.h"

#include <algorithm>
#include <iostream>
#include <limits>
#include <memory>
#include <sstream>

#include "CLI/CLI.hpp"
#include "cli/checks.h"
#include "cli/commands.h"
#include "cli/finish.h"
#include "cli/flag_values.h"
#include "cli/outputs.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "cli/test_signal.h"
#include "fmt/format.h"
#include "fmt/ranges.h"
#include "harness/printable.h"
#include "harness/strategies/strategy.h"
#include "programs/execution.h"
#include "programs/run.h"
#include "programs/spec.h"
#include "programs/token.h"

namespace interleave::cli {
namespace {

constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();
constexpr int kIntMax = std::numeric_limits<int>::max();

std::vector<std::string> split_words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string quote(const std::string& word) {
  if (!word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789-_./=:,+@%") == std::string::npos) {
    return word;
  }
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// "interleave run" and the flags that say what the program target is, as the user gave them.
std::string target_flags(const RunArgs& a) {
  std::string line = fmt::format("interleave run --workers {}", a.workers);
  if (a.threads > 0) line += fmt::format(" --threads {}", a.threads);
  for (const std::string& w : a.worker_cmds) line += " --worker-cmd " + quote(w);
  if (!a.setup.empty()) line += " --setup " + quote(a.setup);
  if (!a.check.empty()) line += " --check " + quote(a.check);
  if (!a.shim.empty()) line += " --shim " + quote(a.shim);
  if (a.spurious_wakeups) line += " --spurious-wakeups";
  return line;
}

// The command line that replays `token`: the user's flags, the program as resolved (absolute, so
// that the line works from any directory).
std::string replay_line(const RunArgs& a, const std::string& token) {
  std::string line = target_flags(a);
  line += " --schedule " + token;
  if (!a.program.empty()) {
    line += " --";
    for (const std::string& w : a.program) line += " " + quote(w);
  }
  return line;
}

}  // namespace

RunArgs parse_run_args(std::vector<std::string> args) {
  RunArgs a;
  const auto dashes = std::find(args.begin(), args.end(), "--");
  if (dashes != args.end()) {
    a.program.assign(dashes + 1, args.end());
    args.erase(dashes, args.end());
  }
  CLI::App app{
      "interleave run: unmodified programs as N workers, controlled at their file "
      "system calls"};
  app.name("interleave run");
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  add_whole(&app, "--workers", &a.workers, 1, kMaxActors, "number of workers (default 2)");
  add_whole(&app, "--threads", &a.threads, 1, kMaxActors,
            "actors per worker: its main thread and the threads it may create under control "
            "(default 8, or 52 / workers)");
  app.add_option("--worker-cmd", a.worker_cmds,
                 "the command of one worker (words split at spaces), once per worker; "
                 "instead of -- PROGRAM")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--setup", a.setup, "shell command run uncontrolled in each fresh data directory");
  app.add_option("--check", a.check,
                 "shell command run in the data directory after each execution; non-zero exit "
                 "is a bug (output 'KIND: message' names its kind)");
  app.add_option("--shim", a.shim, "path of libinterleave_shim.so");
  app.add_flag("--spurious-wakeups", a.spurious_wakeups,
               "a condition or futex wait of a worker's threads may also end with no wake, as a "
               "scheduler decision (POSIX allows it)");
  app.add_option("--strategy", a.strategy, strategy_names())->capture_default_str();
  add_whole(&app, "--seed", &a.seed, std::uint64_t{0}, kU64Max, "run seed (default 1)");
  add_whole(&app, "--executions", &a.executions, std::uint64_t{1}, kU64Max,
            "budget (sampling strategies) or cap (systematic ones)");
  add_whole(&app, "--depth", &a.depth, 1, kMaxPctDepth, "PCT bug depth (default 3)");
  add_whole(&app, "--preemption-bound", &a.preemption_bound, 0, kIntMax,
            "dfs: at most K preemptions");
  add_seconds(&app, "--time-limit", &a.time_limit, "stop exploring after this many seconds");
  add_whole(&app, "--jobs", &a.jobs, 1, kMaxJobs, "engines exploring at once (default 1)");
  app.add_flag("--no-shrink", a.no_shrink, "report the failing schedule unshrunk");
  app.add_flag("--json", a.json, "print one JSON object");
  app.add_option("--trace-out", a.trace_out, "write the failing execution as trace-event JSON");
  app.add_option("--junit", a.junit, "write the result as JUnit XML");
  add_value(
      &app, "--shard", "I/N",
      [&a](const std::string& text) { a.shard = parse_shard("--shard", text); },
      "run part I of N disjoint parts of the search (random/pct: executions i with i mod N = I)");
  app.add_option("--schedule", a.schedule, "replay this token (printed by a failing run)");
  add_whole(&app, "--repeat", &a.repeat, 1, 100000,
            "with --schedule: replay this many times and check every trace is identical");
  add_whole(&app, "--max-steps", &a.limits.max_steps, std::uint32_t{1},
            std::numeric_limits<std::uint32_t>::max(), "decisions per execution before a livelock");
  // Longer than explore's: a worker's first step includes its interpreter's start-up, which a
  // loaded machine can stretch past 2 s.
  int hang_ms = static_cast<int>(programs::kDefaultHangTimeout.count());
  add_whole(&app, "--hang-timeout-ms", &hang_ms, 1, kIntMax,
            "time without a yield point before a hang (default 10000: a worker's first "
            "step includes its start-up)");
  std::optional<double> command_timeout;
  add_seconds(&app, "--command-timeout", &command_timeout,
              "seconds a --setup or --check command may run before it is an error of the test, "
              "killed with what it started (default 60)");
  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help()
              << "\nPROGRAM (after --) runs as every worker; or give --worker-cmd once per "
                 "worker.\nExit codes: 0 no bug, 1 bug found, 2 usage error or no verdict (a "
                 "program or shim that\ncannot be used, a setup that fails, a check that cannot "
                 "run or does not end, part of the\nrun escaped control), 3 an error of the "
                 "environment (a full disk, a worker killed from\noutside), 130 interrupted "
                 "(1 if a bug was found before). See docs/run.md.\n";
    std::exit(flush_report(kExitPass));
  } catch (const CLI::ParseError& e) {
    throw UsageError(printable(e.what(), 240));
  }
  a.limits.hang_timeout = std::chrono::milliseconds(hang_ms);
  if (command_timeout) {
    a.command_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::duration<double>(*command_timeout));
  }
  if (a.program.empty() && a.worker_cmds.empty()) {
    throw UsageError("run needs a program: interleave run [flags] -- PROGRAM [ARGS...]");
  }
  if (!a.program.empty() && !a.worker_cmds.empty()) {
    throw UsageError("give either -- PROGRAM or --worker-cmd, not both");
  }
  if (!a.worker_cmds.empty()) {
    if (app.count("--workers") > 0 && a.workers != static_cast<int>(a.worker_cmds.size())) {
      throw UsageError(
          fmt::format("--workers {} but {} --worker-cmd given", a.workers, a.worker_cmds.size()));
    }
    a.workers = static_cast<int>(a.worker_cmds.size());
  }
  const StrategyInfo* strategy = find_strategy(a.strategy);
  if (strategy == nullptr) {
    throw UsageError(
        fmt::format("unknown strategy '{}' (known: {})", printable(a.strategy), strategy_names()));
  }
  const StrategyOptions asked{.depth = a.depth, .preemption_bound = a.preemption_bound};
  if (auto bad = strategy->check(asked)) throw UsageError(*bad);
  check_shard(a.shard, *strategy, a.executions.value_or(strategy->systematic ? 0 : 1000));
  if (a.repeat > 1 && !a.schedule) throw UsageError("--repeat needs --schedule");
  if (a.schedule) {
    // A replay follows its token: what would steer an exploration has nothing to steer.
    for (const char* flag :
         {"--strategy", "--seed", "--executions", "--depth", "--preemption-bound", "--time-limit",
          "--jobs", "--shard", "--no-shrink"}) {
      if (app.count(flag) > 0) {
        throw UsageError(fmt::format(
            "{} has no effect on a replay: --schedule follows its token's decisions", flag));
      }
    }
  }
  return a;
}

namespace {

programs::ProgramRequest request_of(const RunArgs& a) {
  programs::ProgramRequest r;
  r.workers = a.workers;
  r.threads = a.threads;
  r.program = a.program;
  for (std::size_t w = 0; w < a.worker_cmds.size(); ++w) {
    r.worker_programs.push_back(split_words(a.worker_cmds[w]));
  }
  r.setup = a.setup;
  r.check = a.check;
  r.shim = a.shim;
  r.spurious_wakeups = a.spurious_wakeups;
  return r;
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : " ") + quote(w);
  return out;
}

// The program target as the report names it.
Subject program_subject(const RunArgs& given, std::shared_ptr<const programs::ProgramSpec> shared) {
  const programs::ProgramSpec& spec = *shared;
  // The replay lines name the programs as resolved (absolute paths), so that they work from any
  // directory, and the shim when one was given.
  RunArgs a = given;
  if (!a.program.empty()) a.program = spec.workers.front();
  for (std::size_t w = 0; w < a.worker_cmds.size(); ++w) {
    a.worker_cmds[w] = fmt::format("{}", fmt::join(spec.workers[w], " "));
  }
  if (!a.shim.empty()) a.shim = spec.shim;
  Subject s;
  const std::size_t n = spec.workers.size();
  s.description = given.worker_cmds.empty()
                      ? fmt::format("{} ({} worker{})", joined(given.program), n, n == 1 ? "" : "s")
                      : fmt::format("{} workers: {}", n, fmt::join(given.worker_cmds, "; "));
  nlohmann::json programs = nlohmann::json::array();
  for (const auto& argv : spec.workers) programs.push_back(argv);
  s.target = {{"kind", "program"},       {"workers", n},
              {"threads", spec.threads}, {"spurious_wakeups", spec.spurious_wakeups},
              {"programs", programs},    {"setup", spec.setup},
              {"check", spec.check}};
  s.topology = programs::topology_of(spec);
  s.junit_class = "interleave.run";
  s.junit_name = fmt::format("{}-workers", n);
  s.token = [shared](const Failure& f) {
    return programs::token_for(*shared, f.result.decisions());
  };
  s.replay_command = [a](const std::string& token) { return replay_line(a, token); };
  s.seed_command = [a](const std::string& strategy, int depth, std::uint64_t seed) {
    std::string line = target_flags(a);
    line += " --strategy " + strategy;
    if (strategy == "pct") line += fmt::format(" --depth {}", depth);
    line += fmt::format(" --seed {} --executions 1", seed);
    if (!a.program.empty()) line += " -- " + joined(a.program);
    return line;
  };
  return s;
}
}  // namespace

std::vector<std::string> run_params_arguments(const std::string& text, std::string_view source) {
  std::vector<std::string> out;
  for (const std::string& word : split_words(text)) {
    const std::size_t eq = word.find('=');
    const std::string name = word.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : word.substr(eq + 1);
    if (name.empty() || name.starts_with("-")) {
      throw UsageError(fmt::format("{}: '{}' is not name=value", source, printable(word)));
    }
    if (value == "0" || value == "false") continue;  // a flag left off
    out.push_back(eq == std::string::npos || value == "1" || value == "true"
                      ? "--" + name
                      : "--" + name + "=" + value);
  }
  return out;
}

programs::ProgramSpec resolve_spec(const RunArgs& a) {
  try {
    return programs::resolve(request_of(a));
  } catch (const programs::ProgramError& e) {
    throw UsageError(e.what());
  }
}

RunOutcome run_program_target(const RunArgs& a, bool replay) {
  const auto spec = std::make_shared<const programs::ProgramSpec>(resolve_spec(a));
  const programs::RunSettings settings{.limits = a.limits,
                                       .stop = &stop_flag(),
                                       .jobs = a.jobs,
                                       .command_timeout = a.command_timeout};
  RunOutcome out{.info = {.subject = program_subject(a, spec),
                          .command = replay ? "replay" : "run",
                          .strategy = a.strategy,
                          .seed = a.seed,
                          .depth = a.depth.value_or(3)}};
  if (a.schedule) {
    std::vector<int> decisions;
    try {
      decisions = programs::decisions_from(*a.schedule, *spec);
    } catch (const programs::ProgramError& e) {
      throw UsageError(e.what());
    }
    out.info.strategy = "replay";
    out.info.seed.reset();
    out.run = programs::replay_program(*spec, decisions, a.repeat, settings);
  } else {
    ExploreOptions options;
    options.strategy = a.strategy;
    options.seed = a.seed;
    const bool systematic = find_strategy(a.strategy)->systematic;  // checked by parse_run_args()
    options.executions = a.executions.value_or(systematic ? 0 : 1000);
    options.depth = a.depth;
    options.preemption_bound = a.preemption_bound;
    options.shrink = !a.no_shrink;
    options.shard = a.shard;
    if (a.time_limit) options.time_limit = std::chrono::duration<double>(*a.time_limit);
    ProgressLine progress(!a.json && a.progress);
    options.on_progress = [&](const RunStats& stats) { progress.update(stats); };
    options.before_execution = test_signal_hook();
    out.run = programs::explore_program(*spec, options, settings);
    progress.clear();
  }
  out.info.escapes = out.run.escapes;
  out.info.repeat_note = out.run.repeat_note;
  return out;
}

int run_programs(const std::vector<std::string>& args, bool replay) {
  const RunArgs a = parse_run_args(args);
  for (const auto& path : {a.trace_out, a.junit}) {
    if (path) check_writable(*path);  // before exploring, not after
  }
  const RunOutcome out = run_program_target(a, replay);
  return finish(out.info, out.run.report, a.json, OutputFiles{a.trace_out, a.junit});
}

}  // namespace interleave::cli
