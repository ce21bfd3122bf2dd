// Verdicts: what an oracle (or the backend) says of one execution.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace interleave {

enum class BugKind {
  kLostUpdate,
  kDuplicateOffset,
  kTornRead,
  kStaleRead,
  kNotLinearizable,
  kCorruption,
  kDeadlock,
  kCrash,
  kHang,
  kAssertion,
  kBlockedLoop,  // event loop: a handler blocked the loop on a synchronous lock another one holds
};

std::string_view to_string(BugKind kind);
std::optional<BugKind> parse_bug_kind(std::string_view name);

// pass, or a bug of one kind with a message that says what went wrong in the scenario's terms.
struct Verdict {
  std::optional<BugKind> bug;
  std::string message;

  static Verdict pass() { return {}; }
  static Verdict fail(BugKind kind, std::string message) { return {kind, std::move(message)}; }
  bool passed() const { return !bug.has_value(); }
  // "pass" or the bug kind's name.
  std::string_view name() const { return bug ? to_string(*bug) : "pass"; }
  bool operator==(const Verdict&) const = default;
};

}  // namespace interleave
