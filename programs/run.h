// Exploring and replaying a program target: the engines, the executions' factory and the escapes
// gathered across them. The command line (`interleave run`, `interleave replay`) and tests of one's
// own (<interleave/programs.h>) both come here.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "harness/execution.h"
#include "harness/explore/explore.h"
#include "programs/execution.h"
#include "programs/spec.h"

namespace interleave::programs {

// The default time an exec'd worker may run without a yield point: longer than explore's, since a
// worker's first step includes its interpreter's start-up, which a loaded machine can stretch past
// 2 s.
inline constexpr std::chrono::milliseconds kDefaultHangTimeout{10'000};

// How the executions run: the engine's limits, a flag that stops them (Ctrl-C), and how many
// engines explore at once.
struct RunSettings {
  Limits limits{.hang_timeout = kDefaultHangTimeout};
  const std::atomic<bool>* stop = nullptr;
  int jobs = 1;
  // How long a setup or check command may run before it is an error of the test.
  std::chrono::milliseconds command_timeout = kDefaultCommandTimeout;
};

// What a run found, and what escaped control in any of its executions (a run with escapes claims
// no clean verdict).
struct ProgramRun {
  ExploreReport report;
  std::vector<std::string> escapes;
  // Replays of one token (replay_program with repeat > 1): "replayed N times: identical trace and
  // verdict K of N", with where the first one that differed parted. report.error is set when K < N.
  std::optional<std::string> repeat_note;
};

// Explores `spec` under `options` (a strategy, a budget, shrinking). The processes the executions
// left behind are ended (programs/leftovers.h).
ProgramRun explore_program(const ProgramSpec& spec, const ExploreOptions& options,
                           const RunSettings& settings);

// Replays `decisions` of `spec` `repeat` times and compares the traces and verdicts.
ProgramRun replay_program(const ProgramSpec& spec, const std::vector<int>& decisions, int repeat,
                          const RunSettings& settings);

}  // namespace interleave::programs
