// lock-order-inversion (test only): even actors take lock a then b, odd actors b then a. Some
// interleavings deadlock; the harness must report `deadlock` with a replay line.
#include <mutex>

#include "scenarios/registry.h"

namespace interleave::scenarios {
namespace {

class LockOrderInversion final : public Scenario {
 public:
  std::string_view name() const override { return "lock-order-inversion"; }
  std::string_view summary() const override {
    return "test only: two actors take two locks in opposite orders";
  }
  bool test_only() const override { return true; }
  BugKind finds() const override { return BugKind::kDeadlock; }
  Expect expect(store::Variant, Mode) const override { return Expect::kBug; }

  void body(ActorContext& ctx, const Sizes& sizes) const override {
    const bool even = ctx.actor() % 2 == 0;
    for (int i = 0; i < sizes.ops; ++i) {
      std::lock_guard first(ctx.lock(even ? 0 : 1));
      std::lock_guard second(ctx.lock(even ? 1 : 0));
    }
  }

  Verdict check(const CheckInput&) const override { return Verdict::pass(); }
};

}  // namespace

const Scenario& lock_order_inversion_scenario() {
  static const LockOrderInversion scenario;
  return scenario;
}

}  // namespace interleave::scenarios
