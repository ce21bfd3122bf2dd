// Linearizability of a history of calls against a sequential specification (a Model).
//
// The search is Wing and Gong's: linearize, one at a time, a call that no other pending call
// returned before (real time), apply it to a copy of the model, and require the model's result to
// be the call's; backtrack when none fits. A call that never returned (its actor was stopped) may
// have taken effect or not: it is tried as any other, with any result, and may also be left out.
// Visited (calls done, model state) pairs are memoized on the model's state fingerprint.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/workload.h"

namespace interleave::scenarios {

struct CallRecord {
  int actor = 0;
  Call call;
  std::string result;
  std::uint64_t invoked_at = 0;
  std::uint64_t returned_at = 0;  // 0: never returned
};

struct ModelCheckResult {
  bool linearizable = true;
  std::uint64_t states = 0;  // memoized states visited
  // When not linearizable: the longest prefix of calls an order explains (indices into the
  // history, in that order), and the call no order explains after it with the result the
  // specification gives there (absent when no call could be tried at all).
  std::vector<std::size_t> explained;
  std::optional<std::size_t> unexplained;
  std::string expected;
  // The same in one paragraph.
  std::string message;
};

// "actor 1 put a 1 -> \"ok\"" (the setup's calls, and those after the execution, named so).
std::string describe_call(const CallRecord& record);

// Requires: at most 4096 calls (the search is exponential in the worst case; histories of one
// execution are small).
ModelCheckResult check_against_model(const std::vector<CallRecord>& history, const Model& initial);

}  // namespace interleave::scenarios
