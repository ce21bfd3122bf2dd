// A linearizability checker for histories of the key-value store (Wing & Gong 1993, with Lowe's
// just-in-time linearization and memoization, "Testing for linearizability", 2017; the same search
// as Porcupine's). The specification is a sequential map from key to value: put sets the value, get
// returns it or not_found, del removes it (always ok), increment treats a missing key as 0, adds
// the delta and returns the new value (values are decimal int64 text).
//
// Operations touch one key each, so a history is linearizable iff each key's subhistory is (the
// locality theorem); keys are checked one at a time in name order.
//
// Semantics of incomplete or failed operations:
//   * pending (returned_at == 0): may or may not have taken effect, at any point after invocation.
//     A pending get constrains nothing.
//   * a put, del or increment that returned an error (any status but ok): may or may not have taken
//     effect, at some point between its invocation and its response. A failed increment that took
//     effect added its delta (it cannot have taken effect on a value that is not an integer).
//   * a get that returned corruption is a violation: it returned something no sequential map
//     returns (a torn or bad record).
//   * a get that returned io_error or invalid_argument observed no value and constrains nothing.
// Operations the log could not record (History::truncated) are invisible to the checker, so a
// violation found in a truncated history may be explained by a write that was not recorded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scenarios/history.h"

namespace interleave::scenarios {

struct LinearizabilityResult {
  bool linearizable = true;
  // The failure is a read that returned a value which a completed write had already replaced: a
  // get r returned v, every write that could have written v completed before some completed write
  // w2 of a different value was invoked, and w2 completed before r was invoked.
  bool stale_read = false;
  std::string key;             // the smallest failing key (empty when linearizable)
  std::vector<const Op*> ops;  // that key's subhistory, in invocation order (points into history)
  std::string message;         // one paragraph: what is wrong, in the history's terms
  // The failing key's subhistory as a text timeline: one row per actor, each operation a [----]
  // span over the logical clock (at most kTimelineOps operations, around where the search stopped).
  std::string timeline;
  std::uint64_t states_explored = 0;  // search states over all keys checked
};

inline constexpr std::size_t kTimelineOps = 48;

// Checks `history` against the sequential map above. Returns linearizable == true iff every key's
// subhistory has a linearization; otherwise describes the smallest failing key. Deterministic.
// Memory is bounded by the visited (linearized set, value) pairs of one key at a time.
LinearizabilityResult check_linearizable(const History& history);

}  // namespace interleave::scenarios
