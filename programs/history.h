// The history protocol: a worker writes one line per invocation and one per response to the file
// $INTERLEAVE_HISTORY names ("invoke put k v", "ok", "not_found", "fail why"), each line in one
// write; the shim stamps each line with the number of decisions made before it and the thread
// that wrote it ("<step> <thread> <line>", thread 0 the main one), so that the operations of every
// thread of every worker can be put in one order and judged for linearizability (docs/run.md).
#pragma once

#include <string>

#include "scenarios/history.h"

namespace interleave::programs {

// Parses a history file's stamped lines ("<step> <thread> invoke put k v", "<step> <thread> ok",
// ...) of the worker whose main thread is actor `first_actor` into `out` (thread t is actor
// first_actor + t); the records of every worker are ordered afterwards by order_history(). Returns
// "" or what is wrong with the file ("line 3: unknown operation 'inc'").
std::string parse_history(const std::string& text, int first_actor, scenarios::History* out);

// Orders the operations by their stamped steps (a step belongs to one worker, so (step, worker,
// line) is the order the records were written in) and sets the logical clocks.
void order_history(scenarios::History* history);

}  // namespace interleave::programs
