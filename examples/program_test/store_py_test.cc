// The DESIGN.md store written in Python (examples/run_programs/store.py), run as 2 worker processes
// from GoogleTest: without a lock two workers append at the same offset or increment a stale
// value, and the test fails with the interleaving and a replay line; with flock it passes DPOR to
// exhaustion.
#include <string>

#include "gtest/gtest.h"
#include "interleave/programs.h"

namespace {

// Debian's interpreter without site packages (-S): its start-up is most of an execution's time.
interleave::testing::ProgramUnderTest store(const std::string& lock, const std::string& params) {
  return {.program = {"/usr/bin/python3", "-S", STORE_PY, "--lock", lock, "run", "2"},
          .workers = 2,
          .check = std::string("/usr/bin/python3 -S ") + STORE_PY + " check 2",
          .params = params,
          .shim = INTERLEAVE_SHIM_PATH};
}

TEST(StorePy, WithoutALockTwoWorkersKeepEveryIncrement) {
  // Fails: the replay line it prints (INTERLEAVE_REPLAY=... this binary --gtest_filter=...)
  // replays the failing interleaving in this test.
  INTERLEAVE_EXPECT_PROGRAM_PASSES(store("none", "strategy=random executions=200 no-shrink"));
}

TEST(StorePy, WithFlockTwoWorkersKeepEveryIncrement) {
  INTERLEAVE_EXPECT_PROGRAM_PASSES(store("flock", "strategy=dpor"));
}

}  // namespace
