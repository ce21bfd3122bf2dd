// The scenario contract: a workload (setup, one body per actor, final check) plus its oracle, and
// the outcome it expects on every store variant in every mode.
//
// A scenario is stateless: everything one execution needs lives in the Program that runs it
// (scenarios/program.h), so one Scenario object serves every execution.
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string_view>

#include "harness/verdict.h"
#include "scenarios/history.h"
#include "store/store.h"

namespace interleave::scenarios {

// How the actors are deployed. Threads: one process, one store instance shared by every actor.
enum class Mode { kThreads };
std::string_view to_string(Mode mode);
std::optional<Mode> parse_mode(std::string_view name);
std::span<const Mode> all_modes();

struct Sizes {
  int actors = 2;
  int ops = 2;  // operations per actor
};

enum class Expect { kBug, kClean };
std::string_view to_string(Expect expect);

// What the final check sees: the history, the store the actors used, and the data directory (to
// reopen the log and check what recovery makes of it).
struct CheckInput {
  const History& history;
  store::Store& live;
  const std::filesystem::path& dir;
  store::Variant variant;
  Sizes sizes;
};

class Scenario {
 public:
  virtual ~Scenario() = default;
  virtual std::string_view name() const = 0;
  virtual std::string_view summary() const = 0;
  virtual Sizes default_sizes() const { return {}; }
  // Test-only scenarios (faults, deadlocks) are listed apart and left out of the matrix.
  virtual bool test_only() const { return false; }
  // The bug this scenario is built to find.
  virtual BugKind finds() const = 0;
  // Whether the scenario is expected to find a bug on `variant` in `mode`. Sizes beyond the
  // defaults do not change the expectation.
  virtual Expect expect(store::Variant variant, Mode mode) const = 0;
  // Rejects sizes the scenario cannot run (returns the reason).
  virtual std::optional<std::string> check_sizes(const Sizes& sizes) const;

  // Runs uncontrolled before the actors start, on the store they will use.
  virtual void setup(store::Store& store, const Sizes& sizes) const {}
  // One actor's work; runs under control.
  virtual void body(ActorContext& ctx, const Sizes& sizes) const = 0;
  // The oracle's scenario-specific part; runs uncontrolled after every actor finished. The generic
  // part (recovery of the log must succeed) runs after it, in Program::judge.
  virtual Verdict check(const CheckInput& input) const = 0;
};

}  // namespace interleave::scenarios
