#include "harness/execution.h"

namespace interleave {

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::kCompleted:
      return "completed";
    case Outcome::kDeadlock:
      return "deadlock";
    case Outcome::kStepLimit:
      return "step-limit";
    case Outcome::kCrash:
      return "crash";
    case Outcome::kDiverged:
      return "diverged";
    case Outcome::kHang:
      return "hang";
    case Outcome::kStopped:
      return "stopped";
    case Outcome::kLost:
      return "lost";
    case Outcome::kBlockedLoop:
      return "blocked-loop";
    case Outcome::kCrashed:
      return "crashed";
  }
  return "unknown";
}

std::vector<int> ExecutionResult::decisions() const {
  std::vector<int> out;
  out.reserve(trace.size());
  for (const Step& step : trace) out.push_back(step.actor);
  return out;
}

}  // namespace interleave
