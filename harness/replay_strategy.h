// Replay: makes exactly the recorded decisions, in order.
//
// The backend checks each decision against the runnable set and reports the first divergence with
// its step number; the caller checks remaining() == 0 afterwards (a schedule longer than the run is
// a divergence too).
#pragma once

#include <cstddef>
#include <vector>

#include "harness/strategy.h"

namespace interleave {

class ReplayStrategy final : public Strategy {
 public:
  explicit ReplayStrategy(std::vector<int> decisions) : decisions_(std::move(decisions)) {}
  std::string_view name() const override { return "replay"; }
  void begin_execution(std::uint64_t, int) override { next_ = 0; }
  int pick(const DecisionPoint&) override {
    return next_ < decisions_.size() ? decisions_[next_++] : kNoActor;
  }
  std::size_t remaining() const { return decisions_.size() - next_; }
  std::size_t size() const { return decisions_.size(); }

 private:
  std::vector<int> decisions_;
  std::size_t next_ = 0;
};

}  // namespace interleave
