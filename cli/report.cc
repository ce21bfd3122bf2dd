#include "cli/report.h"

#include "fmt/format.h"
#include "harness/printable.h"
#include "harness/schedule.h"
#include "harness/strategies/strategy.h"
#include "harness/trace.h"

namespace interleave::cli {
namespace {

// DFS, DPOR and any other strategy that enumerates schedules (harness/strategies/strategy.h): its
// runs do not depend on the seed and can be exhausted.
bool is_systematic(std::string_view strategy) {
  const StrategyInfo* info = find_strategy(strategy);
  return info != nullptr && info->systematic;
}

// Swimlane titles: an exec'd program's actors by worker and thread ("actor 4 (w1 thread#1)"), the
// others by number.
std::vector<std::string> actor_names(const Topology& topology) {
  std::vector<std::string> names;
  for (std::size_t g = 0; g < topology.groups.size(); ++g) {
    const Topology::Group& group = topology.groups[g];
    for (int n = 0; n < group.actors; ++n) {
      const int a = static_cast<int>(names.size());
      if (group.kind != ActorKind::kProgram) {
        names.push_back(fmt::format("actor {}", a));
      } else if (n == 0) {
        names.push_back(fmt::format("actor {} (w{} main)", a, g));
      } else {
        names.push_back(fmt::format("actor {} (w{} thread#{})", a, g, n));
      }
    }
  }
  return names;
}

// The longest error text error_line() writes, in characters.
constexpr std::size_t kMaxErrorLine = 300;

std::string describe_target(const scenarios::Target& t) {
  const std::string actors = t.mode == scenarios::Mode::kMixed
                                 ? fmt::format("{} processes x {} threads", t.sizes.processes,
                                               t.sizes.actors / t.sizes.processes)
                                 : fmt::format("{} actors", t.sizes.actors);
  return fmt::format("{} on {} ({}, {} x {} ops)", t.scenario->name(), t.store(),
                     scenarios::to_string(t.mode), actors, t.sizes.ops);
}

nlohmann::json trace_json(const Trace& trace) {
  nlohmann::json steps = nlohmann::json::array();
  for (const Step& step : trace) {
    nlohmann::json s = {{"step", step.index}, {"actor", step.actor}, {"label", step.label}};
    if (const std::string object = step.object_text(); !object.empty()) {
      s["object"] = object;
      s["access"] = step.object.access == Access::kWrite ? "write" : "read";
    }
    steps.push_back(std::move(s));
  }
  return steps;
}

}  // namespace

std::string shrink_line(const Failure& f) {
  const auto preemptions = [](int n) {
    return fmt::format("{} preemption{}", n, n == 1 ? "" : "s");
  };
  const std::string as_is =
      fmt::format("{} steps with {}", f.result.trace.size(), preemptions(f.preemptions));
  switch (f.shrink) {
    case ShrinkStatus::kShrunk:
      return fmt::format(
          "shrunk from {} steps with {} to {} in {} executions (the fewest preemptions that fail "
          "this way)",
          f.original_steps, preemptions(f.original_preemptions), as_is, f.shrink_executions);
    case ShrinkStatus::kLocalMinimum:
      return fmt::format(
          "shrunk from {} steps with {} to {} in {} executions: a local minimum, no single "
          "preemption can be removed (the search for the fewest ran out of its budget first)",
          f.original_steps, preemptions(f.original_preemptions), as_is, f.shrink_executions);
    case ShrinkStatus::kUnneeded:
      return as_is + " (nothing to shrink)";
    case ShrinkStatus::kNoSimpler:
      return fmt::format(
          "{}: no schedule with fewer preemptions fails this way ({} executions searched)", as_is,
          f.shrink_executions);
    case ShrinkStatus::kBudgetReached:
      return fmt::format(
          "{} (found with {}): not shrunk further, budget reached ({} executions spent "
          "shrinking)",
          as_is, preemptions(f.original_preemptions), f.shrink_executions);
    case ShrinkStatus::kInterrupted:
      return as_is + ", as found: not shrunk, the run was interrupted";
    case ShrinkStatus::kUnconfirmed:
      return as_is + ", as found: the simpler schedule did not fail the same way when replayed";
    case ShrinkStatus::kEnvironment:
      return as_is + ", as found: an error of the environment ended shrinking";
    case ShrinkStatus::kError:
      return as_is + ", as found: an error of the test ended shrinking";
    case ShrinkStatus::kOff:
      break;
  }
  return as_is + " (not shrunk)";
}

std::string failure_token(const RunInfo& info, const ExploreReport& report) {
  return report.failure ? info.subject.token(*report.failure) : std::string();
}

std::string replay_line(const RunInfo& info, const ExploreReport& report) {
  if (!report.failure || !info.subject.replay_command) return {};
  return info.subject.replay_command(failure_token(info, report));
}

std::string seed_line(const RunInfo& info, const ExploreReport& report) {
  if (!report.failure || !info.subject.seed_command || is_systematic(info.strategy) ||
      info.strategy == "replay") {
    return {};
  }
  return info.subject.seed_command(info.strategy, info.depth, report.failure->execution_seed);
}

Subject scenario_subject(const scenarios::Target& target, const std::string& program) {
  const scenarios::Target t = target;
  Subject s;
  s.description = describe_target(t);
  s.target = {
      {"kind", "scenario"},
      {"scenario", t.scenario->name()},
      {"store", t.store()},
      {"mode", scenarios::to_string(t.mode)},
      {"actors", t.sizes.actors},
      {"processes", t.topology().in_process() ? 1 : static_cast<int>(t.topology().groups.size())},
      {"ops", t.sizes.ops},
      {"crashes", t.crashes},
      {"persistence", store::to_string(t.persistence)},
  };
  s.topology = t.topology();
  s.process_name = fmt::format("interleave ({})", scenarios::to_string(t.mode));
  s.junit_class = fmt::format("interleave.{}", t.scenario->name());
  s.junit_name = fmt::format("{}.{}", t.store(), scenarios::to_string(t.mode));
  s.token = [t](const Failure& f) {
    scenarios::Target judged = t;
    if (f.verdict.crash_state) judged.crash_state = f.verdict.crash_state;
    return encode_token(scenarios::schedule_for(judged, f.result.decisions()));
  };
  if (!program.empty()) {
    s.replay_command = [program](const std::string& token) {
      return program + " replay --schedule " + token;
    };
    s.seed_command = [t, program](const std::string& strategy, int depth, std::uint64_t seed) {
      const std::string actors = t.mode == scenarios::Mode::kMixed
                                     ? fmt::format("--processes {} --threads {}", t.sizes.processes,
                                                   t.sizes.actors / t.sizes.processes)
                                     : fmt::format("--actors {}", t.sizes.actors);
      std::string line =
          fmt::format("{} explore --scenario {} --store {} --mode {} {} --ops {} --strategy {}",
                      program, t.scenario->name(), t.store(), scenarios::to_string(t.mode), actors,
                      t.sizes.ops, strategy);
      if (strategy == "pct") line += fmt::format(" --depth {}", depth);
      return line + fmt::format(" --seed {} --executions 1", seed);
    };
  }
  return s;
}

Result result_of(const RunInfo& info, const ExploreReport& report) {
  if (report.failure) return Result::kBug;
  if (report.error) return Result::kError;
  if (report.environment_error) return Result::kEnvironmentError;
  if (report.stopped) return Result::kInterrupted;
  if (!info.escapes.empty()) return Result::kNotControlled;
  if (report.stats.executions == 0) return Result::kNothingRan;
  return Result::kPass;
}

std::string_view to_string(Result result) {
  switch (result) {
    case Result::kPass:
      return "pass";
    case Result::kBug:
      return "bug";
    case Result::kError:
      return "error";
    case Result::kEnvironmentError:
      return "environment-error";
    case Result::kInterrupted:
      return "interrupted";
    case Result::kNotControlled:
      return "not-controlled";
    case Result::kNothingRan:
      return "nothing-ran";
  }
  return "?";
}

nlohmann::json to_json(const RunInfo& info, const ExploreReport& report) {
  const Result result = result_of(info, report);
  const bool judged = result == Result::kPass || result == Result::kBug;
  nlohmann::json out = {
      {"schema", kReportSchema},
      {"command", info.command},
      {"target", info.subject.target},
      {"strategy", info.strategy},
      {"seed", info.seed ? nlohmann::json(*info.seed) : nlohmann::json(nullptr)},
      {"result", to_string(result)},
      // The verdict on the target: null when the run came to none (an error, an interrupt, an
      // escape of control, nothing run).
      {"verdict", judged ? nlohmann::json(report.verdict.name()) : nlohmann::json(nullptr)},
      {"executions", report.stats.executions},
      {"escapes", info.escapes},
      {"bug", nullptr},
  };
  const bool sampled = !is_systematic(info.strategy) && info.strategy != "replay";
  if (info.strategy == "pct") {
    out["depth"] = info.depth;
    out["pct_steps"] = report.pct_steps;
    if (!report.failure && report.stats.executions > 0) {
      const PctRisk risk =
          pct_risk(report.actors, report.pct_steps, info.depth, report.stats.executions);
      out["pct_bound"] = {{"per_execution", risk.per_execution}, {"miss", risk.miss}};
    }
  }
  if (is_systematic(info.strategy)) out["exhausted"] = report.exhausted;
  if (report.timed_out) out["timed_out"] = true;
  if (report.stopped) out["interrupted"] = true;
  if (report.error) out["error"] = *report.error;
  if (report.environment_error) out["environment_error"] = *report.environment_error;
  if (info.repeat_note) out["repeat"] = *info.repeat_note;
  if (report.failure) {
    const Failure& f = *report.failure;
    out["bug"] = {
        {"kind", f.verdict.name()},
        {"message", f.verdict.message},
        {"execution", f.execution},
        {"part", f.part ? nlohmann::json(*f.part) : nlohmann::json(nullptr)},
        {"execution_seed", sampled ? nlohmann::json(f.execution_seed) : nlohmann::json(nullptr)},
        {"preemptions", f.preemptions},
        {"steps", f.result.trace.size()},
        {"found_steps", f.original_steps},
        {"found_preemptions", f.original_preemptions},
        {"shrink", to_string(f.shrink)},
        {"schedule", failure_token(info, report)},
        {"replay", replay_line(info, report)},
        {"seed_replay", seed_line(info, report)},
        {"trace", trace_json(f.result.trace)},
    };
  }
  out["stats"] = {
      {"executions", report.stats.executions},
      {"steps", report.stats.steps},
      {"handoffs", report.stats.handoffs},
      {"elapsed_s", report.stats.elapsed_s},
      {"executions_per_second", report.stats.executions_per_second()},
  };
  return out;
}

std::string error_line(const ExploreReport& report) {
  return "interleave: error: " + printable(*report.error, kMaxErrorLine);
}

std::string to_text(const RunInfo& info, const ExploreReport& report) {
  std::string out;
  const bool sampled = !is_systematic(info.strategy);
  const std::string how = info.seed && sampled
                              ? fmt::format("{}, seed {}", info.strategy, *info.seed)
                              : info.strategy;  // dfs and dpor do not depend on the seed
  if (!report.failure) {
    const Result result = result_of(info, report);
    if (result == Result::kNotControlled) {
      out += fmt::format(
          "no verdict: {} — part of the run escaped control in {} executions (listed on standard "
          "error), so nothing is claimed\n",
          info.subject.description, report.stats.executions);
    }
    if (result == Result::kPass) {
      out += fmt::format("pass: {} — no bug in {} executions ({}), {:.0f} executions/s\n",
                         info.subject.description, report.stats.executions, how,
                         report.stats.executions_per_second());
      if (is_systematic(info.strategy)) {
        out += report.exhausted
                   ? fmt::format(
                         "exhausted: every schedule in scope was run, up to the order of "
                         "independent steps ({} executions)\n",
                         report.stats.executions)
                   : "not exhausted: the budget or time limit ended the search first\n";
      }
      if (info.strategy == "pct" && report.stats.executions > 0) {
        const PctRisk risk =
            pct_risk(report.actors, report.pct_steps, info.depth, report.stats.executions);
        out += fmt::format(
            "PCT bound: each execution finds a given depth-{} bug with probability >= {:.3g} "
            "(1/(n k^(d-1)), n={}, k={}); chance it was missed in all {} executions <= {:.3g}\n",
            info.depth, risk.per_execution, report.actors, report.pct_steps,
            report.stats.executions, risk.miss);
      }
    }
    if (info.repeat_note) out += *info.repeat_note + "\n";
    return out;
  }
  const Failure& f = *report.failure;
  out += fmt::format("BUG {}: {}\n", f.verdict.name(), info.subject.description);
  if (info.seed && f.part) {
    out += fmt::format(
        "found in execution {} of part {} ({}; {} executions counted, in parts 0 to "
        "{})\n",
        f.execution + 1, *f.part, how, report.stats.executions, *f.part);
  } else if (info.seed) {
    out += fmt::format("found in execution {} of {} ({})", f.execution + 1, report.stats.executions,
                       how);
    out += sampled ? fmt::format(", execution seed {}\n", f.execution_seed) : "\n";
  }
  out += shrink_line(f) + "\n";
  out += fmt::format("\n{}\n\n", f.verdict.message);
  out += render_swimlanes(f.result.trace, report.actors, actor_names(info.subject.topology));
  if (const std::string replay = replay_line(info, report); !replay.empty()) {
    out += info.escapes.empty()
               ? fmt::format("\nreplay:  {}\n", replay)
               : fmt::format("\nreplay (may not reproduce: part of the run escaped control):  {}\n",
                             replay);
    if (const std::string by_seed = seed_line(info, report); !by_seed.empty()) {
      out += fmt::format("by seed: {}\n", by_seed);
    }
  }
  if (info.repeat_note) out += *info.repeat_note + "\n";
  return out;
}

}  // namespace interleave::cli
