// Flags whose values go through the strict number parsers (cli/number.h), for every subcommand
// (explore, replay, matrix in cli/parse.cc; run in cli/run_command.cc).
#pragma once

#include <concepts>
#include <functional>
#include <string>

#include "CLI/CLI.hpp"
#include "cli/number.h"
#include "harness/explore/explore.h"

namespace interleave::cli {

// A flag with a value that `set` parses and stores, throwing UsageError when it is bad. CLI11 runs
// a flag's validators on every occurrence in order before it keeps the last one, so every value is
// checked (an INTERLEAVE_PARAMS item overridden on the command line too) and the last one stays.
inline CLI::Option* add_value(CLI::App* cmd, const std::string& flag, const std::string& type,
                              std::function<void(const std::string&)> set,
                              const std::string& help) {
  return cmd->add_option(flag, help)->type_name(type)->each(std::move(set));
}

// A whole-number flag in [min, max] stored in *target (a T or an optional<T>).
template <std::integral T, class Target>
CLI::Option* add_whole(CLI::App* cmd, const std::string& flag, Target* target, T min, T max,
                       const std::string& help) {
  return add_value(
      cmd, flag, "N",
      [=](const std::string& text) { *target = parse_whole_number<T>(flag, text, min, max); },
      help);
}

// A positive, finite number of seconds stored in *target (a double or an optional<double>).
template <class Target>
CLI::Option* add_seconds(CLI::App* cmd, const std::string& flag, Target* target,
                         const std::string& help) {
  return add_value(
      cmd, flag, "SECONDS", [=](const std::string& text) { *target = parse_seconds(flag, text); },
      help);
}

// "I/N" (a --shard value) as a Shard; the index is checked against the count by check_shard().
Shard parse_shard(const std::string& flag, std::string_view text);

}  // namespace interleave::cli
