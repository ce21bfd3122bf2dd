// Which steps commute: the independence relation that partial-order reduction and sleep sets use.
//
// A step declares the object it touches (Touches; in event-loop mode a step may touch several).
// Two steps of different actors are dependent when they touch the same object (kind, space and
// name) and at least one writes it. Files and file locks are shared by every process; memory and
// Mutexes live in one process, so the same name in two processes is two objects. A step that
// declares no object is independent of every other step (the seam's contract: a yield point names
// what the code up to the next yield point touches).
#pragma once

#include "harness/trace.h"

namespace interleave {

// Requires: `process_a` and `process_b` are the processes of a.actor and b.actor.
bool dependent(const Step& a, int process_a, const Step& b, int process_b);

// A step that took a Mutex (under control every "lock" step of a Mutex takes it: the actor is not
// scheduled while the Mutex is held). A Mutex cannot be taken while held, so such a step never
// moves before the release that preceded it: its race is with the previous acquisition.
bool is_mutex_acquisition(const Step& step);

// A step that took a FileLock (under control the actor is not scheduled while another open file
// description holds it; an attempt that still failed is recorded as a read, and is no acquisition).
// Its race is with the previous acquisition too, except between threads sharing a descriptor, which
// take the lock together.
bool is_file_lock_acquisition(const Step& step);

// A preemption: a switch away from an actor that could have gone on.
inline bool is_preemption(int previous_actor, std::uint64_t runnable, int chosen) {
  return previous_actor >= 0 && chosen != previous_actor && (runnable >> previous_actor & 1) != 0;
}

// The number of preemptions in a trace.
int count_preemptions(const Trace& trace);

}  // namespace interleave
