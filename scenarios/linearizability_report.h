// Explaining a failed linearizability check in the history's terms: the most specific cause
// (a corrupt, torn, stale read or a lost update) and a text timeline of the key's operations.
// Internal to linearizability.cc.
#pragma once

#include <string>
#include <vector>

#include "scenarios/history.h"

namespace interleave::scenarios::detail {

// The most specific explanation of why `ops` (one key's subhistory, in invocation order) has no
// linearization, or "" when none applies; sets *culprit to the op it is about (if any) and *stale
// when it is a stale read.
std::string explain(const std::vector<const Op*>& ops, const Op** culprit, bool* stale);

// `ops` drawn as a timeline, one row per actor, `mark` starred (at most kTimelineOps operations,
// around `mark`).
std::string timeline(const std::vector<const Op*>& ops, const Op* mark);

}  // namespace interleave::scenarios::detail
