#include "programs/run.h"

#include <memory>

#include "fmt/format.h"
#include "harness/backends/engine.h"
#include "harness/printable.h"
#include "programs/escapes.h"
#include "programs/execution.h"
#include "programs/leftovers.h"

namespace interleave::programs {
namespace {

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

bool same(const ExploreReport& a, const ExploreReport& b) {
  return a.failure.has_value() == b.failure.has_value() && a.verdict.bug == b.verdict.bug &&
         (!a.failure || a.failure->result.trace == b.failure->result.trace);
}

EngineOptions engine_options(const RunSettings& settings) {
  return EngineOptions{.limits = settings.limits, .stop = settings.stop};
}

ProgramFactory factory_of(const ProgramSpec& spec, const std::shared_ptr<Escapes>& escapes,
                          const RunSettings& settings) {
  const ExecutionSettings execution{.command_timeout = settings.command_timeout,
                                    .stop = settings.stop};
  return [&spec, escapes, execution] {
    return std::make_unique<ProgramExecution>(spec, escapes, execution);
  };
}

}  // namespace

ProgramRun explore_program(const ProgramSpec& spec, const ExploreOptions& options,
                           const RunSettings& settings) {
  auto escapes = std::make_shared<Escapes>();
  const ProgramFactory factory = factory_of(spec, escapes, settings);
  std::vector<std::unique_ptr<Engine>> engines;
  std::vector<Engine*> running;
  for (int j = 0; j < settings.jobs; ++j) {
    engines.push_back(
        std::make_unique<Engine>(topology_of(spec), nullptr, engine_options(settings)));
    running.push_back(engines.back().get());
  }
  ProgramRun run;
  run.report = explore(factory, options, running);
  engines.clear();
  end_orphans();
  run.escapes = escapes->list();
  return run;
}

ProgramRun replay_program(const ProgramSpec& spec, const std::vector<int>& decisions, int repeat,
                          const RunSettings& settings) {
  auto escapes = std::make_shared<Escapes>();
  const ProgramFactory factory = factory_of(spec, escapes, settings);
  Engine engine(topology_of(spec), nullptr, engine_options(settings));
  ProgramRun run;
  run.report = replay(factory, decisions, engine);
  if (repeat > 1) {
    int identical = 1;
    std::optional<std::string> first_difference;
    for (int i = 1; i < repeat && !run.report.error; ++i) {
      const ExploreReport again = replay(factory, decisions, engine);
      const bool equal = same(run.report, again);
      identical += equal ? 1 : 0;
      if (!equal && !first_difference) {
        first_difference =
            fmt::format("replay {} differs: {}", i + 1, difference(run.report, again));
      }
    }
    run.repeat_note =
        fmt::format("replayed {} times: identical trace and verdict {} of {}{}", repeat, identical,
                    repeat, first_difference ? " (" + *first_difference + ")" : "");
    if (identical != repeat && !run.report.error) run.report.error = *run.repeat_note;
  }
  end_orphans();
  run.escapes = escapes->list();
  return run;
}

}  // namespace interleave::programs
