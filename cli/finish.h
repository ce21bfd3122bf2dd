// The end of every command that runs executions (explore, replay, run): the report on standard
// output (text or JSON), the files asked for, what escaped control and any error on standard error,
// and the exit code. The replay line of a bug found is printed whatever else fails.
#pragma once

#include "cli/commands.h"
#include "cli/report.h"

namespace interleave::cli {

// Prints the report of `info` and `report` and returns the exit code: 1 a bug (also when the run
// was then interrupted or hit an error of the environment: the bug stands), 130 interrupted, 3 an
// error of the environment, 2 a run that could not be judged, escaped control or ran nothing, 0
// pass. No verdict is printed for a run that came to none. With `broken` (after a hang or an
// interrupt in threads mode an actor thread is stuck in uncontrolled code) the process exits right
// here instead of unwinding (every data directory is already removed).
int finish(const RunInfo& info, const ExploreReport& report, bool json, const OutputFiles& files,
           bool broken = false);

}  // namespace interleave::cli
