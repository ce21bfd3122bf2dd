// The scenario contract: a workload (setup, one body per actor, final check) plus its oracle, and
// the outcome it expects on every store variant in every mode.
//
// A scenario is stateless: everything one execution needs lives in the Program that runs it
// (scenarios/program.h), so one Scenario object serves every execution.
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/program.h"
#include "harness/verdict.h"
#include "scenarios/history.h"
#include "store/store.h"

namespace interleave::scenarios {

// How the actors are deployed (DESIGN.md):
//   threads     one process; every actor a thread sharing one store instance (a thread pool)
//   processes   every actor a forked process with its own store instance (--workers N)
//   mixed       P processes x T threads; the threads of a process share its store instance
//   event-loop  one process; every actor a handler on one event loop (async def handlers): they
//               share one store instance and switch only at await points
enum class Mode { kThreads, kProcesses, kMixed, kEventLoop };
std::string_view to_string(Mode mode);
std::optional<Mode> parse_mode(std::string_view name);
std::span<const Mode> all_modes();

struct Sizes {
  int actors = 2;
  int ops = 2;        // operations per actor
  int processes = 1;  // mixed mode only: the actors are spread evenly over this many processes
  bool operator==(const Sizes&) const = default;
};

// How the actors of a mode are run, where there is a choice: threads mode on real threads (the
// default) or on fibers of one thread, with the same semantics (every yield point a decision, so
// that a schedule found on fibers replays unchanged on threads). Event-loop mode always runs on
// fibers; processes and mixed mode on forked workers.
enum class Backend { kThreads, kFibers };
std::string_view to_string(Backend backend);
std::optional<Backend> parse_backend(std::string_view name);
// Rejects a backend a mode cannot run on (returns the reason).
std::optional<std::string> check_backend(Mode mode, Backend backend);

// The default sizes of a mode: 2 actors x 2 ops; mixed: 2 processes x 2 threads x 2 ops.
Sizes default_sizes(Mode mode);
// Where the actors of `mode` at `sizes` run. Requires: the sizes and backend fit the mode.
Topology topology_of(Mode mode, const Sizes& sizes, Backend backend = Backend::kThreads);
// Rejects sizes a mode cannot run (returns the reason).
std::optional<std::string> check_mode_sizes(Mode mode, const Sizes& sizes);

enum class Expect { kBug, kClean };
std::string_view to_string(Expect expect);

// The variant whose expectations an async variant shares outside event-loop mode: async is
// unlocked with awaits, async-lock and async-mutex lock like mutex. Any other variant is itself.
store::Variant threads_twin(store::Variant variant);
// What a scenario expects in event-loop mode. Handlers switch only at awaits: the variants that
// never await run each operation atomically (clean); async-lock's lock is correct (clean);
// async-mutex holds a thread lock across its awaits, which blocks the loop as soon as two handlers
// contend (a bug); `async` (awaits, no lock) breaks exactly when `async_breaks`.
Expect event_loop_expectation(store::Variant variant, bool async_breaks);

// What the final check sees: the history, and the store as recovery rebuilds it from the data
// directory after every actor finished (null when recovery failed: the judge then reports
// corruption unless the scenario found its own bug first).
struct CheckInput {
  const History& history;
  store::Store* recovered;
  const std::filesystem::path& dir;
  store::Variant variant;
  Mode mode;
  Sizes sizes;
};

class Scenario {
 public:
  virtual ~Scenario() = default;
  virtual std::string_view name() const = 0;
  virtual std::string_view summary() const = 0;
  // Test-only scenarios (faults, deadlocks) are listed apart and left out of the concurrency
  // cells of the matrix; so is durability, which the matrix runs in its crash cells instead.
  virtual bool test_only() const { return false; }
  // The bug this scenario is built to find.
  virtual BugKind finds() const = 0;
  // Whether the scenario is expected to find a bug on `variant` in `mode`, at the default sizes.
  virtual Expect expect(store::Variant variant, Mode mode) const = 0;
  // Rejects sizes the scenario cannot run (returns the reason).
  virtual std::optional<std::string> check_sizes(const Sizes& sizes) const;
  // A scenario whose actors and operations are fixed (a script of calls) gives them here: they are
  // its default sizes, and check_sizes() rejects any other.
  struct FixedSizes {
    int actors = 0;
    int ops = 0;  // the most calls of any actor
  };
  virtual std::optional<FixedSizes> fixed_sizes() const { return std::nullopt; }

  // Runs uncontrolled on the harness side before the actors start (their stores open afterwards).
  // Its operations go into the history as the setup's (actor kSetupActor), before every actor's.
  virtual void setup(ActorContext& ctx, const Sizes& sizes) const {}
  // One actor's work; runs under control.
  virtual void body(ActorContext& ctx, const Sizes& sizes) const = 0;
  // Processes mode with --crashes: the keys an actor whose process crashed reads once it has
  // restarted and recovered its store (its body does not resume). Default: none.
  virtual std::vector<std::string> recovery_keys(const Sizes& sizes) const { return {}; }
  // The oracle's scenario-specific part; runs uncontrolled after every actor finished. The generic
  // part runs after it, in ScenarioProgram::judge: the history must be linearizable, and recovery
  // of the log must succeed.
  virtual Verdict check(const CheckInput& input) const = 0;
};

}  // namespace interleave::scenarios
