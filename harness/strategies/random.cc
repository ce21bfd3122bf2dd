// Random walk: at every decision pick uniformly among the runnable actors.
//
// No guarantee beyond "every schedule has non-zero probability"; in practice it finds shallow bugs
// (one or two preemptions) in small scenarios within tens of executions.
//
// Crashes (--crashes): one crash step drawn uniformly in [0, kRandomCrashHorizon) per execution,
// from a stream of its own: a crash point at step s < 128 after a schedule of probability q is hit
// with probability q/128 per execution (strategy.h).
#include <optional>

#include "harness/rng.h"
#include "harness/strategies/strategy.h"

namespace interleave {
namespace {

class RandomStrategy final : public Strategy {
 public:
  bool begin_execution(const ExecutionStart& start) override {
    rng_ = Rng(start.seed);
    crash_rng_ = Rng(start.seed ^ 0x63726173685f7074ull);
    crash_at_.reset();
    return true;
  }
  int pick(const DecisionPoint& point) override {
    if (point.crash != kNoActor) {
      if (!crash_at_) crash_at_ = crash_rng_.below(kRandomCrashHorizon);
      if (point.step == *crash_at_) {
        // The next crash (--crashes 2+: typically a crash of the recovery) soon after.
        crash_at_ = point.step + 1 + crash_rng_.below(kNextCrashHorizon);
        const std::span<const int> crashes = point.runnable.subspan(point.actors().size());
        return crashes[crash_rng_.below(crashes.size())];
      }
    }
    const std::span<const int> actors = point.actors();
    return actors[rng_.below(actors.size())];
  }

 private:
  Rng rng_{0};
  Rng crash_rng_{0};
  std::optional<std::uint64_t> crash_at_;
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
