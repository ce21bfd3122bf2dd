// lost-update: N actors each increment one counter K times; afterwards the counter must be N*K and
// the increments must have returned 1..N*K, each once.
//
// Breaks a store whose increment reads, then writes, without excluding other writers in between:
// two actors read the same value and both write value+1.
#include <algorithm>

#include "fmt/format.h"
#include "scenarios/registry.h"

namespace interleave::scenarios {
namespace {

constexpr std::string_view kKey = "counter";

class LostUpdate final : public Scenario {
 public:
  std::string_view name() const override { return "lost-update"; }
  std::string_view summary() const override {
    return "N actors x K increments of one counter; it must end at N*K";
  }
  BugKind finds() const override { return BugKind::kLostUpdate; }
  // Clean only where every increment's read and write exclude every other actor's: the mutex in
  // one process, the file lock across processes, both in mixed deployments.
  Expect expect(store::Variant variant, Mode mode) const override {
    if (mode == Mode::kEventLoop) return event_loop_expectation(variant, true);
    switch (threads_twin(variant)) {
      case store::Variant::kUnlocked:
      case store::Variant::kOAppend:
        return Expect::kBug;
      case store::Variant::kMutex:
        return mode == Mode::kThreads ? Expect::kClean : Expect::kBug;
      case store::Variant::kFlock:
        return mode == Mode::kProcesses ? Expect::kClean : Expect::kBug;
      case store::Variant::kSafe:
        return Expect::kClean;
      default:  // threads_twin() returns no async variant
        break;
    }
    return Expect::kBug;
  }

  void body(ActorContext& ctx, const Sizes& sizes) const override {
    for (int i = 0; i < sizes.ops; ++i) ctx.increment(kKey);
  }

  Verdict check(const CheckInput& in) const override {
    const std::int64_t total = std::int64_t{in.sizes.actors} * in.sizes.ops;
    const auto increments = in.history.of_kind(OpKind::kIncrement);
    for (const Op* op : increments) {
      if (!op->status.ok()) {
        return Verdict::fail(BugKind::kLostUpdate,
                             fmt::format("an increment was lost: {}", op->describe()));
      }
    }
    // Each increment must have returned a distinct value; two equal results mean two actors read
    // the same old value.
    std::vector<const Op*> sorted = increments;
    std::sort(sorted.begin(), sorted.end(), [](const Op* a, const Op* b) {
      return std::stoll(a->output) < std::stoll(b->output);
    });
    for (std::size_t i = 1; i < sorted.size(); ++i) {
      if (sorted[i]->output == sorted[i - 1]->output) {
        return Verdict::fail(
            BugKind::kLostUpdate,
            fmt::format("two increments both returned {}: {} and {}; one read the counter before "
                        "the other's write was visible and then overwrote it, so one increment "
                        "was lost",
                        sorted[i]->output, sorted[i - 1]->describe(), sorted[i]->describe()));
      }
    }
    if (in.recovered == nullptr) return Verdict::pass();  // the judge reports the corruption
    const store::GetResult final_value = in.recovered->get(kKey);
    if (!final_value.status.ok() || final_value.value != std::to_string(total)) {
      return Verdict::fail(
          BugKind::kLostUpdate,
          fmt::format(
              "after {} increments ({} actors x {}) get(counter) returned {}", total,
              in.sizes.actors, in.sizes.ops,
              final_value.status.ok() ? final_value.value : final_value.status.to_string()));
    }
    return Verdict::pass();
  }
};

}  // namespace

const Scenario& lost_update_scenario() {
  static const LostUpdate scenario;
  return scenario;
}

}  // namespace interleave::scenarios
