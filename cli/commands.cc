#include "cli/commands.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>

#include "cli/outputs.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "fmt/format.h"
#include "fuzz/schedule_input.h"
#include "harness/schedule.h"
#include "scenarios/registry.h"

namespace interleave::cli {
namespace {

std::string names_of_scenarios() {
  std::string out;
  for (const scenarios::Scenario* s : scenarios::all_scenarios()) {
    out += (out.empty() ? "" : ", ") + std::string(s->name());
  }
  return out;
}

std::string names_of_stores() {
  std::string out;
  for (store::Variant v : store::all_variants()) {
    out += (out.empty() ? "" : ", ") + std::string(store::to_string(v));
  }
  return out;
}

scenarios::Target resolve_target(const ExploreArgs& args) {
  scenarios::Target t;
  t.scenario = scenarios::find_scenario(args.scenario);
  if (t.scenario == nullptr) {
    throw UsageError(
        fmt::format("unknown scenario '{}' (known: {})", args.scenario, names_of_scenarios()));
  }
  const auto variant = store::parse_variant(args.store);
  if (!variant) {
    throw UsageError(fmt::format("unknown store '{}' (known: {})", args.store, names_of_stores()));
  }
  const auto mode = scenarios::parse_mode(args.mode);
  if (!mode) {
    throw UsageError(
        fmt::format("unknown mode '{}' (known: threads, processes, mixed)", args.mode));
  }
  t.variant = *variant;
  t.mode = *mode;
  t.sizes = scenarios::default_sizes(t.mode);
  if (t.mode == scenarios::Mode::kMixed) {
    if (args.actors) throw UsageError("mixed mode takes --processes P --threads T, not --actors");
    t.sizes.processes = args.processes.value_or(t.sizes.processes);
    t.sizes.actors = t.sizes.processes * args.threads.value_or(t.sizes.actors / 2);
  } else {
    if (args.processes || args.threads) {
      throw UsageError("--processes and --threads apply to --mode mixed; use --actors N");
    }
    if (args.actors) t.sizes.actors = *args.actors;
  }
  if (args.ops) t.sizes.ops = *args.ops;
  if (auto bad = scenarios::check_target(t)) throw UsageError(*bad);
  return t;
}

// Prints a report and returns its exit code. After a hang in threads mode an actor thread is stuck
// in uncontrolled code, so the process exits right here instead of unwinding.
int finish(const RunInfo& info, const ExploreReport& report, bool json, const OutputFiles& files,
           const Engine& engine) {
  if (report.stopped) {
    std::cerr << fmt::format("interleave: interrupted after {} executions\n",
                             report.stats.executions);
    return kExitInterrupted;
  }
  if (files.trace_out) {
    if (report.failure) {
      write_file(*files.trace_out, chrome_trace(info, report).dump(1) + "\n");
    } else {
      std::cerr << "interleave: no failing execution, so no timeline written to "
                << *files.trace_out << "\n";
    }
  }
  if (files.junit) {
    JunitCase c{fmt::format("interleave.{}", info.target.scenario->name()),
                fmt::format("{}.{}", store::to_string(info.target.variant),
                            scenarios::to_string(info.target.mode)),
                report.stats.elapsed_s};
    if (report.failure) {
      c.failed = true;
      c.failure_type = report.verdict.name();
      c.failure_message = report.verdict.message.substr(0, report.verdict.message.find('\n'));
      c.failure_text = replay_line(info, report) + "\n\n" + report.verdict.message;
    }
    write_file(*files.junit, junit_xml({c}));
  }
  if (json) {
    std::cout << to_json(info, report).dump(2) << '\n';
  } else {
    std::cout << to_text(info, report);
  }
  const int code = report.error ? kExitUsage : report.failure ? kExitBug : kExitPass;
  if (!engine.usable()) {
    std::cout.flush();
    std::fflush(nullptr);
    std::_Exit(code);
  }
  return code;
}

// "I/N", or GTEST_SHARD_INDEX and GTEST_TOTAL_SHARDS when absent, or the whole campaign.
Shard parse_shard(const std::optional<std::string>& text) {
  auto number = [](std::string_view s, const char* what) {
    std::uint32_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) {
      throw UsageError(fmt::format("{}: '{}' is not a number", what, s));
    }
    return v;
  };
  Shard shard;
  if (text) {
    const auto slash = text->find('/');
    if (slash == std::string::npos) throw UsageError("--shard takes I/N, for example 0/2");
    shard.index = number(std::string_view(*text).substr(0, slash), "--shard");
    shard.count = number(std::string_view(*text).substr(slash + 1), "--shard");
  } else if (const char* index = std::getenv("GTEST_SHARD_INDEX")) {
    const char* total = std::getenv("GTEST_TOTAL_SHARDS");
    shard.index = number(index, "GTEST_SHARD_INDEX");
    shard.count = total != nullptr ? number(total, "GTEST_TOTAL_SHARDS") : 1;
  }
  if (shard.count == 0 || shard.index >= shard.count) {
    throw UsageError(
        fmt::format("shard {}/{}: the index must be below the count", shard.index, shard.count));
  }
  return shard;
}

}  // namespace

std::atomic<bool>& stop_flag() {
  static std::atomic<bool> stop{false};
  return stop;
}

Engine make_engine(const scenarios::Target& target, const Limits& limits) {
  return Engine(scenarios::topology_of(target.mode, target.sizes), scenarios::scenario_instances(),
                EngineOptions{.limits = limits, .stop = &stop_flag()});
}

int run_list() {
  std::cout << "scenarios:\n";
  for (const scenarios::Scenario* s : scenarios::all_scenarios()) {
    std::cout << fmt::format(
        "  {:<22} {}{}\n", s->name(), s->summary(),
        s->test_only() ? "" : fmt::format(" [finds {}]", to_string(s->finds())));
  }
  std::cout << "stores:\n";
  for (store::Variant v : store::all_variants()) {
    std::cout << fmt::format("  {:<22} {}\n", store::to_string(v), store::summary(v));
  }
  std::cout
      << "modes:\n"
         "  threads                one process; every actor a thread sharing one store\n"
         "  processes              every actor a forked process with its own store (--workers N)\n"
         "  mixed                  --processes P x --threads T; threads share their process's "
         "store\n";
  std::cout
      << "strategies:\n"
         "  random                 uniform choice among runnable actors at every yield point\n"
         "  pct                    PCT (Burckhardt et al. 2010), bug depth --depth (default 3)\n"
         "  dfs                    every schedule, depth first; --preemption-bound K limits it\n"
         "  dpor                   one schedule per ordering of dependent steps (DPOR + sleep "
         "sets)\n";
  return kExitPass;
}

int run_explore(const ExploreArgs& args) {
  const scenarios::Target target = resolve_target(args);
  const auto strategy = parse_strategy(args.strategy);
  if (!strategy) {
    throw UsageError(
        fmt::format("unknown strategy '{}' (known: random, pct, dfs, dpor)", args.strategy));
  }
  if (args.depth < 1 || args.depth > kMaxPctDepth) {
    throw UsageError(fmt::format("--depth must be in [1, {}]", kMaxPctDepth));
  }
  if (args.preemption_bound && (*strategy != StrategyKind::kDfs || *args.preemption_bound < 0)) {
    throw UsageError("--preemption-bound takes a number >= 0 and applies to --strategy dfs");
  }
  if (args.jobs < 1 || args.jobs > 64) throw UsageError("--jobs must be in [1, 64]");
  std::vector<std::unique_ptr<Engine>> engines;
  std::vector<Engine*> running;
  for (int j = 0; j < args.jobs; ++j) {
    engines.push_back(std::make_unique<Engine>(
        scenarios::topology_of(target.mode, target.sizes), scenarios::scenario_instances(),
        EngineOptions{.limits = args.limits, .stop = &stop_flag()}));
    engines.back()->start();  // fork workers from this thread, before any job thread exists
    running.push_back(engines.back().get());
  }
  Engine& engine = *running.front();
  ProgressLine progress(!args.json);
  ExploreOptions options;
  options.strategy = *strategy;
  options.seed = args.seed;
  options.executions = args.executions.value_or(is_systematic(*strategy) ? 0 : 1000);
  options.depth = args.depth;
  options.preemption_bound = args.preemption_bound;
  options.shrink = args.shrink;
  options.shard = parse_shard(args.shard);
  if (args.time_limit) options.time_limit = std::chrono::duration<double>(*args.time_limit);
  options.on_progress = [&](const RunStats& stats) { progress.update(stats); };
  const ExploreReport report = explore(scenarios::factory_for(target), options, running);
  progress.clear();
  return finish(RunInfo{target, args.strategy, args.seed, args.depth}, report, args.json,
                args.files, engine);
}

// The token of a schedule_fuzzer input (decoded under INTERLEAVE_FUZZ_MODE/INTERLEAVE_FUZZ_STORE).
std::string token_of_fuzz_input(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(fmt::format("cannot read fuzz input {}", path));
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                        std::istreambuf_iterator<char>());
  const std::optional<std::string> token = fuzz::replay_token_for_input(bytes);
  if (!token) throw UsageError(fmt::format("fuzz input {} is too short to decode", path));
  std::cerr << fmt::format("interleave: fuzz input {} is the schedule {}\n", path, *token);
  return *token;
}

int run_replay(const ReplayArgs& args) {
  if (!args.fuzz_input && args.schedule.empty()) {
    throw UsageError("replay needs --schedule TOKEN or --fuzz-input FILE");
  }
  Schedule schedule;
  std::string error;
  const std::string token = args.fuzz_input ? token_of_fuzz_input(*args.fuzz_input) : args.schedule;
  if (!parse_token(token, &schedule, &error)) throw UsageError(error);
  scenarios::Target target;
  if (!scenarios::target_of(schedule, &target, &error)) throw UsageError(error);
  Engine engine = make_engine(target, args.limits);
  const ExploreReport report =
      replay(scenarios::factory_for(target), std::move(schedule.decisions), engine);
  return finish(RunInfo{target, "replay", std::nullopt, 3}, report, args.json, args.files, engine);
}

}  // namespace interleave::cli
