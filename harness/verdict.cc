#include "harness/verdict.h"

#include <array>
#include <utility>

namespace interleave {
namespace {

constexpr std::array<std::pair<BugKind, std::string_view>, 14> kNames{{
    {BugKind::kLostUpdate, "lost-update"},
    {BugKind::kDuplicateOffset, "duplicate-offset"},
    {BugKind::kTornRead, "torn-read"},
    {BugKind::kStaleRead, "stale-read"},
    {BugKind::kNotLinearizable, "not-linearizable"},
    {BugKind::kCorruption, "corruption"},
    {BugKind::kDeadlock, "deadlock"},
    {BugKind::kCrash, "crash"},
    {BugKind::kHang, "hang"},
    {BugKind::kAssertion, "assertion"},
    {BugKind::kBlockedLoop, "blocked-loop"},
    {BugKind::kLostAcknowledgedWrite, "lost-acknowledged-write"},
    {BugKind::kCorruptionAfterCrash, "corruption-after-crash"},
    {BugKind::kRecoveryFailed, "recovery-failed"},
}};

}  // namespace

std::string_view to_string(BugKind kind) {
  for (const auto& [k, name] : kNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::optional<BugKind> parse_bug_kind(std::string_view name) {
  for (const auto& [k, n] : kNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

}  // namespace interleave
