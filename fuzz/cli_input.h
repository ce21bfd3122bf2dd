// cli_fuzzer's input and what is checked of it: a command line and INTERLEAVE_PARAMS go through
// the parse step (cli/parse.h) and every argument through the token parser (harness/schedule.h),
// in-process and without running anything.
//
// Format: fields separated by NUL bytes. The first field is INTERLEAVE_PARAMS (empty: unset); each
// further field is one argument, as argv[1], argv[2], ... would be ("" is an empty argument).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace interleave::fuzz {

struct CommandLineInput {
  std::optional<std::string> params;  // INTERLEAVE_PARAMS
  std::vector<std::string> args;      // without the program name

  bool operator==(const CommandLineInput&) const = default;
};

CommandLineInput decode_command_line_input(std::span<const std::uint8_t> input);
// Requires: no NUL byte in any field; a set `params` is not empty.
std::string encode_command_line_input(const CommandLineInput& input);

// Checks one input; returns the first property it violates, or nullopt. The properties:
//   - parse_command_line() returns, or throws UsageError (nothing else) whose message is one line
//     of printable ASCII of at most kMaxUsageMessage characters; so is the INTERLEAVE_PARAMS echo;
//   - what it accepts, plan_explore() or plan_replay() accept too (it checked them already);
//   - every argument as a schedule token, as given and with its checksum made right: a token that
//     parses re-encodes to itself; a rejection's reason is one short printable line.
std::optional<std::string> check_command_line_input(std::span<const std::uint8_t> input);

}  // namespace interleave::fuzz
