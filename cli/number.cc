#include "cli/number.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "cli/commands.h"
#include "fmt/format.h"
#include "harness/printable.h"

namespace interleave::cli {
namespace {

std::string readable(std::uint64_t n) {
  if (n == std::numeric_limits<std::uint64_t>::max()) return "2^64-1";
  if (n == std::numeric_limits<std::uint32_t>::max()) return "2^32-1";
  if (n == static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max())) return "2^31-1";
  return std::to_string(n);
}

bool all_digits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return !text.empty();
}

}  // namespace

std::string describe_whole_range(std::uint64_t min, std::uint64_t max) {
  return fmt::format("a whole number from {} to {}", readable(min), readable(max));
}

std::uint64_t parse_whole(std::string_view flag, std::string_view text, std::uint64_t min,
                          std::uint64_t max) {
  std::uint64_t value = 0;
  // from_chars alone would take a leading '-' for a signed type and stop at the first non-digit;
  // digits only, then a range check, leave no such case.
  const bool parsed =
      all_digits(text) &&
      std::from_chars(text.data(), text.data() + text.size(), value).ec == std::errc();
  if (!parsed || value < min || value > max) {
    throw UsageError(
        fmt::format("{}: '{}' is not {}", flag, printable(text), describe_whole_range(min, max)));
  }
  return value;
}

double parse_seconds(std::string_view flag, std::string_view text) {
  double value = 0;
  // Digits first: from_chars would also read "-1", "inf", "nan" and "infinity".
  const bool parsed = !text.empty() && ((text[0] >= '0' && text[0] <= '9') || text[0] == '.');
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (!parsed || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value) ||
      value <= 0) {
    throw UsageError(
        fmt::format("{}: '{}' is not a positive number of seconds", flag, printable(text)));
  }
  return value;
}

}  // namespace interleave::cli
