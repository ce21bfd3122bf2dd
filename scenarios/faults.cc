// Test-only scenarios whose actor 0 dies or hangs halfway through its work, after one put, while
// actor 1 keeps putting: the harness must report `crash` (with the signal or the exception) or
// `hang` (naming the last label) with a replay line, replace the worker, and go on exploring.
#include <csignal>
#include <cstdlib>
#include <stdexcept>

#include "fmt/format.h"
#include "scenarios/registry.h"

namespace interleave::scenarios {
namespace {

enum class Fault { kSegfault, kAbort, kThrow, kSpin };

class FaultScenario final : public Scenario {
 public:
  FaultScenario(Fault fault, std::string_view name, std::string_view summary, BugKind finds)
      : fault_(fault), name_(name), summary_(summary), finds_(finds) {}
  std::string_view name() const override { return name_; }
  std::string_view summary() const override { return summary_; }
  bool test_only() const override { return true; }
  BugKind finds() const override { return finds_; }
  Expect expect(store::Variant, Mode) const override { return Expect::kBug; }

  void body(ActorContext& ctx, const Sizes& sizes) const override {
    for (int i = 0; i < sizes.ops; ++i) {
      ctx.put(fmt::format("k{}.{}", ctx.actor(), i), "v");
      if (ctx.actor() == 0) fail();
    }
  }

  Verdict check(const CheckInput&) const override { return Verdict::pass(); }

 private:
  void fail() const {
    switch (fault_) {
      case Fault::kSegfault:
        std::raise(SIGSEGV);
        break;
      case Fault::kAbort:
        std::abort();
      case Fault::kThrow:
        throw std::runtime_error("injected failure after the first put");
      case Fault::kSpin: {
        [[maybe_unused]] static volatile int sink;
        for (;;) sink = 1;  // no yield point, ever; volatile keeps the loop from being removed
      }
    }
  }

  Fault fault_;
  std::string_view name_;
  std::string_view summary_;
  BugKind finds_;
};

}  // namespace

std::span<const Scenario* const> fault_scenarios() {
  static const FaultScenario segv(Fault::kSegfault, "crash-segv",
                                  "test only: actor 0 segfaults after its first put",
                                  BugKind::kCrash);
  static const FaultScenario abrt(Fault::kAbort, "crash-abort",
                                  "test only: actor 0 aborts after its first put", BugKind::kCrash);
  static const FaultScenario thrw(Fault::kThrow, "crash-throw",
                                  "test only: actor 0 throws after its first put", BugKind::kCrash);
  static const FaultScenario spin(
      Fault::kSpin, "hang-spin",
      "test only: actor 0 spins without a yield point after its first put", BugKind::kHang);
  static const std::array<const Scenario*, 4> all{&segv, &abrt, &thrw, &spin};
  return all;
}

}  // namespace interleave::scenarios
