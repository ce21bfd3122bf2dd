// Rendering the report of any run (explore, replay, run; a scenario or a program target) for people
// (text) and machines (JSON: the one schema documented in docs/report.md).
//
// The replay line of a failure is built here and nowhere else.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harness/explore/explore.h"
#include "nlohmann/json.hpp"
#include "scenarios/program.h"

namespace interleave::cli {

// The version of the JSON report's schema (docs/report.md, docs/report.schema.json). Raised when a
// field is removed or changes meaning; fields may be added within a version.
inline constexpr int kReportSchema = 1;

// What a report is about, as the report needs it: a scenario on a store, or a program target.
struct Subject {
  // "lost-update on unlocked (threads, 2 actors x 2 ops)": the head of the text report.
  std::string description;
  // The JSON report's "target" object ("kind": "scenario" or "program").
  nlohmann::json target;
  // Where the actors live, for timelines: one track per process.
  Topology topology;
  std::string process_name;  // the name of the track when every actor is in one process
  // The JUnit test case of a run: "interleave.lost-update" and "unlocked.threads".
  std::string junit_class;
  std::string junit_name;
  // The token of a failing execution (its decisions, and the crash state it was judged in).
  std::function<std::string(const Failure&)> token;
  // The command that replays `token`; "" when there is none (a test binary without the command
  // line): the text report then leaves the replay lines out.
  std::function<std::string(const std::string& token)> replay_command;
  // The command that re-runs the execution with `seed` alone under the strategy and depth, or ""
  // (null: none for this subject).
  std::function<std::string(const std::string& strategy, int depth, std::uint64_t seed)>
      seed_command;
};

// A scenario on a store; replay lines name `program` (a command line binary, or "" for none).
Subject scenario_subject(const scenarios::Target& target, const std::string& program);

// How a report came about: the command, what ran, with which strategy and seed, and what escaped
// control on the way.
struct RunInfo {
  Subject subject;
  std::string command = "explore";    // "explore", "replay" or "run"
  std::string strategy;               // "random", "pct", ... or "replay"
  std::optional<std::uint64_t> seed;  // absent for replay
  int depth = 3;                      // PCT only
  // Calls that escaped control (program targets): no clean verdict is claimed, and a failure's
  // replay may not reproduce.
  std::vector<std::string> escapes;
  // A replayed token run several times: how many replays were identical.
  std::optional<std::string> repeat_note;
};

// What a run came to, as its exit code says it (README: Exit codes).
enum class Result {
  kPass,
  kBug,
  kError,
  kEnvironmentError,
  kInterrupted,
  kNotControlled,
  kNothingRan
};
Result result_of(const RunInfo& info, const ExploreReport& report);
std::string_view to_string(Result result);

// One line on how the reported schedule was shrunk ("shrunk from 74 steps with 12 preemptions to
// 20 steps with 1 preemptions in 212 executions", or why not).
std::string shrink_line(const Failure& failure);
// The token of the failing execution, or "" when there is none.
std::string failure_token(const RunInfo& info, const ExploreReport& report);
// The command that replays the failure ("<program> replay --schedule <token>"), "" when none can.
std::string replay_line(const RunInfo& info, const ExploreReport& report);
// The command that re-runs the failing execution alone by its seed, or "".
std::string seed_line(const RunInfo& info, const ExploreReport& report);

// The report as JSON (docs/report.md).
nlohmann::json to_json(const RunInfo& info, const ExploreReport& report);
// The report as text for standard output: the verdict and its interleaving, or the pass line, and
// what escaped control. It leaves report.error out: errors go to standard error.
std::string to_text(const RunInfo& info, const ExploreReport& report);
// "interleave: error: <report.error>": one line of printable text for standard error.
// Requires: report.error.
std::string error_line(const ExploreReport& report);

}  // namespace interleave::cli
