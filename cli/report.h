// Rendering an exploration or replay report for people (text) and machines (JSON).
//
// The replay line of a failure is built here and nowhere else.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "harness/explore/explore.h"
#include "nlohmann/json.hpp"
#include "scenarios/program.h"

namespace interleave::cli {

// How a report came about: what ran, with which strategy and seed.
struct RunInfo {
  scenarios::Target target;
  std::string strategy;               // "random", "pct" or "replay"
  std::optional<std::uint64_t> seed;  // absent for replay
  int depth = 3;                      // PCT only
  // The command the replay lines name; empty: there is no such command (a test binary without
  // the command line), and to_text() leaves the replay and by-seed lines out.
  std::string program = "interleave";
};

// One line on how the reported schedule was shrunk ("shrunk from 74 steps with 12 preemptions to
// 20 steps with 1 preemptions in 212 executions", or why not).
std::string shrink_line(const Failure& failure);
// The token of the failing execution, or "" when there is none.
std::string failure_token(const RunInfo& info, const ExploreReport& report);
// "<program> replay --schedule <token>".
std::string replay_line(const RunInfo& info, const ExploreReport& report);
// The explore command that re-runs the failing execution alone by its seed.
std::string seed_line(const RunInfo& info, const ExploreReport& report);

// The report as JSON (the README's --json paragraph). "verdict" is "error" when the run could not
// be judged (report.error, also in "error"), else "pass" or the bug kind.
nlohmann::json to_json(const RunInfo& info, const ExploreReport& report);
// The report as text for standard output. It leaves report.error out: errors go to standard error.
std::string to_text(const RunInfo& info, const ExploreReport& report);
// "interleave: error: <report.error>": one line of printable text for standard error.
// Requires: report.error.
std::string error_line(const ExploreReport& report);

}  // namespace interleave::cli
