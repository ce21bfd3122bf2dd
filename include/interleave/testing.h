// interleave's public header for GoogleTest: INTERLEAVE_STORE_SUITE (one test per scenario x mode
// of a store of one's own), interleave::testing::main (a test binary that is also the command
// line), and check_programs (generated programs over a workload's operations, with RapidCheck).
#pragma once

#include "interleave/catalog.h"
#include "interleave/workload.h"
#include "testing/programs.h"
#include "testing/store_suite.h"
