// Generated concurrent programs over a workload's own operations, checked with RapidCheck: every
// program (1 to max_actors actors of 1 to max_calls calls, operations and arguments drawn with the
// workload's generators) is explored, and every execution's history must be linearizable against
// the workload's specification. A failing program is shrunk first (RapidCheck: fewer actors,
// fewer calls, simpler arguments) with schedule shrinking off, then its failing schedule is shrunk
// once for the report.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "harness/explore/explore.h"
#include "scenarios/catalog.h"

namespace interleave::testing {

struct ProgramCheck {
  int programs = 200;  // generated programs that must pass
  int max_actors = 3;
  int max_calls = 3;  // per actor
  // How each program is explored (its `shrink` is ignored: off while programs shrink). DPOR by
  // default: a small program is searched to exhaustion (up to the cap), so that whether it fails
  // does not depend on luck, and RapidCheck's shrinking keeps only programs that really fail.
  ExploreOptions explore = {.strategy = "dpor", .executions = 5000};
  // RapidCheck's seed: the same seed generates the same programs. (RapidCheck prints a line "Using
  // configuration: seed=..." of its own global configuration when it starts; that seed is not
  // used here.)
  std::uint64_t seed = 1;
  scenarios::Mode mode = scenarios::Mode::kThreads;
};

struct ProgramCheckResult {
  bool passed = false;
  int programs = 0;  // programs explored (generated and shrinking)
  // The shrunk failing program, when one failed.
  std::optional<scenarios::CallScript> counterexample;
  // Passed: one line. Failed: the program, its bug (the interleaving of its shrunk schedule) and
  // how to pin it as a scenario. An error (a store that cannot be added or opened): why.
  std::string report;
};

// Requires: `store` has a workload. Deterministic for a given seed and store.
ProgramCheckResult check_programs(const scenarios::StoreUnderTest& store,
                                  const ProgramCheck& options = {});

}  // namespace interleave::testing
