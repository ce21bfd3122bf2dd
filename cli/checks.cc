#include "cli/checks.h"

#include "fmt/format.h"
#include "harness/printable.h"
#include "scenarios/registry.h"

namespace interleave::cli {
namespace {

// The longest message from another layer that is passed on (it is made printable first).
constexpr std::size_t kMaxForeignMessage = 240;

std::string names_of_scenarios(const scenarios::Catalog& catalog) {
  std::string out;
  for (const scenarios::Scenario* s : catalog.scenarios()) {
    out += (out.empty() ? "" : ", ") + std::string(s->name());
  }
  return printable(out, kMaxForeignMessage / 2);
}

std::string names_of_stores(const scenarios::Catalog& catalog) {
  std::string out;
  for (store::Variant v : store::all_variants()) {
    out += (out.empty() ? "" : ", ") + std::string(store::to_string(v));
  }
  for (store::Variant v : store::crash_variants()) out += ", " + std::string(store::to_string(v));
  for (const scenarios::StoreUnderTest& s : catalog.stores()) out += ", " + s.name;
  return printable(out, kMaxForeignMessage / 2);
}

// The scenario, store and mode `what` names ("" for the command line, "the schedule names " for a
// token); throws UsageError for an unknown one.
scenarios::Target resolve_names(std::string_view scenario, std::string_view store,
                                std::string_view mode, std::string_view what,
                                const scenarios::Catalog& catalog) {
  scenarios::Target t;
  t.scenario = catalog.find_scenario(scenario);
  if (t.scenario == nullptr) {
    throw UsageError(fmt::format("{}unknown scenario '{}' (known: {})", what, printable(scenario),
                                 names_of_scenarios(catalog)));
  }
  const auto variant = store::parse_variant(store);
  t.user = catalog.find_store(store);
  if (!variant && t.user == nullptr) {
    throw UsageError(fmt::format("{}unknown store '{}' (known: {})", what, printable(store),
                                 names_of_stores(catalog)));
  }
  if (auto bad = catalog.check_pair(*t.scenario, store)) {
    throw UsageError(printable(*bad, kMaxForeignMessage));
  }
  const auto parsed_mode = scenarios::parse_mode(mode);
  if (!parsed_mode) {
    throw UsageError(
        fmt::format("{}unknown mode '{}' (known: threads, processes, mixed, "
                    "event-loop)",
                    what, printable(mode)));
  }
  if (variant) t.variant = *variant;
  t.mode = *parsed_mode;
  return t;
}

// The mode explore runs in: --mode, else what --workers implies, else threads.
std::string mode_of(const ExploreArgs& args) {
  if (!args.workers) return args.mode.value_or("threads");
  if (args.actors) {
    throw UsageError(
        "--workers N is --mode processes --actors N: give one of --workers and --actors");
  }
  if (args.processes) {
    throw UsageError(
        "--workers P --threads T is --processes P --threads T: give one of --workers and "
        "--processes");
  }
  if (args.mode && *args.mode != "processes" && *args.mode != "mixed") {
    throw UsageError(fmt::format("--workers applies to --mode processes or mixed, not '{}'",
                                 printable(*args.mode)));
  }
  return args.mode.value_or(args.threads ? "mixed" : "processes");
}

// Sets where the actors run (--backend) and where the files live (--files); throws UsageError for a
// name or a combination the target's mode cannot run.
void resolve_placement(std::string_view backend, std::string_view files, scenarios::Target* t) {
  const auto b = scenarios::parse_backend(backend);
  if (!b) {
    throw UsageError(
        fmt::format("unknown backend '{}' (known: threads, fibers)", printable(backend)));
  }
  if (files != "disk" && files != "memory") {
    throw UsageError(fmt::format("unknown files '{}' (known: disk, memory)", printable(files)));
  }
  // Event-loop mode runs on fibers whatever the flag says: its actors are handlers of one loop.
  t->backend = t->mode == scenarios::Mode::kEventLoop ? scenarios::Backend::kFibers : *b;
  t->files = files == "memory" ? scenarios::Files::kMemory : scenarios::Files::kDisk;
  if (auto bad = scenarios::check_backend(t->mode, *b)) throw UsageError(*bad);
  if (t->files == scenarios::Files::kMemory && !t->topology().in_process()) {
    throw UsageError(fmt::format(
        "--files memory keeps the files in the harness's memory, which worker processes do not "
        "share: it applies to --mode threads and event-loop, not {}",
        scenarios::to_string(t->mode)));
  }
}

scenarios::Target resolve_target(const ExploreArgs& args) {
  scenarios::Target t =
      resolve_names(args.scenario, args.store, mode_of(args), "", *args.context.catalog);
  t.sizes = scenarios::default_sizes_of(*t.scenario, t.mode);
  if (t.mode == scenarios::Mode::kMixed) {
    if (args.actors) throw UsageError("mixed mode takes --processes P --threads T, not --actors");
    const int threads = t.sizes.actors / t.sizes.processes;  // the default per process
    t.sizes.processes = args.workers.value_or(args.processes.value_or(t.sizes.processes));
    t.sizes.actors = t.sizes.processes * args.threads.value_or(threads);
  } else {
    const std::string_view mode = scenarios::to_string(t.mode);
    if (args.processes) {
      throw UsageError(
          fmt::format("--processes applies to --mode mixed, not {}; use --actors N", mode));
    }
    if (args.threads) {
      throw UsageError(fmt::format("--threads applies to --mode mixed, not {}", mode));
    }
    t.sizes.actors = args.workers.value_or(args.actors.value_or(t.sizes.actors));
  }
  if (args.ops) t.sizes.ops = *args.ops;
  t.crashes = args.crashes;
  const auto model = store::parse_persistence(args.persistence);
  if (!model) {
    throw UsageError(
        fmt::format("unknown persistence model '{}' (known: process, prefix, subset, torn, dirent)",
                    printable(args.persistence)));
  }
  if (args.crashes == 0 && *model != store::Persistence::kProcess) {
    throw UsageError("--persistence applies with --crashes K (K >= 1)");
  }
  t.persistence = *model;
  if (auto bad = scenarios::check_target(t)) {
    throw UsageError(printable(*bad, kMaxForeignMessage));
  }
  resolve_placement(args.backend, args.files_in, &t);
  return t;
}

}  // namespace

ExplorePlan plan_explore(const ExploreArgs& args) {
  ExplorePlan plan;
  plan.target = resolve_target(args);
  plan.strategy = find_strategy(args.strategy);
  if (plan.strategy == nullptr) {
    throw UsageError(fmt::format("unknown strategy '{}' (known: {})", printable(args.strategy),
                                 strategy_names()));
  }
  const StrategyOptions asked{.depth = args.depth, .preemption_bound = args.preemption_bound};
  if (auto bad = plan.strategy->check(asked)) throw UsageError(*bad);
  plan.executions = args.executions.value_or(plan.strategy->systematic ? 0 : 1000);
  plan.shard = args.shard;
  check_shard(plan.shard, *plan.strategy, plan.executions);
  return plan;
}

void check_shard(const Shard& s, const StrategyInfo& strategy, std::uint64_t executions) {
  if (s.count == 0 || s.index >= s.count) {
    throw UsageError(
        fmt::format("shard {}/{}: the index must be below the count", s.index, s.count));
  }
  // Random and PCT deal execution i to shard i mod N: a shard at or past the budget gets none.
  if (!strategy.systematic && s.index >= executions) {
    throw UsageError(fmt::format(
        "shard {}/{} gets no execution of a budget of {}: shards deal executions by index mod {}, "
        "so --executions must be above {}",
        s.index, s.count, executions, s.count, s.index));
  }
}

ExploreOptions explore_options(const ExplorePlan& plan, const ExploreArgs& args) {
  ExploreOptions options;
  options.strategy = std::string(plan.strategy->name);
  options.seed = args.seed;
  options.executions = plan.executions;
  options.depth = args.depth;
  options.preemption_bound = args.preemption_bound;
  options.shrink = args.shrink;
  options.shard = plan.shard;
  if (args.time_limit) options.time_limit = std::chrono::duration<double>(*args.time_limit);
  return options;
}

ReplayPlan plan_replay(std::string_view token, std::string_view backend, std::string_view files,
                       const scenarios::Catalog& catalog) {
  ReplayPlan plan;
  std::string error;
  if (!parse_token(token, &plan.schedule, &error)) throw UsageError(error);
  const Schedule& s = plan.schedule;
  resolve_names(s.scenario, s.store, s.mode, "the schedule names an ", catalog);
  if (!scenarios::target_of(s, &plan.target, &error, catalog)) {
    throw UsageError(printable(error, kMaxForeignMessage));
  }
  resolve_placement(backend, files, &plan.target);
  return plan;
}

}  // namespace interleave::cli
