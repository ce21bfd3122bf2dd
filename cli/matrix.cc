// `interleave matrix`: every scenario x store x mode, expected against found.
#include <iostream>

#include "cli/commands.h"
#include "cli/outputs.h"
#include "cli/report.h"
#include "fmt/format.h"
#include "scenarios/registry.h"

namespace interleave::cli {
namespace {

struct Cell {
  scenarios::Target target;
  scenarios::Expect expected;
  ExploreReport report;  // of the strategy that found the bug, or of the last clean one
  std::string strategy;
  std::uint64_t executions = 0;  // over every strategy run for the cell
  // An error of the environment ended the cell before it could be judged (a full disk).
  bool error() const { return report.environment_error && !report.failure; }
  bool matches() const {
    return !error() && (expected == scenarios::Expect::kBug) == report.failure.has_value();
  }
  std::string_view found() const { return error() ? "error" : report.failure ? "bug" : "clean"; }
};

// Runs random, then PCT if random found nothing: a cell is clean only if both come out clean.
Cell run_cell(const scenarios::Target& target, const MatrixArgs& args, Engine& engine) {
  const scenarios::Expect expected =
      target.user != nullptr ? target.user->expect(target.scenario->name(), target.mode)
      : target.crashes > 0
          ? scenarios::durability_expectation(target.variant, target.mode, target.persistence)
          : target.scenario->expect(target.variant, target.mode);
  Cell cell{target, expected, {}, {}, 0};
  for (const char* kind : {"random", "pct"}) {
    cell.strategy = std::string(kind);
    cell.report =
        explore(scenarios::factory_for(target),
                {.strategy = kind, .seed = args.seed, .executions = args.executions}, engine);
    cell.executions += cell.report.stats.executions;
    if (cell.report.failure || cell.report.stopped || cell.error()) break;
  }
  return cell;
}

// "prefix" for a crash cell, "-" for the others.
std::string_view crash_column(const scenarios::Target& target) {
  return target.crashes > 0 ? store::to_string(target.persistence) : "-";
}

}  // namespace

int run_matrix(const MatrixArgs& args) {
  if (args.junit) check_writable(*args.junit);
  std::vector<Cell> cells;
  // One engine per mode, destroyed before the next is made (worker processes are forked from a
  // harness with no actor threads alive).
  const scenarios::Catalog& catalog = *args.context.catalog;
  // Runs one cell into `cells`; false when the run was interrupted (the matrix then stops).
  auto run = [&](const scenarios::Target& target, Engine& engine) {
    cells.push_back(run_cell(target, args, engine));
    if (!cells.back().report.stopped) return true;
    std::cerr << "interleave: interrupted\n";
    return false;
  };
  for (scenarios::Mode m : scenarios::all_modes()) {
    const scenarios::Sizes sizes = scenarios::default_sizes(m);
    Engine engine =
        make_engine({nullptr, store::Variant::kUnlocked, m, sizes}, args.limits, catalog);
    for (const scenarios::Scenario* s : scenarios::all_scenarios()) {
      if (s->test_only()) continue;
      for (store::Variant v : store::all_variants()) {
        if (!run({s, v, m, sizes}, engine)) return kExitInterrupted;
      }
    }
  }
  // The crash cells: durability with --crashes 1 on safe and its crash twins, under every
  // persistence model, in the modes crashes run in; one engine per mode and model (a power loss
  // stops every worker, a crash under `process` one).
  for (scenarios::Mode m : {scenarios::Mode::kThreads, scenarios::Mode::kProcesses}) {
    for (store::Persistence p : store::all_persistence_models()) {
      scenarios::Target target{&scenarios::durability_scenario(), store::Variant::kSafe, m,
                               scenarios::default_sizes(m)};
      target.crashes = 1;
      target.persistence = p;
      Engine engine = make_engine(target, args.limits, catalog);
      std::vector<store::Variant> variants{store::Variant::kSafe};
      for (store::Variant v : store::crash_variants()) variants.push_back(v);
      for (store::Variant v : variants) {
        target.variant = v;
        if (!run(target, engine)) return kExitInterrupted;
      }
    }
  }
  // The stores of one's own: their scenarios in their modes, each on an engine of its own sizes.
  for (const scenarios::StoreUnderTest& store : catalog.stores()) {
    for (scenarios::Mode m : store.modes) {
      for (const scenarios::Scenario* s : catalog.scenarios_of(store)) {
        scenarios::Target target{s, store::Variant::kUnlocked, m,
                                 scenarios::default_sizes_of(*s, m)};
        target.user = &store;
        if (scenarios::check_target(target)) continue;  // sizes this mode cannot run
        Engine engine = make_engine(target, args.limits, catalog);
        if (!run(target, engine)) return kExitInterrupted;
      }
    }
  }
  bool all_match = true;
  bool mismatch = false;
  std::size_t errors = 0;
  for (const Cell& c : cells) {
    all_match &= c.matches();
    mismatch |= !c.matches() && !c.error();
    errors += c.error();
  }
  int code = mismatch ? kExitBug : errors > 0 ? kExitEnvironment : kExitPass;
  if (args.junit) {
    // One case per cell; a case fails when the cell does not match its expectation.
    std::vector<JunitCase> cases;
    for (const Cell& c : cells) {
      const RunInfo info{.subject = scenario_subject(c.target, args.context.program),
                         .strategy = c.strategy,
                         .seed = args.seed};
      std::string name =
          fmt::format("{}.{}", c.target.store(), scenarios::to_string(c.target.mode));
      if (c.target.crashes > 0) name += fmt::format(".crash-{}", crash_column(c.target));
      JunitCase jc{fmt::format("interleave.matrix.{}", c.target.scenario->name()), std::move(name),
                   c.report.stats.elapsed_s};
      if (!c.matches()) {
        jc.failed = true;
        jc.failure_type = c.error() ? "error" : std::string(c.report.verdict.name());
        jc.failure_message = c.error() ? *c.report.environment_error
                                       : fmt::format("expected {}, found {}",
                                                     scenarios::to_string(c.expected), c.found());
        jc.failure_text = c.report.failure ? replay_line(info, c.report) : std::string();
      }
      cases.push_back(std::move(jc));
    }
    try {
      write_file(*args.junit, junit_xml(cases));
    } catch (const std::exception& e) {
      std::cerr << "interleave: error: " << e.what() << " (the report below is complete)\n";
      if (code == kExitPass) code = kExitEnvironment;
    }
  }

  if (args.json) {
    nlohmann::json out = {{"executions_per_strategy", args.executions},
                          {"seed", args.seed},
                          {"cells", nlohmann::json::array()},
                          {"all_match", all_match}};
    for (const Cell& c : cells) {
      const RunInfo info{.subject = scenario_subject(c.target, args.context.program),
                         .strategy = c.strategy,
                         .seed = args.seed};
      nlohmann::json cell = {
          {"scenario", c.target.scenario->name()},
          {"store", c.target.store()},
          {"mode", scenarios::to_string(c.target.mode)},
          {"expected", scenarios::to_string(c.expected)},
          {"found", c.found()},
          {"verdict", c.report.verdict.name()},
          {"strategy", c.strategy},
          {"executions", c.executions},
          {"match", c.matches()},
      };
      if (c.target.crashes > 0) {
        cell["crashes"] = c.target.crashes;
        cell["persistence"] = store::to_string(c.target.persistence);
      }
      if (c.report.failure) cell["replay"] = replay_line(info, c.report);
      if (c.error()) cell["error"] = *c.report.environment_error;
      out["cells"].push_back(std::move(cell));
    }
    std::cout << out.dump(2) << '\n';
  } else {
    // The crash column: the persistence model of a crash cell (--crashes 1), "-" elsewhere.
    constexpr std::string_view kRow = "{:<18} {:<15} {:<10} {:<7} {:<8} {:<6} {:<23} {:>10}  {}\n";
    std::cout << fmt::format(kRow, "scenario", "store", "mode", "crash", "expected", "found",
                             "verdict", "executions", "");
    for (const Cell& c : cells) {
      std::cout << fmt::format(kRow, c.target.scenario->name(), c.target.store(),
                               scenarios::to_string(c.target.mode), crash_column(c.target),
                               scenarios::to_string(c.expected), c.found(),
                               c.error() ? "error" : c.report.verdict.name(), c.executions,
                               c.error()     ? "ERROR"
                               : c.matches() ? "ok"
                                             : "MISMATCH");
    }
    std::cout << "\nreplay lines:\n";
    for (const Cell& c : cells) {
      if (!c.report.failure) continue;
      const RunInfo info{.subject = scenario_subject(c.target, args.context.program),
                         .strategy = c.strategy,
                         .seed = args.seed};
      std::cout << fmt::format("  {:<18} {:<15} {:<10} {:<7} {}\n", c.target.scenario->name(),
                               c.target.store(), scenarios::to_string(c.target.mode),
                               crash_column(c.target), replay_line(info, c.report));
    }
    for (const Cell& c : cells) {
      if (!c.error()) continue;
      std::cout << fmt::format("error: {} {} {}: {}\n", c.target.scenario->name(), c.target.store(),
                               scenarios::to_string(c.target.mode), *c.report.environment_error);
    }
    std::cout << fmt::format(
        "\n{} ({} cells; clean means no bug in {} random + {} PCT executions)\n",
        all_match ? "every cell matches its expectation"
        : mismatch
            ? "SOME CELLS DO NOT MATCH their expectation"
            : fmt::format("{} cells could not be judged: an error of the environment", errors),
        cells.size(), args.executions, args.executions);
  }
  std::vector<std::string> replay_lines;  // printed on stderr if the report cannot be written
  for (const Cell& c : cells) {
    if (c.report.failure) {
      replay_lines.push_back(
          replay_line({.subject = scenario_subject(c.target, args.context.program),
                       .strategy = c.strategy,
                       .seed = args.seed},
                      c.report));
    }
  }
  return flush_report(code, replay_lines);
}

}  // namespace interleave::cli
