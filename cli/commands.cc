#include "cli/commands.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/report.h"
#include "fmt/format.h"
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
  if (t.sizes.actors < 1 || t.sizes.actors > kMaxActors) {
    throw UsageError(
        fmt::format("the number of actors must be in [1, {}], got {}", kMaxActors, t.sizes.actors));
  }
  if (auto bad = scenarios::check_target(t)) throw UsageError(*bad);
  return t;
}

// Prints a report and returns its exit code. After a hang in threads mode an actor thread is stuck
// in uncontrolled code, so the process exits right here instead of unwinding.
int finish(const RunInfo& info, const ExploreReport& report, bool json, const Engine& engine) {
  if (report.stopped) {
    std::cerr << fmt::format("interleave: interrupted after {} executions\n",
                             report.stats.executions);
    return kExitInterrupted;
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
         "  pct                    PCT (Burckhardt et al. 2010), bug depth --depth (default 3)\n";
  return kExitPass;
}

int run_explore(const ExploreArgs& args) {
  const scenarios::Target target = resolve_target(args);
  const auto strategy = parse_strategy(args.strategy);
  if (!strategy) {
    throw UsageError(fmt::format("unknown strategy '{}' (known: random, pct)", args.strategy));
  }
  if (args.depth < 1) throw UsageError("--depth must be at least 1");
  Engine engine = make_engine(target, args.limits);
  const ExploreOptions options{
      .strategy = *strategy, .seed = args.seed, .executions = args.executions, .depth = args.depth};
  const ExploreReport report = explore(scenarios::factory_for(target), options, engine);
  return finish(RunInfo{target, args.strategy, args.seed, args.depth}, report, args.json, engine);
}

int run_replay(const ReplayArgs& args) {
  Schedule schedule;
  std::string error;
  if (!parse_token(args.schedule, &schedule, &error)) throw UsageError(error);
  scenarios::Target target;
  if (!scenarios::target_of(schedule, &target, &error)) throw UsageError(error);
  Engine engine = make_engine(target, args.limits);
  const ExploreReport report =
      replay(scenarios::factory_for(target), std::move(schedule.decisions), engine);
  return finish(RunInfo{target, "replay", std::nullopt, 3}, report, args.json, engine);
}

}  // namespace interleave::cli
