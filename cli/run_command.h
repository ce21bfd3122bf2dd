// `interleave run`: unmodified programs in any language as worker processes, controlled at their
// file system calls (docs/run.md).
#pragma once

#include <string>
#include <vector>

#include "cli/commands.h"

namespace interleave::cli {

// Runs `interleave run` with `args` (the arguments after "run"). Returns the exit code; throws
// UsageError for bad input.
int run_programs(const std::vector<std::string>& args);

}  // namespace interleave::cli
