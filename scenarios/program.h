// Running a scenario against a store variant in a mode: the Program the engine executes (harness
// side), the ProcessInstance each process builds from its spec, and the mapping between a run's
// target and its schedule token.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>

#include "harness/explore/explore.h"
#include "harness/schedule.h"
#include "scenarios/catalog.h"
#include "scenarios/data_dir.h"
#include "scenarios/scenario.h"
#include "scenarios/workload_scenario.h"
#include "store/crash_model.h"

namespace interleave::scenarios {

// What to run: a scenario on a store in a mode at a size. The store is the built-in `variant`,
// unless `user` is set: then it is that store of one's own (from a Catalog, which outlives the
// target).
struct Target {
  const Scenario* scenario = nullptr;
  store::Variant variant = store::Variant::kUnlocked;
  Mode mode = Mode::kThreads;
  Sizes sizes;
  const StoreUnderTest* user = nullptr;
  Backend backend = Backend::kThreads;
  Files files = Files::kDisk;
  // Crashes (docs/crashes.md): crash decisions allowed per execution (--crashes), what the disk
  // keeps of unsynced writes (--persistence), and, when replaying a failure, the one crash state
  // to check (else every state the model allows is checked). In threads mode the files are then
  // kept in memory; in processes mode, on disk with a journal of the changes made to them.
  int crashes = 0;
  store::Persistence persistence = store::Persistence::kProcess;
  std::optional<std::uint32_t> crash_state;

  // A crash is a power loss (a model other than process): every process stops at once, and the
  // execution ends. Else a crash in processes mode stops one process, which restarts.
  bool power_loss() const { return crashes > 0 && persistence != store::Persistence::kProcess; }
  // The engine's limits for this target: `base` with its crash decisions.
  Limits limits(Limits base = {}) const;

  std::string store() const;  // the store's name
  Topology topology() const { return topology_of(mode, sizes, backend); }
  // The scenario as a script of a workload's calls, when it is one (then the store's workload runs
  // it), else nullptr.
  const WorkloadScenario* workload_scenario() const;
  // Requires: not workload_scenario().
  store::OpenResult open_store(const std::filesystem::path& dir) const;
};

// Crash states checked so far by every program of a factory, and the (state, history) pairs found
// clean, so that an identical crash state after an identical history is checked once. Shared by
// the engines of one run (--jobs): guarded by `mu`.
struct CrashStates {
  std::mutex mu;
  std::uint64_t checked = 0;     // distinct states recovered and judged
  std::uint64_t duplicates = 0;  // states skipped: seen before with the same history
  std::unordered_set<std::uint64_t> clean;
};

// One execution of a target, harness side: a fresh data directory with the scenario's setup done
// (through a store opened and closed here). judge() reads the history the actors recorded, reopens
// the log (recovery) for the scenario's check, and reports corruption if recovery fails. A
// workload's scenario is judged by judge_workload() instead, with the workload's final calls run on
// an instance opened afresh.
class ScenarioProgram final : public Program {
 public:
  // Throws std::runtime_error when the data directory or the store cannot be set up.
  explicit ScenarioProgram(const Target& target,
                           std::shared_ptr<CrashStates> crash_states = nullptr);
  Topology topology() const override { return target_.topology(); }
  std::string spec() const override;
  void begin(std::span<std::byte> scratch) override;
  std::string token_prefix() const override;
  void check_environment(std::span<const std::byte> scratch) const override;
  Verdict judge(const ExecutionResult& result, std::span<const std::byte> scratch) override;
  std::vector<Span> spans(std::span<const std::byte> scratch) const override;
  const std::filesystem::path& data_dir() const { return dir_.path(); }
  // The history of an execution: the setup's operations, then the actors' from `scratch`.
  History history(std::span<const std::byte> scratch) const;

 private:
  Verdict judge_workload_calls(const History& history) const;
  // After a crash decision: every state the persistence model allows, recovered and judged.
  Verdict judge_crash(const History& history);

  Target target_;
  DataDir dir_;
  // Power loss in processes mode: the data directory's changes, journaled by every process.
  std::optional<store::Mount> journal_;
  History setup_;  // what the scenario's setup did
  std::shared_ptr<CrashStates> crash_states_;
};

// Programs of `target`; with crashes, they share `crash_states` (made here when null).
ProgramFactory factory_for(const Target& target,
                           std::shared_ptr<CrashStates> crash_states = nullptr);

// The factory every engine running scenario programs is built with: parses a ScenarioProgram's
// spec and opens that process's own store on the data directory (a store of one's own through
// `catalog`, which must outlive the engine; a forked worker inherits it from the engine's process).
InstanceFactory scenario_instances(const Catalog& catalog = Catalog::builtin());

// The schedule that replays `decisions` of `target`.
Schedule schedule_for(const Target& target, std::vector<int> decisions);

// The target a schedule names (names looked up in `catalog`). Returns false with a one-line error
// for unknown names, a scenario the store cannot run, or sizes the scenario or mode rejects.
bool target_of(const Schedule& schedule, Target* out, std::string* error,
               const Catalog& catalog = Catalog::builtin());

// Rejects a target whose sizes its scenario or mode cannot run (returns the reason).
std::optional<std::string> check_target(const Target& target);

// The default sizes of `scenario` in `mode`: its fixed sizes, else the mode's.
Sizes default_sizes_of(const Scenario& scenario, Mode mode);

}  // namespace interleave::scenarios
