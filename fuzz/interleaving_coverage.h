// Interleaving coverage: features for libFuzzer that describe the order in which actors ran, not
// the code they ran.
//
// Why: every execution of a scenario runs the same store code, whatever the schedule, so code
// coverage alone hardly changes when a mutation reorders the actors, and libFuzzer would keep
// almost nothing. These counters, placed in libFuzzer's extra-counters section, turn orderings into
// features:
//
//  - switch pairs: at every context switch (trace step i-1 and step i by different actors) the
//    counter of hash(label of step i-1, label of step i) is bumped. "Actor A was preempted right
//    after reaching put.read_end and B resumed at incr.read_header" is one feature; an input whose
//    execution makes a switch pair no earlier input made is new coverage and enters the corpus.
//    libFuzzer buckets counter values (1, 2, 3, 4-7, 8-15, ...), so making a known switch pair more
//    often is new coverage too.
//  - depth: for every step, the counter of hash(label, bucket of the number of context switches
//    before it) is bumped, so reaching a step after more preemptions than before (a deeper
//    interleaving, as PCT counts depth) is new coverage.
//
// Inputs kept for these features are mutated further, which explores around orderings that were
// new: the fuzzer climbs towards unusual interleavings instead of resampling common ones.
//
// Outside a libFuzzer binary the counters are plain memory nobody reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "harness/trace.h"

namespace interleave::fuzz {

// Bumps the counters for `trace` (saturating at 255). Deterministic: the features depend only on
// the labels and actors in the trace (labels are hashed by content, not by address).
void record_interleaving_coverage(const Trace& trace);

// The counters (for tests).
std::span<const std::uint8_t> interleaving_counters();

// Bucket of a number of context switches: 0, 1, 2, 3, 4-7, 8-15, 16-31, 32+ -> 0..7.
int switch_bucket(std::uint32_t switches);

}  // namespace interleave::fuzz
