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
  bool begin_execution(const ExecutionStart& start) override {
    rng_ = Rng(start.seed);
    return true;
  }
  int pick(const DecisionPoint& point) override {
    return point.runnable[rng_.below(point.runnable.size())];
  }

 private:
  Rng rng_{0};
};

}  // namespace

std::unique_ptr<Strategy> make_random_strategy() { return std::make_unique<RandomStrategy>(); }

extern const StrategyInfo kRandomStrategyInfo{
    .name = "random",
    .summary = "uniform choice among runnable actors at every yield point",
    .check = [](const StrategyOptions& o) -> std::optional<std::string> {
      if (o.depth || o.preemption_bound)
        return "random takes neither --depth nor --preemption-bound";
      return std::nullopt;
    },
    .make = [](const StrategyOptions&) { return make_random_strategy(); },
};

}  // namespace interleave
