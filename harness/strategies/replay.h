// Replay: makes exactly the recorded decisions, in order.
//
// The scheduler checks each decision against the runnable set and reports the first divergence
// with its step number; a schedule longer than the execution is a divergence too (the caller
// compares size() with the trace). As a prefix (Then::kSequential) it makes the recorded decisions
// and then continues without preemption: the current actor while it can run, else the lowest
// runnable one. Exhaustive search runs its schedules that way.
#pragma once

#include <cstddef>
#include <vector>

#include "harness/strategies/strategy.h"

namespace interleave {

class ReplayStrategy final : public Strategy {
 public:
  enum class Then { kStop, kSequential };

  explicit ReplayStrategy(std::vector<int> decisions, Then then = Then::kStop)
      : decisions_(std::move(decisions)), then_(then) {}
  bool begin_execution(const ExecutionStart&) override {
    next_ = 0;
    return true;
  }
  int pick(const DecisionPoint& point) override {
    if (next_ < decisions_.size()) return decisions_[next_++];
    if (then_ == Then::kStop) return kNoActor;
    return point.current_runnable ? point.current : point.runnable.front();
  }
  std::size_t size() const { return decisions_.size(); }

 private:
  std::vector<int> decisions_;
  Then then_ = Then::kStop;
  std::size_t next_ = 0;
};

}  // namespace interleave
