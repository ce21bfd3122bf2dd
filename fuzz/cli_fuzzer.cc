// libFuzzer target: the input is a command line and INTERLEAVE_PARAMS (fuzz/cli_input.h has the
// format), parsed in-process by the parse step the `interleave` binary uses, and each argument
// parsed as a schedule token. Nothing is explored. A violated property (fuzz/cli_input.h lists
// them) is printed and aborts (libFuzzer saves the input); a crash or an out-of-bounds access is
// ASan's and UBSan's.
//
//   build-fuzz/fuzz/cli_fuzzer fuzz/corpus/cli_fuzzer      # or: bash ci/fuzz.sh cli_fuzzer 60
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "fuzz/cli_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto violation =
      interleave::fuzz::check_command_line_input(std::span<const std::uint8_t>(data, size));
  if (violation) {
    std::fprintf(stderr, "cli_fuzzer: property violated: %s\n", violation->c_str());
    std::abort();
  }
  return 0;
}
