// Verdicts: what an oracle (or the backend) says of one execution.
#pragma once

#include <cstdint>
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
  // After a crash (docs/crashes.md):
  kLostAcknowledgedWrite,  // a write the store's promise covers is missing after recovery
  kCorruptionAfterCrash,   // recovery, or a read after it, found a record in the middle corrupt
  kRecoveryFailed,         // the store did not open again after the crash (an error, not data)
};

std::string_view to_string(BugKind kind);
std::optional<BugKind> parse_bug_kind(std::string_view name);

// pass, or a bug of one kind with a message that says what went wrong in the scenario's terms.
struct Verdict {
  std::optional<BugKind> bug;
  std::string message;
  // After a crash: which of the states the persistence model allows the verdict is about (their
  // index in the order store/crash_model.h enumerates them); the token records it ('w').
  std::optional<std::uint32_t> crash_state;

  static Verdict pass() { return {}; }
  static Verdict fail(BugKind kind, std::string message) {
    return {kind, std::move(message), std::nullopt};
  }
  bool passed() const { return !bug.has_value(); }
  // "pass" or the bug kind's name.
  std::string_view name() const { return bug ? to_string(*bug) : "pass"; }
  bool operator==(const Verdict&) const = default;
};

}  // namespace interleave
