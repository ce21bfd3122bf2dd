// cli_fuzzer's seed corpus replayed as ordinary tests, in every build: each input goes through
// check_command_line_input(), the very function the fuzz target calls.
//
// INTERLEAVE_FUZZ_DIR (a compile definition) is the source tree's fuzz/ directory.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "fuzz/cli_input.h"

namespace interleave::fuzz {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

Bytes read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

Bytes bytes_of(const std::string& text) { return Bytes(text.begin(), text.end()); }

TEST(CliCorpus, EveryCommandLineSeedIsParsedOrRejectedAsSpecified) {
  const fs::path dir = fs::path(INTERLEAVE_FUZZ_DIR) / "corpus" / "cli_fuzzer";
  std::vector<fs::path> inputs;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) inputs.push_back(e.path());
  std::sort(inputs.begin(), inputs.end());
  ASSERT_GE(inputs.size(), 24u) << "the cli seed corpus is missing; run interleave_fuzz_seeds";
  for (const fs::path& input : inputs) {
    EXPECT_EQ(check_command_line_input(read_bytes(input)), std::nullopt) << input;
  }
}

TEST(CliInput, FieldsAreSeparatedByNulAndTheFirstIsTheParams) {
  const CommandLineInput in{"seed=3", {"explore", "", "--json"}};
  const std::string encoded = encode_command_line_input(in);
  EXPECT_EQ(encoded, std::string("seed=3\0explore\0\0--json", 22));
  EXPECT_EQ(decode_command_line_input(bytes_of(encoded)), in);
  EXPECT_EQ(decode_command_line_input(bytes_of(std::string("\0list", 5))),
            (CommandLineInput{std::nullopt, {"list"}}));
  EXPECT_EQ(decode_command_line_input({}), (CommandLineInput{}));
}

}  // namespace
}  // namespace interleave::fuzz
