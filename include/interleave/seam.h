// interleave's public header for store code: what a store includes to run under interleave's
// scheduler (the declarations are in harness/seam.h). Uncontrolled (in production) every call
// here costs one thread-local pointer test and behaves like plain code.
//
// The contract store code keeps:
//
// - Yield points. `yield_point("put.append", touches)` before every step that reads or writes
//   state another actor can see (the index, an end offset, a file). The label must be a string
//   literal; it names the step in traces. Between two yield points the actor runs alone, so a
//   bug that needs another actor between two steps is only found if a yield point separates them.
//   `await_point` marks where an async handler suspends: in event-loop mode the only switch point.
// - Touches, for the search's reduction (DPOR, sleep sets) and the traces: what the step after a
//   yield point touches, up to the next one. Two steps of different actors are dependent (their
//   order matters) when they touch the same object and one writes it.
//     Touches::memory("index", key, access)  memory of one process: the same name in two worker
//                                             processes is two objects
//     Touches::file("seg.log", access)       a file: shared by every process
//     {} (nothing)                           the step commutes with every other step; declare
//                                             nothing only for steps that touch nothing shared
//   A wrong declaration (a shared write declared as nothing) makes DPOR skip interleavings that
//   matter; declaring too much only costs executions.
// - Locks. interleave::Mutex instead of std::mutex, interleave::AsyncMutex for an async handler's
//   lock, interleave::FileLock instead of a raw flock(2). The scheduler sees who holds them and
//   never runs an actor into a held one. A std::mutex (or pthread mutex, condition variable, raw
//   flock) taken while another actor holds it stalls the execution: interleave reports that as a
//   hang naming the uncontrolled lock. Two Mutexes of one process with the same name are one
//   object for traces and for the reduction: give per-key locks their own names
//   (Mutex(fmt::format("bucket.{}", i))).
#pragma once

#include "harness/seam.h"
