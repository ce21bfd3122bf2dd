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

#include "harness/strategy.h"

namespace interleave::fuzz {

class BytesStrategy final : public Strategy {
 public:
  // Reads `bytes`, which must outlive every use of this object (copies made by clone_into() hold
  // their own copy of the bytes).
  explicit BytesStrategy(std::span<const std::uint8_t> bytes)
      : data_(bytes.data()), size_(bytes.size()) {}

  std::string_view name() const override { return "bytes"; }
  void begin_execution(std::uint64_t, int) override { next_ = 0; }

  int pick(const DecisionPoint& point) override {
    if (point.runnable.size() == 1) return point.runnable[0];
    if (next_ >= size_) return point.runnable[0];
    return point.runnable[data_[next_++] % point.runnable.size()];
  }

  // Bytes consumed so far (by this object; the engine decides through a copy).
  std::size_t consumed() const { return next_; }

  // The copy keeps its bytes in `storage` right after itself, so it holds no pointer outside
  // `storage` and works in every process that maps it.
  Strategy* clone_into(std::span<std::byte> storage) const override {
    const std::size_t bytes = sizeof(BytesStrategy) + size_;
    if (storage.size() < bytes) return nullptr;
    std::uint8_t* copied = reinterpret_cast<std::uint8_t*>(storage.data() + sizeof(BytesStrategy));
    if (size_ > 0) std::memcpy(copied, data_, size_);
    auto* copy = new (storage.data()) BytesStrategy(std::span<const std::uint8_t>(copied, size_));
    copy->next_ = next_;
    return copy;
  }

 private:
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t next_ = 0;
};

}  // namespace interleave::fuzz
