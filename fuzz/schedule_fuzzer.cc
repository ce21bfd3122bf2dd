// libFuzzer target: the input chooses a scenario, a store variant, the sizes and every scheduling
// decision of one controlled execution (fuzz/schedule_input.h has the format). A bug verdict
// prints its report and replay line, then aborts (libFuzzer saves the input). New interleavings
// count as coverage (fuzz/interleaving_coverage.h).
//
//   INTERLEAVE_FUZZ_STORE=NAME   pin the store variant (byte 1 of the input is then ignored)
//   INTERLEAVE_FUZZ_MODE=M       threads (default), processes or mixed
//   INTERLEAVE_FUZZ_VERBOSE=1    print the replay line of every input, bug or not
//
//   build-fuzz/fuzz/schedule_fuzzer fuzz/corpus/schedule_fuzzer   # or: bash ci/fuzz.sh ...
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz/runner.h"

// Before the first input and before libFuzzer starts its own threads: reads the environment, so a
// misspelt name stops the run at once (exit 2) instead of being reported as a crash of some input;
// and starts every engine the config uses, so worker processes are forked while this process has
// one thread (see warm_up_engines()).
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  interleave::fuzz::warm_up_engines(interleave::fuzz::env_fuzz_config());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  interleave::fuzz::fuzz_schedule_one(std::span<const std::uint8_t>(data, size));
  return 0;
}
