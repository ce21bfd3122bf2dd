// Running a scenario against a store variant in a mode: the Program the engine executes (harness
// side), the ProcessInstance each process builds from its spec, and the mapping between a run's
// target and its schedule token.
#pragma once

#include <memory>
#include <string>

#include "harness/explore.h"
#include "harness/schedule.h"
#include "scenarios/data_dir.h"
#include "scenarios/scenario.h"

namespace interleave::scenarios {

// How a process opens the store under test on a data directory (for stores other than the
// built-in variants: see testing/store_suite.h).
using StoreOpener = std::function<store::OpenResult(const std::filesystem::path& dir)>;

// What to run: a scenario on a store in a mode at a size. The store is the built-in `variant`,
// unless `open` is set: then `open` opens it and `store_name` names it in tokens and reports.
struct Target {
  const Scenario* scenario = nullptr;
  store::Variant variant = store::Variant::kUnlocked;
  Mode mode = Mode::kThreads;
  Sizes sizes;
  StoreOpener open;
  std::string store_name;
  Backend backend = Backend::kThreads;
  Files files = Files::kDisk;

  std::string store() const;  // the store's name
  Topology topology() const { return topology_of(mode, sizes, backend); }
  store::OpenResult open_store(const std::filesystem::path& dir) const;
};

// One execution of a target, harness side: a fresh data directory with the scenario's setup done
// (through a store opened and closed here). judge() reads the history the actors recorded, reopens
// the log (recovery) for the scenario's check, and reports corruption if recovery fails.
class ScenarioProgram final : public Program {
 public:
  // Throws std::runtime_error when the data directory or the store cannot be set up.
  explicit ScenarioProgram(const Target& target);
  Topology topology() const override { return target_.topology(); }
  std::string spec() const override;
  void begin(std::span<std::byte> scratch) override;
  std::string token_prefix() const override;
  Verdict judge(const ExecutionResult& result, std::span<const std::byte> scratch) override;
  std::vector<Span> spans(std::span<const std::byte> scratch) const override;
  const std::filesystem::path& data_dir() const { return dir_.path(); }
  // The history of an execution: the setup's operations, then the actors' from `scratch`.
  History history(std::span<const std::byte> scratch) const;

 private:
  Target target_;
  DataDir dir_;
  History setup_;  // what the scenario's setup did
};

ProgramFactory factory_for(const Target& target);

// The factory every engine running scenario programs is built with: parses a ScenarioProgram's
// spec and opens that process's own store on the data directory (with `open` when given, which a
// forked worker inherits from the engine's process).
InstanceFactory scenario_instances(StoreOpener open = nullptr);

// The schedule that replays `decisions` of `target`.
Schedule schedule_for(const Target& target, std::vector<int> decisions);

// The target a schedule names. Returns false with a one-line error for unknown names or sizes the
// scenario or mode rejects.
bool target_of(const Schedule& schedule, Target* out, std::string* error);

// Rejects a target whose sizes its scenario or mode cannot run (returns the reason).
std::optional<std::string> check_target(const Target& target);

}  // namespace interleave::scenarios
