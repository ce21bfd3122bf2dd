// interleave's public header for a store with operations of its own (a compaction, a scan, a batch
// write): a Workload says how to open the store, each operation (a name, how to draw its arguments,
// how to run it) and a sequential specification; a WorkloadScenario is a fixed script of calls per
// actor. Every execution's history of calls must be linearizable against the specification.
//
// The contract:
//
// - An operation's run function calls the store under control (its yield points and locks decide
//   the interleaving) and returns its result as text; results are compared as text with the
//   specification's (the first 256 bytes of each). Arguments and results are printable, without
//   '|', ';' or newlines; an operation's name has no space.
// - The specification is a Model (apply a call, return what the store must return; clone; a state
//   fingerprint), or, when none is given, the store itself run one call at a time on a fresh
//   directory.
// - Workload::final_calls run after every execution on an instance opened afresh on the data
//   directory (recovery) and are judged with the rest: a lost write shows there.
#pragma once

#include "scenarios/workload.h"
#include "scenarios/workload_scenario.h"

namespace interleave {
using scenarios::Call;
using scenarios::CallScript;
using scenarios::Model;
using scenarios::Subject;
using scenarios::words;
using scenarios::Workload;
using scenarios::WorkloadOf;
using scenarios::WorkloadScenario;
}  // namespace interleave
