// Sequential: run the current actor for as long as it can, then the lowest runnable one.
//
// Gives the execution in which actors run one after another, with no preemption. Used to calibrate
// PCT's step estimate and as the reference sequential run.
#include "harness/strategies/strategy.h"

namespace interleave {
namespace {

class SequentialStrategy final : public Strategy {
 public:
  bool begin_execution(const ExecutionStart&) override { return true; }
  int pick(const DecisionPoint& point) override {
    return point.current_runnable ? point.current : point.runnable.front();
  }
};

}  // namespace

std::unique_ptr<Strategy> make_sequential_strategy() {
  return std::make_unique<SequentialStrategy>();
}

}  // namespace interleave
