// Replay: makes exactly the recorded decisions, in order.
//
// The engine checks each decision against the runnable set and reports the first divergence with
// its step number; a schedule longer than the execution is a divergence too (the caller compares
// size() with the trace). As a prefix (Then::kSequential) it makes the recorded decisions and then
// continues without preemption: the current actor while it can run, else the lowest runnable one.
// Exhaustive search and shrinking run their schedules that way.
#pragma once

#include <cstddef>
#include <cstring>
#include <vector>

#include "harness/strategy.h"

namespace interleave {

class ReplayStrategy final : public Strategy {
 public:
  enum class Then { kStop, kSequential };

  explicit ReplayStrategy(std::vector<int> decisions, Then then = Then::kStop)
      : owned_(std::move(decisions)), data_(owned_.data()), size_(owned_.size()), then_(then) {}
  std::string_view name() const override { return "replay"; }
  void begin_execution(std::uint64_t, int) override { next_ = 0; }
  int pick(const DecisionPoint& point) override {
    if (next_ < size_) return data_[next_++];
    if (then_ == Then::kStop) return kNoActor;
    return point.current_runnable ? point.current : point.runnable.front();
  }
  std::size_t size() const { return size_; }

  // The copy keeps its decisions in `storage` right after itself.
  Strategy* clone_into(std::span<std::byte> storage) const override {
    const std::size_t bytes = sizeof(ReplayStrategy) + size_ * sizeof(int);
    if (storage.size() < bytes) return nullptr;
    auto* copy = new (storage.data()) ReplayStrategy(Shared{}, next_, size_, then_);
    copy->data_ = reinterpret_cast<int*>(storage.data() + sizeof(ReplayStrategy));
    std::memcpy(const_cast<int*>(copy->data_), data_, size_ * sizeof(int));
    return copy;
  }

 private:
  struct Shared {};
  ReplayStrategy(Shared, std::size_t next, std::size_t size, Then then)
      : size_(size), then_(then), next_(next) {}

  std::vector<int> owned_;  // empty in a copy placed by clone_into
  const int* data_ = nullptr;
  std::size_t size_ = 0;
  Then then_ = Then::kStop;
  std::size_t next_ = 0;
};

}  // namespace interleave
