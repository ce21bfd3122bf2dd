// Random walk: at every decision pick uniformly among the runnable actors.
//
// No guarantee beyond "every schedule has non-zero probability"; in practice it finds shallow bugs
// (one or two preemptions) in small scenarios within tens of executions.
#include "harness/rng.h"
#include "harness/strategy.h"

namespace interleave {
namespace {

class RandomStrategy final : public Strategy {
 public:
  std::string_view name() const override { return "random"; }
  void begin_execution(std::uint64_t seed, int) override { rng_ = Rng(seed); }
  int pick(const DecisionPoint& point) override {
    return point.runnable[rng_.below(point.runnable.size())];
  }
  Strategy* clone_into(std::span<std::byte> storage) const override {
    return clone_plain(*this, storage);
  }

 private:
  Rng rng_{0};
};

}  // namespace

std::unique_ptr<Strategy> make_random_strategy() { return std::make_unique<RandomStrategy>(); }

}  // namespace interleave
