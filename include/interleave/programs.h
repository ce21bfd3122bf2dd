// interleave's public header for programs in any language, tested from GoogleTest:
// interleave::testing::check_program and INTERLEAVE_EXPECT_PROGRAM_PASSES run `interleave run`'s
// job (N workers under the shim, judged by their exit status, a check command and their history) in
// a test of one's own. Link interleave::testing; the shim is interleave::shim.
#pragma once

#include "testing/program_check.h"
