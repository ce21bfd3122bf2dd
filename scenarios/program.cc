#include "scenarios/program.h"

#include <stdexcept>

#include "fmt/format.h"
#include "scenarios/registry.h"

namespace interleave::scenarios {

ScenarioProgram::ScenarioProgram(const Target& target) : target_(target) {
  store::OpenResult opened = store::open_store(target.variant, dir_.path());
  if (!opened.status.ok()) {
    throw std::runtime_error(fmt::format("cannot open a store in {}: {}", dir_.path().string(),
                                         opened.status.to_string()));
  }
  store_ = std::move(opened.store);
  target_.scenario->setup(*store_, target_.sizes);
}

void ScenarioProgram::body(int actor) {
  ActorContext ctx(history_, *store_, actor, locks_);
  target_.scenario->body(ctx, target_.sizes);
}

Verdict ScenarioProgram::judge(const ExecutionResult&) {
  const CheckInput input{history_, *store_, dir_.path(), target_.variant, target_.sizes};
  Verdict verdict = target_.scenario->check(input);
  if (!verdict.passed()) return verdict;
  // Whatever the scenario checks, the log the actors left must recover cleanly.
  const store::OpenResult reopened = store::open_store(target_.variant, dir_.path());
  if (!reopened.status.ok()) {
    return Verdict::fail(BugKind::kCorruption,
                         fmt::format("recovery of {} after the execution failed: {}",
                                     store::kDataFileName, reopened.status.to_string()));
  }
  return Verdict::pass();
}

ProgramFactory factory_for(const Target& target) {
  return [target] { return std::make_unique<ScenarioProgram>(target); };
}

Schedule schedule_for(const Target& target, std::vector<int> decisions) {
  Schedule s;
  s.scenario = target.scenario->name();
  s.store = store::to_string(target.variant);
  s.mode = to_string(target.mode);
  s.sizes = {{'a', static_cast<std::uint32_t>(target.sizes.actors)},
             {'o', static_cast<std::uint32_t>(target.sizes.ops)}};
  s.decisions = std::move(decisions);
  return s;
}

bool target_of(const Schedule& schedule, Target* out, std::string* error) {
  Target t;
  t.scenario = find_scenario(schedule.scenario);
  const auto variant = store::parse_variant(schedule.store);
  const auto mode = parse_mode(schedule.mode);
  if (t.scenario == nullptr) {
    *error = fmt::format("the schedule names an unknown scenario '{}'", schedule.scenario);
  } else if (!variant) {
    *error = fmt::format("the schedule names an unknown store '{}'", schedule.store);
  } else if (!mode) {
    *error = fmt::format("the schedule names an unknown mode '{}'", schedule.mode);
  } else {
    t.variant = *variant;
    t.mode = *mode;
    t.sizes.actors = static_cast<int>(schedule.size('a', 0));
    t.sizes.ops = static_cast<int>(schedule.size('o', 0));
    if (auto bad = t.scenario->check_sizes(t.sizes)) {
      *error = "the schedule's sizes do not fit: " + *bad;
    } else {
      *out = t;
      return true;
    }
  }
  return false;
}

std::string replay_command(const Schedule& schedule) {
  return "interleave replay --schedule " + encode_token(schedule);
}

}  // namespace interleave::scenarios
