// durability: N actors each put K values over two shared keys, then (with --crashes) the
// execution may crash anywhere and recovery must keep every acknowledged put (docs/crashes.md).
//
// Without a crash it is a plain concurrency scenario (clean wherever puts exclude each other).
// With --crashes 1 it is judged by durable linearizability (crash_judge.cc): safe is clean under
// every persistence model; ack-before-sync loses its last acknowledged put under the power-loss
// models (prefix, subset, torn, dirent) and is clean under process; no-dir-sync loses the whole
// file under dirent only. Not a cell of the concurrency matrix: it is the matrix's crash cells
// (durability_expectation()), and scenarios/crash_test.cc asserts them exhaustively.
#include "fmt/format.h"
#include "scenarios/registry.h"

namespace interleave::scenarios {
namespace {

class Durability final : public Scenario {
 public:
  std::string_view name() const override { return "durability"; }
  std::string_view summary() const override {
    return "N actors x K puts over two keys; with --crashes, every acknowledged put must survive";
  }
  bool test_only() const override { return true; }
  BugKind finds() const override { return BugKind::kLostAcknowledgedWrite; }
  // Without crashes: clean where puts exclude each other (safe's locking, and its crash variants;
  // mutex in one process; flock across processes).
  Expect expect(store::Variant variant, Mode mode) const override {
    if (mode == Mode::kEventLoop) return event_loop_expectation(variant, true);
    switch (threads_twin(variant)) {
      case store::Variant::kSafe:
        return Expect::kClean;
      case store::Variant::kMutex:
        return mode == Mode::kThreads ? Expect::kClean : Expect::kBug;
      case store::Variant::kFlock:
        return mode == Mode::kProcesses ? Expect::kClean : Expect::kBug;
      default:
        return Expect::kBug;
    }
  }

  std::vector<std::string> recovery_keys(const Sizes& sizes) const override {
    return sizes.ops > 1 ? std::vector<std::string>{"k0", "k1"} : std::vector<std::string>{"k0"};
  }

  void body(ActorContext& ctx, const Sizes& sizes) const override {
    for (int i = 0; i < sizes.ops; ++i) {
      // Even actors write long values (a record of three writes when written in steps, so that a
      // crash can tear it), odd actors short ones (a record that does not cover a torn long one).
      std::string value = fmt::format("a{}.{}", ctx.actor(), i);
      if (ctx.actor() % 2 == 0) value.append(96, '=');
      ctx.put(fmt::format("k{}", i % 2), value);
    }
  }

  // Nothing of its own: the generic judge checks linearizability and recovery, and after a crash
  // durable linearizability.
  Verdict check(const CheckInput&) const override { return Verdict::pass(); }
};

}  // namespace

Expect durability_expectation(store::Variant variant, Mode, store::Persistence model) {
  switch (variant) {
    case store::Variant::kAckBeforeSync:
      return model == store::Persistence::kProcess ? Expect::kClean : Expect::kBug;
    case store::Variant::kNoDirSync:
      return model == store::Persistence::kDirEntries ? Expect::kBug : Expect::kClean;
    default:
      return Expect::kClean;
  }
}

const Scenario& durability_scenario() {
  static const Durability scenario;
  return scenario;
}

}  // namespace interleave::scenarios
