// INTERLEAVE_TEST_SIGNAL: for the harness's own tests of what a signal does in each phase of a run.
//
//   INTERLEAVE_TEST_SIGNAL="<phase>:<index>:<SIG>[+<SIG>...]"   e.g. "shrink:0:INT",
//   "explore:3:TERM"
//
// raises the signals (INT, TERM, HUP, PIPE), one after the other, in the harness process just
// before execution <index> of <phase> (explore, or shrink: see ExploreOptions::before_execution).
// Raising them at a chosen execution, rather than sending them from outside at a chosen time, is
// what makes those tests deterministic.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

namespace interleave::cli {

using BeforeExecution = std::function<void(std::string_view phase, std::uint64_t index)>;

// The hook the variable asks for, or an empty function when it is unset. Throws UsageError when it
// is malformed.
BeforeExecution test_signal_hook();

}  // namespace interleave::cli
