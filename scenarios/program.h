// Running a scenario against a store variant: the Program the harness executes, and the mapping
// between a run's target and its schedule token.
#pragma once

#include <array>
#include <memory>
#include <string>

#include "harness/explore.h"
#include "harness/schedule.h"
#include "scenarios/data_dir.h"
#include "scenarios/scenario.h"

namespace interleave::scenarios {

// What to run: a scenario on a store variant in a mode at a size.
struct Target {
  const Scenario* scenario = nullptr;
  store::Variant variant = store::Variant::kUnlocked;
  Mode mode = Mode::kThreads;
  Sizes sizes;
};

// One execution of a target: a fresh data directory, the store opened on it, the scenario's setup
// done. judge() runs the scenario's check, then requires that recovery of the log succeeds.
class ScenarioProgram final : public Program {
 public:
  // Throws std::runtime_error when the data directory or the store cannot be set up.
  explicit ScenarioProgram(const Target& target);
  int actors() const override { return target_.sizes.actors; }
  void body(int actor) override;
  Verdict judge(const ExecutionResult& result) override;
  const History& history() const { return history_; }

 private:
  Target target_;
  DataDir dir_;
  std::unique_ptr<store::Store> store_;
  History history_;
  std::array<Mutex, 2> locks_{Mutex("a"), Mutex("b")};
};

ProgramFactory factory_for(const Target& target);

// The schedule that replays `decisions` of `target`.
Schedule schedule_for(const Target& target, std::vector<int> decisions);

// The target a schedule names. Returns false with a one-line error for unknown names or sizes the
// scenario rejects.
bool target_of(const Schedule& schedule, Target* out, std::string* error);

// "interleave replay --schedule <token>".
std::string replay_command(const Schedule& schedule);

}  // namespace interleave::scenarios
