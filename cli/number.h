// Strict numbers for the command line: the one parser behind every numeric flag and variable.
//
// A value is accepted only if all of its text is the number: decimal digits (and, for seconds, a
// fraction and an exponent), no sign, no spaces, no base prefix, within the flag's range. A bad
// value throws UsageError naming the flag, the text (through printable()) and what is accepted:
//
//   --seed: '-1' is not a whole number from 0 to 2^64-1
//   --time-limit: 'nan' is not a positive number of seconds
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>

namespace interleave::cli {

// Requires: min <= max. Returns the value of `text`, in [min, max]; throws UsageError otherwise.
std::uint64_t parse_whole(std::string_view flag, std::string_view text, std::uint64_t min,
                          std::uint64_t max);

// parse_whole() for a narrower unsigned or non-negative range. Requires: 0 <= min <= max.
template <std::integral T>
T parse_whole_number(std::string_view flag, std::string_view text, T min, T max) {
  return static_cast<T>(
      parse_whole(flag, text, static_cast<std::uint64_t>(min), static_cast<std::uint64_t>(max)));
}

// Returns the value of `text`, a finite number greater than 0 ("2", "0.5", "1e-3"); throws
// UsageError otherwise (for nan, inf, 0, a negative number, one out of double's range).
double parse_seconds(std::string_view flag, std::string_view text);

// "a whole number from 1 to 64"; 2^64-1, 2^32-1 and 2^31-1 are written so.
std::string describe_whole_range(std::uint64_t min, std::uint64_t max);

}  // namespace interleave::cli
