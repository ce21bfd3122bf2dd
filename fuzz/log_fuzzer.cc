// libFuzzer target: arbitrary bytes as database.bin, recovered by scan_log() and open_store() of
// every store variant. The properties are fuzz/log_check.h's; a violation aborts with its
// description (libFuzzer saves the input), a crash or an out-of-bounds read is ASan's and UBSan's.
//
//   build-fuzz/fuzz/log_fuzzer fuzz/corpus/log_fuzzer      # or: bash ci/fuzz.sh log_fuzzer 60
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz/runner.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  interleave::fuzz::fuzz_log_one(std::span<const std::uint8_t>(data, size));
  return 0;
}
