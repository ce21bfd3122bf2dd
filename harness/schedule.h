// A schedule as data: what was run (scenario, store, mode, sizes) and every decision made.
//
// Token form (version 1), printable and shell-safe:
//
//   I1:<scenario>:<store>:<mode>:<sizes>:<decisions>:<check>
//
//   sizes      letter+number pairs, e.g. "a2o2" (2 actors, 2 operations each): the letters of
//              kSizeLetters only, each at most once
//   decisions  run-length encoded actor ids: actor 0..25 is 'a'..'z', 26..51 is 'A'..'Z', each
//              followed by an optional decimal repeat count of at least 2 ("a3b2a" = 0 0 0 1 1 0);
//              a run never follows a run of the same actor
//   check      exactly 8 lowercase hex digits, FNV-1a of everything before the last ':'
//
// Numbers are decimal without leading zeros. Every token encode_token() writes has this canonical
// form, and parse_token() accepts no other: a token that parses re-encodes to itself.
//
// A token replays the same trace even after strategy code changes, because it records decisions
// rather than the seed that produced them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace interleave {

inline constexpr int kMaxTokenActors = 52;

// The size letters a token may carry: a (actors), o (operations per actor), p (worker processes,
// mixed mode); with crashes (docs/crashes.md): c (crash decisions allowed, --crashes), m (the
// persistence model's number, store/crash_model.h), w (which crash state the failure is about).
// A token without c, m, w is a token without crashes, as before they existed. Program targets: a
// (workers) and t (actors per worker: its main thread and the threads it may create).
inline constexpr std::string_view kSizeLetters = "aopcmwt";

struct Schedule {
  std::string scenario;
  std::string store;
  std::string mode;
  std::vector<std::pair<char, std::uint32_t>> sizes;  // e.g. {{'a', 2}, {'o', 2}}
  std::vector<int> decisions;                         // actor id chosen at each step

  // The value of size `letter`, or `fallback` when absent.
  std::uint32_t size(char letter, std::uint32_t fallback) const;
  bool operator==(const Schedule&) const = default;
};

// Requires: every decision in [0, kMaxTokenActors); names are non-empty and contain no ':'; size
// letters are from kSizeLetters, each at most once.
std::string encode_token(const Schedule& schedule);

// Everything before the decisions: "I1:<scenario>:<store>:<mode>:<sizes>:".
std::string token_prefix(const Schedule& schedule);

// The checksum a token ends with, over everything before its last ':'.
std::uint32_t token_check(std::string_view body);

// Parses a token. On failure returns false and sets `error` to a one-line reason naming the part
// that is wrong ("bad checksum: the token was altered or cut short"); input it quotes is passed
// through printable() (harness/printable.h), so the reason is printable ASCII of bounded length.
bool parse_token(std::string_view token, Schedule* out, std::string* error);

}  // namespace interleave
