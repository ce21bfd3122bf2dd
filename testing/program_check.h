// Testing a program in any language from GoogleTest: `interleave run`'s job in a test of one's own,
// with the knobs of the store suite (testing/store_suite.h).
//
//   TEST(StorePy, TwoWorkersKeepEveryIncrement) {
//     INTERLEAVE_EXPECT_PROGRAM_PASSES(({.program = {"python3", "store.py", "run", "2"},
//                                        .workers = 2,
//                                        .check = "python3 /abs/store.py check 2",
//                                        .params = "strategy=pct executions=200"}));
//   }
//
// `params` takes `interleave run`'s flags by their names without dashes (strategy, seed,
// executions, depth, preemption-bound, time-limit, jobs, no-shrink, max-steps, hang-timeout-ms);
// INTERLEAVE_PARAMS in the environment adds to them and wins. A failing test prints the bug, the
// interleaving and the replay lines: `INTERLEAVE_REPLAY=<token> <test binary>
// --gtest_filter=<test>` replays it in the test, and the `interleave run ... --schedule` line with
// the command line. The shim is $INTERLEAVE_SHIM, else `shim`, else libinterleave_shim.so next to
// the test binary or in ../lib from it (the CMake package's interleave::shim target gives its
// path).
#pragma once

#include <string>
#include <vector>

#include "testing/store_suite.h"

namespace interleave::testing {

struct ProgramUnderTest {
  std::vector<std::string> program;  // what every worker runs (argv; argv[0] on $PATH)
  int workers = 2;
  std::vector<std::string> worker_commands;  // or one command line per worker (words)
  std::string setup;                         // shell command run in each fresh data directory
  std::string check;                         // shell command judging each execution
  std::string params;                        // run's flags by name: "strategy=dpor"
  std::string shim;                          // the shim's path; "" finds it
};

// Explores `program` (or, with INTERLEAVE_REPLAY holding one of its tokens, replays that schedule).
// kFail: a bug, an error, or part of the run escaped control; the text is the report with the
// replay lines. kPass: the summary line. kSkip: INTERLEAVE_REPLAY names another test's schedule.
SuiteResult check_program(const ProgramUnderTest& program);

}  // namespace interleave::testing

// Fails the current test with the report unless the program passes.
#define INTERLEAVE_EXPECT_PROGRAM_PASSES(program)                                        \
  do {                                                                                   \
    [[maybe_unused]] static const bool interleave_replay_guard_ =                        \
        ::interleave::testing::detail::install_replay_guard();                           \
    const ::interleave::testing::SuiteResult interleave_result_ =                        \
        ::interleave::testing::check_program(program);                                   \
    if (interleave_result_.kind == ::interleave::testing::SuiteResult::Kind::kFail)      \
      ADD_FAILURE() << interleave_result_.text;                                          \
    else if (interleave_result_.kind == ::interleave::testing::SuiteResult::Kind::kSkip) \
      GTEST_SKIP() << interleave_result_.text;                                           \
    else                                                                                 \
      ::interleave::testing::detail::report(interleave_result_);                         \
  } while (false)
