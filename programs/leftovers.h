// Processes an execution leaves behind: what a worker forked (with or without setsid, a daemon)
// and what a setup or check command started in the background outlive the processes the harness
// ends. The harness is their subreaper (PR_SET_CHILD_SUBREAPER), so each becomes its child when its
// parent dies, and every process of an execution carries INTERLEAVE_EXECUTION=<id> in its
// environment; end_leftovers() kills and reaps those of one execution until none is left.
#pragma once

#include <string>

namespace interleave::programs {

// Makes this process the subreaper of its descendants (once; process-wide).
void become_subreaper();

// Kills and reaps the children of this process whose environment names `execution`, then the
// children those had (reparented here as their parents die), until none is left or about a second
// has passed. Returns how many were killed.
int end_leftovers(const std::string& execution);

// Reaps the children of this process that ended and that nobody waits for (orphans reparented
// here), and kills the ones still running whose environment names any execution. For the end of a
// run, when no engine forks any more. Returns how many were killed.
int end_orphans();

}  // namespace interleave::programs
