// A scenario over a workload's own operations (scenarios/workload.h): every actor's calls, fixed,
// judged by linearizability against the workload's specification, with the workload's final calls
// run afterwards on an instance opened afresh (recovery) and judged with them.
#pragma once

#include <string>

#include "scenarios/model_check.h"
#include "scenarios/scenario.h"
#include "scenarios/workload.h"

namespace interleave::scenarios {

class WorkloadScenario final : public Scenario {
 public:
  // `workload` names the store the scenario runs on (the catalog's store of that name); it runs on
  // no other. `script` has one list of calls per actor; `setup` runs before them, uncontrolled,
  // and joins the history as calls of the setup.
  WorkloadScenario(std::string name, std::string summary, std::string workload, CallScript script,
                   std::vector<Call> setup = {});

  std::string_view name() const override { return name_; }
  std::string_view summary() const override { return summary_; }
  BugKind finds() const override { return BugKind::kNotLinearizable; }
  // Not in the built-in matrix: expectations of a store of one's own are declared where it is
  // tested (testing/store_suite.h).
  Expect expect(store::Variant, Mode) const override { return Expect::kClean; }
  bool test_only() const override { return true; }
  std::optional<FixedSizes> fixed_sizes() const override;
  std::optional<std::string> check_sizes(const Sizes& sizes) const override;

  void setup(ActorContext& ctx, const Sizes&) const override;
  void body(ActorContext& ctx, const Sizes&) const override;
  Verdict check(const CheckInput&) const override { return Verdict::pass(); }

  const std::string& workload() const { return workload_; }
  const CallScript& script() const { return script_; }
  const std::vector<Call>& setup_calls() const { return setup_; }
  // Why the scenario cannot run on `workload` (an operation it lacks, no actor), or nullopt.
  std::optional<std::string> check_calls(const Workload& workload) const;

 private:
  std::string name_;
  std::string summary_;
  std::string workload_;
  CallScript script_;
  std::vector<Call> setup_;
};

// The verdict on an execution of a workload: its calls' history (the setup's and the actors'
// calls, then the final calls of actor kRecoveryActor after everything else) must be linearizable
// against the specification. The verdict says what the evidence shows: a result no order of the
// calls explains during the execution (not-linearizable), or, when the execution alone is
// explained, an acknowledged call whose effect is missing afterwards (lost-update, naming the
// call), or else what the store answers afterwards that no order explains. Throws
// std::runtime_error when the history log overflowed (it cannot be judged).
Verdict judge_workload(const Workload& workload, const History& history);

// The calls of a history (its kCall operations) as records for the checker.
std::vector<CallRecord> call_records(const History& history);

}  // namespace interleave::scenarios
