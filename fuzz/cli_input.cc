#include "fuzz/cli_input.h"

#include <exception>

#include "cli/checks.h"
#include "cli/parse.h"
#include "fmt/format.h"
#include "harness/printable.h"
#include "harness/schedule.h"

namespace interleave::fuzz {
namespace {

// Why `text` is not one line of printable ASCII of at most `limit` characters, or nullopt.
std::optional<std::string> not_one_line(std::string_view what, std::string_view text,
                                        std::size_t limit) {
  if (text.empty()) return fmt::format("{} is empty", what);
  if (text.size() > limit) {
    return fmt::format("{} has {} characters (at most {}): {}", what, text.size(), limit,
                       printable(text, 200));
  }
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      return fmt::format("{} has byte {:#04x}: {}", what, static_cast<unsigned char>(c),
                         printable(text, 200));
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_parse(const CommandLineInput& in) {
  const cli::CommandEnv env{.params = in.params ? in.params->c_str() : nullptr};
  if (const auto echo = cli::params_echo(in.args, env)) {
    if (auto bad = not_one_line("the INTERLEAVE_PARAMS echo", *echo, cli::kMaxUsageMessage)) {
      return bad;
    }
  }
  cli::ParsedCommand parsed;
  try {
    parsed = cli::parse_command_line(in.args, env);
  } catch (const cli::UsageError& e) {
    return not_one_line("a usage error", e.what(), cli::kMaxUsageMessage);
  } catch (const std::exception& e) {
    return fmt::format("parse_command_line threw something other than UsageError: {}",
                       printable(e.what(), 200));
  }
  try {
    if (const auto* explore = std::get_if<cli::ExploreArgs>(&parsed)) cli::plan_explore(*explore);
    if (const auto* replay = std::get_if<cli::ReplayArgs>(&parsed); replay && !replay->fuzz_input) {
      cli::plan_replay(replay->schedule);
    }
  } catch (const std::exception& e) {
    return fmt::format("accepted by the parse step, rejected by its plan: {}",
                       printable(e.what(), 200));
  }
  if (const auto* help = std::get_if<cli::HelpRequest>(&parsed); help && help->text.empty()) {
    return "--help gave no text";
  }
  return std::nullopt;
}

std::optional<std::string> check_token(const std::string& token) {
  Schedule schedule;
  std::string error;
  if (!parse_token(token, &schedule, &error))
    return not_one_line("a token's rejection", error, 300);
  if (const std::string again = encode_token(schedule); again != token) {
    return fmt::format("token {} parses but re-encodes as {}", printable(token, 120),
                       printable(again, 120));
  }
  return std::nullopt;
}

}  // namespace

CommandLineInput decode_command_line_input(std::span<const std::uint8_t> input) {
  std::vector<std::string> fields(1);
  for (std::uint8_t byte : input) {
    if (byte == 0) {
      fields.emplace_back();
    } else {
      fields.back().push_back(static_cast<char>(byte));
    }
  }
  CommandLineInput out;
  if (!fields[0].empty()) out.params = fields[0];
  out.args.assign(fields.begin() + 1, fields.end());
  return out;
}

std::string encode_command_line_input(const CommandLineInput& input) {
  std::string out = input.params.value_or("");
  for (const std::string& arg : input.args) out += std::string(1, '\0') + arg;
  return out;
}

std::optional<std::string> check_command_line_input(std::span<const std::uint8_t> input) {
  const CommandLineInput in = decode_command_line_input(input);
  if (auto bad = check_parse(in)) return bad;
  for (const std::string& arg : in.args) {
    if (auto bad = check_token(arg)) return bad;
    // The fields behind a checksum are reached only with the right one.
    if (const std::size_t colon = arg.rfind(':'); colon != std::string::npos) {
      const std::string body = arg.substr(0, colon);
      if (auto bad = check_token(fmt::format("{}:{:08x}", body, token_check(body)))) return bad;
    }
  }
  return std::nullopt;
}

}  // namespace interleave::fuzz
