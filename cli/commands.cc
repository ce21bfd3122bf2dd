#include "cli/commands.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>

#include "cli/checks.h"
#include "cli/finish.h"
#include "cli/outputs.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "cli/test_signal.h"
#include "fmt/format.h"
#include "fuzz/schedule_input.h"
#include "harness/schedule.h"
#include "scenarios/registry.h"

namespace interleave::cli {
namespace {

// Fails before a run when a file it is to write at its end cannot be created.
void check_outputs(const OutputFiles& files) {
  for (const auto& path : {files.trace_out, files.junit}) {
    if (path) check_writable(*path);
  }
}

}  // namespace

std::atomic<bool>& stop_flag() {
  static std::atomic<bool> stop{false};
  return stop;
}

Engine make_engine(const scenarios::Target& target, const Limits& limits,
                   const scenarios::Catalog& catalog) {
  return Engine(target.topology(), scenarios::scenario_instances(catalog),
                EngineOptions{.limits = target.limits(limits), .stop = &stop_flag()});
}

int run_list(const Context& context) {
  const scenarios::Catalog& catalog = *context.catalog;
  std::cout << "scenarios:\n";
  for (const scenarios::Scenario* s : catalog.scenarios()) {
    const scenarios::StoreUnderTest* owner = catalog.owner_of(*s);
    std::cout << fmt::format("  {:<22} {}{}\n", s->name(), s->summary(),
                             owner != nullptr ? fmt::format(" [the store {}'s own]", owner->name)
                             : s->test_only() ? ""
                                              : fmt::format(" [finds {}]", to_string(s->finds())));
  }
  std::cout << "stores:\n";
  for (store::Variant v : store::all_variants()) {
    std::cout << fmt::format("  {:<22} {}\n", store::to_string(v), store::summary(v));
  }
  for (store::Variant v : store::crash_variants()) {
    std::cout << fmt::format("  {:<22} {} [with --crashes]\n", store::to_string(v),
                             store::summary(v));
  }
  for (const scenarios::StoreUnderTest& s : catalog.stores()) {
    std::string ops;
    if (s.workload) {
      for (const auto& op : s.workload->operations) ops += (ops.empty() ? "" : ", ") + op.name;
    }
    std::cout << fmt::format("  {:<22} {}{}\n", s.name,
                             s.summary.empty() ? "a store of this program's" : s.summary,
                             ops.empty() ? "" : fmt::format(" [operations: {}]", ops));
  }
  std::cout << "modes:\n"
               "  threads                one process; every actor a thread sharing one store "
               "(--actors N; --backend fibers runs them on fibers)\n"
               "  processes              every actor a forked worker process with its own store "
               "(--workers N)\n"
               "  mixed                  P worker processes of T threads; threads share their "
               "process's store (--workers P --threads T)\n"
               "  event-loop             one process; every actor an async handler on one event "
               "loop, switching only at await points (--actors N)\n";
  std::cout << "strategies:\n";
  for (const StrategyInfo* s : all_strategies()) {
    std::cout << fmt::format("  {:<22} {}\n", s->name, s->summary);
  }
  return flush_report(kExitPass);
}

int run_explore(const ExploreArgs& args) {
  const ExplorePlan plan = plan_explore(args);
  const scenarios::Target& target = plan.target;
  std::vector<std::unique_ptr<Engine>> engines;
  std::vector<Engine*> running;
  for (int j = 0; j < args.jobs; ++j) {
    engines.push_back(std::make_unique<Engine>(
        target.topology(), scenarios::scenario_instances(*args.context.catalog),
        EngineOptions{.limits = target.limits(args.limits), .stop = &stop_flag()}));
    engines.back()->start();  // fork workers from this thread, before any job thread exists
    running.push_back(engines.back().get());
  }
  Engine& engine = *running.front();
  ProgressLine progress(!args.json);
  ExploreOptions options = explore_options(plan, args);
  options.on_progress = [&](const RunStats& stats) { progress.update(stats); };
  options.before_execution = test_signal_hook();
  check_outputs(args.files);
  const ExploreReport report = explore(scenarios::factory_for(target), options, running);
  progress.clear();
  return finish(RunInfo{.subject = scenario_subject(target, args.context.program),
                        .command = "explore",
                        .strategy = args.strategy,
                        .seed = args.seed,
                        .depth = args.depth.value_or(3)},
                report, args.json, args.files, engine.broken());
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
  const std::string token = args.fuzz_input ? token_of_fuzz_input(*args.fuzz_input) : args.schedule;
  ReplayPlan plan = plan_replay(token, args.backend, args.files_in, *args.context.catalog);
  const scenarios::Target& target = plan.target;
  check_outputs(args.files);
  Engine engine = make_engine(target, args.limits, *args.context.catalog);
  const ExploreReport report =
      replay(scenarios::factory_for(target), std::move(plan.schedule.decisions), engine);
  return finish(RunInfo{.subject = scenario_subject(target, args.context.program),
                        .command = "replay",
                        .strategy = "replay"},
                report, args.json, args.files, engine.broken());
}

}  // namespace interleave::cli
