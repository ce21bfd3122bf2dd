// `interleave run [flags] -- PROGRAM [ARGS...]`: explore (or replay a schedule of) unmodified
// programs run as N workers under the shim (cli/run_program.h, shim/shim.c).
#include "cli/run_command.h"

#include <elf.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <sstream>

#include "CLI/CLI.hpp"
#include "cli/checks.h"
#include "cli/commands.h"
#include "cli/flag_values.h"
#include "cli/outputs.h"
#include "cli/progress.h"
#include "cli/run_program.h"
#include "fmt/format.h"
#include "harness/environment.h"
#include "harness/printable.h"
#include "harness/schedule.h"
#include "harness/strategies/strategy.h"
#include "nlohmann/json.hpp"

namespace interleave::cli {
namespace {

constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();
constexpr int kIntMax = std::numeric_limits<int>::max();

constexpr const char* kScenario = "run";
constexpr const char* kMode = "programs";

struct RunArgs {
  int workers = 2;
  std::vector<std::string> worker_cmds;
  std::vector<std::string> program;
  std::string setup, check, shim;
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
};

std::vector<std::string> split_words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// `name` found on $PATH (or as given when it has a '/'), absolute.
std::string resolve_program(const std::string& name) {
  std::string found;
  if (name.find('/') != std::string::npos) {
    found = name;
  } else {
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path ? path : "/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');) {
      const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0) {
        found = candidate;
        break;
      }
    }
  }
  char real[PATH_MAX];
  if (found.empty() || ::realpath(found.c_str(), real) == nullptr || ::access(real, X_OK) != 0) {
    throw UsageError(fmt::format("program '{}' not found or not executable", printable(name)));
  }
  return real;
}

// Absolute paths for arguments that name existing files (a script given relative to the caller's
// directory must still be found from the data directory).
std::vector<std::string> absolute_args(std::vector<std::string> argv) {
  argv[0] = resolve_program(argv[0]);
  for (std::size_t i = 1; i < argv.size(); ++i) {
    char real[PATH_MAX];
    if (!argv[i].starts_with("-") && ::access(argv[i].c_str(), F_OK) == 0 &&
        ::realpath(argv[i].c_str(), real) != nullptr) {
      argv[i] = real;
    }
  }
  return argv;
}

// Whether an ELF executable has no program interpreter (statically linked: no shim can load).
bool statically_linked(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  Elf64_Ehdr h{};
  if (!in.read(reinterpret_cast<char*>(&h), sizeof h)) return false;
  if (std::memcmp(h.e_ident, ELFMAG, SELFMAG) != 0 || h.e_ident[EI_CLASS] != ELFCLASS64) {
    return false;
  }
  for (int i = 0; i < h.e_phnum; ++i) {
    Elf64_Phdr p{};
    in.seekg(static_cast<std::streamoff>(h.e_phoff + i * sizeof p));
    if (!in.read(reinterpret_cast<char*>(&p), sizeof p)) return false;
    if (p.p_type == PT_INTERP) return false;
  }
  return true;
}

std::string find_shim(const std::string& given) {
  std::vector<std::string> candidates;
  if (!given.empty()) candidates.push_back(given);
  if (const char* env = std::getenv("INTERLEAVE_SHIM")) candidates.push_back(env);
  char self[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = '\0';
    std::string dir(self);
    dir.resize(dir.rfind('/'));
    candidates.push_back(dir + "/libinterleave_shim.so");
    candidates.push_back(dir + "/../lib/libinterleave_shim.so");
  }
  for (const std::string& c : candidates) {
    char real[PATH_MAX];
    if (::realpath(c.c_str(), real) != nullptr) return real;
  }
  throw UsageError(
      "cannot find libinterleave_shim.so next to the interleave binary: give --shim PATH or "
      "INTERLEAVE_SHIM");
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

// The command line that replays `token` (the user's program words as given).
std::string replay_line(const RunArgs& a, const std::string& token) {
  std::string line = fmt::format("interleave run --workers {}", a.workers);
  for (const std::string& w : a.worker_cmds) line += " --worker-cmd " + quote(w);
  if (!a.setup.empty()) line += " --setup " + quote(a.setup);
  if (!a.check.empty()) line += " --check " + quote(a.check);
  line += " --schedule " + token;
  if (!a.program.empty()) {
    line += " --";
    for (const std::string& w : a.program) line += " " + quote(w);
  }
  return line;
}

RunArgs parse_run(std::vector<std::string> args) {
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
  app.add_option("--worker-cmd", a.worker_cmds,
                 "the command of one worker (words split at spaces), once per worker; "
                 "instead of -- PROGRAM")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--setup", a.setup, "shell command run uncontrolled in each fresh data directory");
  app.add_option("--check", a.check,
                 "shell command run in the data directory after each execution; non-zero exit "
                 "is a bug (output 'KIND: message' names its kind)");
  app.add_option("--shim", a.shim, "path of libinterleave_shim.so");
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
  int hang_ms = 10'000;
  add_whole(&app, "--hang-timeout-ms", &hang_ms, 1, kIntMax,
            "time without a yield point before a hang (default 10000: a worker's first "
            "step includes its start-up)");
  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help()
              << "\nPROGRAM (after --) runs as every worker; or give --worker-cmd once per "
                 "worker.\nSee docs/run.md.\n";
    std::exit(flush_report(kExitPass));
  } catch (const CLI::ParseError& e) {
    throw UsageError(printable(e.what(), 240));
  }
  a.limits.hang_timeout = std::chrono::milliseconds(hang_ms);
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
  return a;
}

RunSpec spec_of(const RunArgs& a) {
  RunSpec spec;
  for (int w = 0; w < a.workers; ++w) {
    std::vector<std::string> argv =
        a.worker_cmds.empty() ? a.program : split_words(a.worker_cmds[static_cast<std::size_t>(w)]);
    if (argv.empty()) throw UsageError(fmt::format("--worker-cmd {} is empty", w));
    argv = absolute_args(argv);
    if (statically_linked(argv[0])) {
      throw UsageError(fmt::format(
          "{} is statically linked: the shim cannot be preloaded into it, so none of its calls "
          "could be controlled",
          printable(argv[0])));
    }
    spec.workers.push_back(std::move(argv));
  }
  spec.setup = a.setup;
  spec.check = a.check;
  spec.shim = find_shim(a.shim);
  spec.seed = 0;
  return spec;
}

std::string store_field(const RunSpec& spec) { return fmt::format("p{:08x}", spec.hash()); }

std::string token_of(const RunSpec& spec, const std::vector<int>& decisions) {
  Schedule s;
  s.scenario = kScenario;
  s.store = store_field(spec);
  s.mode = kMode;
  s.sizes = {{'a', static_cast<std::uint32_t>(spec.workers.size())}};
  s.decisions = decisions;
  return encode_token(s);
}

std::vector<int> decisions_of_token(const std::string& token, const RunSpec& spec) {
  Schedule s;
  std::string error;
  if (!parse_token(token, &s, &error)) throw UsageError("--schedule: " + error);
  if (s.scenario != kScenario || s.mode != kMode) {
    throw UsageError(
        fmt::format("--schedule: a token of `interleave explore` ({}); replay it "
                    "with interleave replay",
                    printable(s.scenario)));
  }
  if (s.size('a', 0) != spec.workers.size()) {
    throw UsageError(fmt::format("--schedule: the token is for {} workers, not {}", s.size('a', 0),
                                 spec.workers.size()));
  }
  if (s.store != store_field(spec)) {
    throw UsageError(
        fmt::format("--schedule: the token is for another program ({}, this command "
                    "line is {}): give the same workers and --setup",
                    s.store, store_field(spec)));
  }
  return s.decisions;
}

// Where two replays of one token part: the first step that differs, or the verdicts.
std::string difference(const ExploreReport& a, const ExploreReport& b) {
  if (a.verdict.bug != b.verdict.bug) {
    return fmt::format("verdict {} then {} ({})", a.verdict.name(), b.verdict.name(),
                       printable(b.verdict.message.substr(0, 200)));
  }
  if (!a.failure || !b.failure) return "one replay failed, the other did not";
  const Trace& x = a.failure->result.trace;
  const Trace& y = b.failure->result.trace;
  for (std::size_t i = 0; i < std::max(x.size(), y.size()); ++i) {
    if (i >= x.size() || i >= y.size() || !(x[i] == y[i])) {
      return fmt::format("at step {}: {} vs {}", i,
                         i < x.size() ? std::string(x[i].label) : "(end)",
                         i < y.size() ? std::string(y[i].label) : "(end)");
    }
  }
  return "the same steps";
}

nlohmann::json trace_events(const ExecutionResult& result) {
  nlohmann::json events = nlohmann::json::array();
  for (const Step& step : result.trace) {
    events.push_back({{"name", step.label},
                      {"ph", "X"},
                      {"ts", step.index},
                      {"dur", 1},
                      {"pid", 1},
                      {"tid", step.actor},
                      {"args", {{"object", step.object_text()}}}});
  }
  return {{"traceEvents", events}, {"displayTimeUnit", "ns"}};
}

int report(const RunArgs& a, const RunSpec& spec, const ExploreReport& r, Escapes& escapes,
           std::optional<std::string> repeat_note) {
  const std::vector<std::string> escaped = escapes.list();
  std::string token;
  if (r.failure) token = token_of(spec, r.failure->result.decisions());
  int code = r.failure             ? kExitBug
             : r.error             ? kExitUsage
             : r.environment_error ? kExitEnvironment
             : r.stopped           ? kExitInterrupted
                                   : kExitPass;
  if (code == kExitPass && !escaped.empty()) code = kExitUsage;
  if (code == kExitPass && r.stats.executions == 0) code = kExitUsage;
  // A timeline that cannot be written costs neither the report nor the replay line.
  std::optional<std::string> unwritten;
  if (a.trace_out && r.failure) {
    try {
      write_file(*a.trace_out, trace_events(r.failure->result).dump(1));
    } catch (const std::exception& e) {
      unwritten = e.what();
      if (code == kExitPass) code = kExitEnvironment;
    }
  }
  if (a.junit) {
    JunitCase c{kScenario, fmt::format("{}-workers", spec.workers.size()), r.stats.elapsed_s};
    if (r.failure) {
      c.failed = true;
      c.failure_type = r.verdict.name();
      c.failure_message = r.verdict.message.substr(0, r.verdict.message.find('\n'));
      c.failure_text = replay_line(a, token) + "\n\n" + r.verdict.message;
    }
    try {
      write_file(*a.junit, junit_xml({c}));
    } catch (const std::exception& e) {
      unwritten = unwritten ? *unwritten + "; " + e.what() : std::string(e.what());
      if (code == kExitPass) code = kExitEnvironment;
    }
  }
  if (a.json) {
    const std::string verdict = r.error                          ? "error"
                                : !r.failure && !escaped.empty() ? "not-controlled"
                                                                 : std::string(r.verdict.name());
    nlohmann::json j = {{"verdict", verdict},
                        {"message", r.verdict.message},
                        {"workers", spec.workers.size()},
                        {"strategy", a.schedule ? "replay" : a.strategy},
                        {"executions", r.stats.executions},
                        {"steps", r.stats.steps},
                        {"elapsed_s", r.stats.elapsed_s},
                        {"exhausted", r.exhausted},
                        {"escapes", escaped}};
    if (r.failure) {
      j["schedule"] = token;
      j["replay"] = replay_line(a, token);
      j["trace_steps"] = r.failure->result.trace.size();
    }
    if (r.error) j["error"] = *r.error;
    if (repeat_note) j["repeat"] = *repeat_note;
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << fmt::format("verdict: {}\n", r.error ? "error"
                                              : !r.failure && !escaped.empty()
                                                  ? "none: not every call was controlled"
                                                  : std::string(r.verdict.name()));
    if (r.failure) {
      std::cout << r.verdict.message << "\n\n"
                << render_swimlanes(r.failure->result.trace, r.actors) << "\n";
    }
    std::cout << fmt::format("{} workers, strategy {}, {} executions, {} steps, {:.2f} s{}\n",
                             spec.workers.size(), a.schedule ? "replay" : a.strategy,
                             r.stats.executions, r.stats.steps, r.stats.elapsed_s,
                             r.exhausted ? ", exhausted" : "");
    if (repeat_note) std::cout << *repeat_note << "\n";
    if (r.failure) std::cout << "replay: " << replay_line(a, token) << "\n";
  }
  if (r.error) std::cerr << "interleave: error: " << printable(*r.error, 400) << "\n";
  if (unwritten) {
    std::cerr << "interleave: error: " << *unwritten << " (the report is complete)\n";
  }
  if (a.trace_out && !r.failure) {
    std::cerr << "interleave: no failing execution, so no timeline written to " << *a.trace_out
              << "\n";
  }
  if (r.environment_error) {
    std::cerr << "interleave: error of the environment: " << *r.environment_error << "\n";
  }
  for (const std::string& e : escaped) {
    std::cerr << "interleave: not controlled: " << e << "\n";
  }
  if (!escaped.empty()) {
    std::cerr << (r.failure ? "interleave: part of the workers escaped control, so the replay "
                              "may not reproduce the trace exactly\n"
                            : "interleave: error: part of the workers escaped control, so no "
                              "verdict is claimed\n");
  }
  if (code == kExitUsage && r.stats.executions == 0 && !r.error) {
    std::cerr << "interleave: error: no execution ran, so there is no verdict\n";
  }
  std::vector<std::string> lines;
  if (r.failure) lines.push_back(replay_line(a, token));
  return flush_report(code, lines);
}

}  // namespace

int run_programs(const std::vector<std::string>& args) {
  const RunArgs a = parse_run(args);
  for (const auto& path : {a.trace_out, a.junit}) {
    if (path) check_writable(*path);  // before exploring, not after
  }
  const RunSpec spec = spec_of(a);
  auto escapes = std::make_shared<Escapes>();
  const ProgramFactory factory = [&spec, escapes] {
    return std::make_unique<RunProgram>(spec, escapes);
  };
  Topology topology;
  for (const auto& argv : spec.workers) topology.groups.push_back({ActorKind::kProgram, 1, argv});
  const EngineOptions engine_options{.limits = a.limits, .stop = &stop_flag()};
  if (a.schedule) {
    const std::vector<int> decisions = decisions_of_token(*a.schedule, spec);
    Engine engine(topology, nullptr, engine_options);
    ExploreReport first = replay(factory, decisions, engine);
    std::optional<std::string> note;
    if (a.repeat > 1) {
      int same = 1;
      std::optional<std::string> first_diff;
      for (int i = 1; i < a.repeat && !first.error; ++i) {
        const ExploreReport again = replay(factory, decisions, engine);
        const bool equal =
            again.failure.has_value() == first.failure.has_value() &&
            again.verdict.bug == first.verdict.bug &&
            (!first.failure || again.failure->result.trace == first.failure->result.trace);
        same += equal ? 1 : 0;
        if (!equal && !first_diff) {
          first_diff = fmt::format("replay {} differs: {}", i + 1, difference(first, again));
        }
      }
      note = fmt::format("replayed {} times: identical trace and verdict {} of {}{}", a.repeat,
                         same, a.repeat, first_diff ? " (" + *first_diff + ")" : "");
      if (same != a.repeat && !first.error) first.error = *note;
    }
    return report(a, spec, first, *escapes, note);
  }
  std::vector<std::unique_ptr<Engine>> engines;
  std::vector<Engine*> running;
  for (int j = 0; j < a.jobs; ++j) {
    engines.push_back(std::make_unique<Engine>(topology, nullptr, engine_options));
    running.push_back(engines.back().get());
  }
  ExploreOptions options;
  options.strategy = a.strategy;
  options.seed = a.seed;
  const bool systematic = find_strategy(a.strategy)->systematic;  // checked by parse_run()
  options.executions = a.executions.value_or(systematic ? 0 : 1000);
  options.depth = a.depth;
  options.preemption_bound = a.preemption_bound;
  options.shrink = !a.no_shrink;
  options.shard = a.shard;
  if (a.time_limit) options.time_limit = std::chrono::duration<double>(*a.time_limit);
  ProgressLine progress(!a.json);
  options.on_progress = [&](const RunStats& stats) { progress.update(stats); };
  const ExploreReport r = explore(factory, options, running);
  progress.clear();
  return report(a, spec, r, *escapes, std::nullopt);
}

}  // namespace interleave::cli
