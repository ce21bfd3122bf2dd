// PCT: Probabilistic Concurrency Testing (Burckhardt, Kothari, Musuvathi, Nagarakatte, "A
// randomized scheduler with probabilistic guarantees of finding bugs", ASPLOS 2010).
//
// Guarantee: for a program of n actors and at most k steps, each execution finds a given bug of
// depth d (d ordering constraints) with probability at least 1/(n * k^(d-1)).
//
// Each actor gets a distinct random initial priority in [d, d+n); d-1 change points are drawn in
// [0, k). The highest-priority runnable actor always runs; when the execution reaches the i-th
// change point the running actor's priority drops to i (below every initial priority).
//
// Crashes (--crashes): one crash step drawn uniformly in [0, k] from a stream of its own, so a
// given crash point after a depth-d bug's schedule is hit with probability at least
// 1/(n * k^(d-1) * (k+1)) per execution.
#include <algorithm>
#include <array>
#include <optional>

#include "fmt/format.h"
#include "harness/execution.h"
#include "harness/rng.h"
#include "harness/strategies/strategy.h"

namespace interleave {
namespace {

class PctStrategy final : public Strategy {
 public:
  PctStrategy(int depth, std::uint32_t estimated_steps)
      : depth_(std::clamp(depth, 1, kMaxPctDepth)),
        steps_(std::max<std::uint32_t>(estimated_steps, 1)) {}

  bool begin_execution(const ExecutionStart& start) override {
    const int actors = start.actors;
    Rng rng(start.seed);
    for (int i = 0; i < actors; ++i) priority_[i] = depth_ + i;
    for (int i = actors - 1; i > 0; --i) {  // Fisher-Yates with the portable draw
      std::swap(priority_[i], priority_[rng.below(i + 1)]);
    }
    for (int i = 1; i < depth_; ++i) change_points_[i - 1] = rng.below(steps_);
    crash_rng_ = Rng(start.seed ^ 0x63726173685f7074ull);
    crash_at_.reset();
    return true;
  }

  int pick(const DecisionPoint& point) override {
    if (point.current != kNoActor) {
      for (int i = 0; i + 1 < depth_; ++i) {
        // Change point i lowers the running actor to priority i+1 (the i-th lowest).
        if (change_points_[i] == point.step) priority_[point.current] = i + 1;
      }
    }
    if (point.crash != kNoActor) {
      if (!crash_at_) crash_at_ = crash_rng_.below(std::uint64_t{steps_} + 1);
      if (point.step == *crash_at_) {
        // The next crash (--crashes 2+: typically a crash of the recovery) soon after.
        crash_at_ = point.step + 1 + crash_rng_.below(kNextCrashHorizon);
        const std::span<const int> crashes = point.runnable.subspan(point.actors().size());
        return crashes[crash_rng_.below(crashes.size())];
      }
    }
    int best = point.runnable.front();
    for (int actor : point.actors()) {
      if (priority_[actor] > priority_[best]) best = actor;
    }
    return best;
  }

 private:
  int depth_;
  std::uint32_t steps_;
  std::array<int, kMaxActors> priority_{};
  std::array<std::uint64_t, kMaxPctDepth - 1> change_points_{};
  Rng crash_rng_{0};
  std::optional<std::uint64_t> crash_at_;
};

}  // namespace

std::unique_ptr<Strategy> make_pct_strategy(int depth, std::uint32_t estimated_steps) {
  return std::make_unique<PctStrategy>(depth, estimated_steps);
}

extern const StrategyInfo kPctStrategyInfo{
    .name = "pct",
    .summary = "PCT (Burckhardt et al. 2010), bug depth --depth (default 3)",
    .calibrated = true,
    .check = [](const StrategyOptions& o) -> std::optional<std::string> {
      if (o.preemption_bound) return "pct takes no --preemption-bound (dfs does)";
      if (o.depth && (*o.depth < 1 || *o.depth > kMaxPctDepth)) {
        return fmt::format("--depth must be in [1, {}], got {}", kMaxPctDepth, *o.depth);
      }
      return std::nullopt;
    },
    .make =
        [](const StrategyOptions& o) {
          return make_pct_strategy(o.depth.value_or(3), o.estimated_steps);
        },
};

}  // namespace interleave
