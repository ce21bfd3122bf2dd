// Bytes: every real scheduling choice is read from a fuzzer's input, one byte per choice.
//
// No search guarantee of its own: the bytes come from libFuzzer, which keeps the inputs that reach
// new coverage (fuzz/interleaving_coverage.h turns new orderings into coverage) and mutates them.
// What this strategy guarantees is the mapping: the same bytes give the same decisions, every run,
// in every deployment mode, so a saved input reproduces its execution.
//
// Contract of pick():
//  - one runnable actor: returns it and consumes nothing (a forced step is not a choice, so a byte
//    is never wasted on it and a mutation of byte i always changes choice i);
//  - several: returns runnable[byte % runnable.size()] and consumes one byte;
//  - no bytes left: returns the lowest runnable actor (the execution finishes without further
//    preemptions beyond what blocking forces).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "harness/strategies/strategy.h"

namespace interleave::fuzz {

class BytesStrategy final : public Strategy {
 public:
  // Reads `bytes`, which must outlive every use of this object.
  explicit BytesStrategy(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  bool begin_execution(const ExecutionStart&) override {
    next_ = 0;
    return true;
  }

  int pick(const DecisionPoint& point) override {
    if (point.runnable.size() == 1) return point.runnable[0];
    if (next_ >= bytes_.size()) return point.runnable[0];
    return point.runnable[bytes_[next_++] % point.runnable.size()];
  }

  // Bytes consumed so far.
  std::size_t consumed() const { return next_; }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t next_ = 0;
};

}  // namespace interleave::fuzz
