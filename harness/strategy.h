// The strategy interface: how the scheduler decides which actor runs next.
//
// A strategy sees only actor ids; it knows nothing about stores or scenarios. The backend calls
// begin_execution() once per execution (through the explorer) and pick() at every decision.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <span>
#include <string_view>

namespace interleave {

inline constexpr int kNoActor = -1;

struct DecisionPoint {
  std::uint32_t step = 0;         // index of this decision within the execution
  int current = kNoActor;         // the actor that reached the yield point (kNoActor at the start)
  bool current_runnable = false;  // false when `current` just blocked or finished
  std::span<const int> runnable;  // ascending actor ids; never empty
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  virtual std::string_view name() const = 0;
  // Prepares one execution of `actors` actors. `seed` is that execution's own seed.
  virtual void begin_execution(std::uint64_t seed, int actors) = 0;
  // Returns one of `point.runnable`, or kNoActor when the strategy cannot decide (a replayed
  // schedule that has run out); any other answer is reported as a divergence by the engine.
  virtual int pick(const DecisionPoint& point) = 0;
  // Copies this strategy, as begin_execution() left it, into `storage` and returns the copy, or
  // nullptr when it does not fit. The engine places the copy in memory every process of the
  // execution shares and decides through it, on whichever actor holds the baton; so the copy must
  // hold no pointer outside `storage` (no heap), and its vtable is valid in forked workers.
  virtual Strategy* clone_into(std::span<std::byte> storage) const = 0;
};

// clone_into() for a strategy that is trivially copyable apart from its vtable.
template <typename T>
T* clone_plain(const T& strategy, std::span<std::byte> storage) {
  if (storage.size() < sizeof(T)) return nullptr;
  return new (storage.data()) T(strategy);
}

// Uniform random choice among the runnable actors at every decision.
std::unique_ptr<Strategy> make_random_strategy();
// PCT with bug depth `depth` (in [1, kMaxPctDepth]) and an estimate of the steps per execution.
inline constexpr int kMaxPctDepth = 16;
std::unique_ptr<Strategy> make_pct_strategy(int depth, std::uint32_t estimated_steps);
// Runs the current actor for as long as it can, then the lowest runnable one: the execution in
// which actors run one after another. Used to calibrate PCT and as a sequential reference.
std::unique_ptr<Strategy> make_sequential_strategy();

}  // namespace interleave
