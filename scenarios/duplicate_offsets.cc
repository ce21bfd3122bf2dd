// duplicate-offsets: N actors each put K distinct keys; every put must get its own offset and every
// key must read back its own value.
//
// Breaks a store that computes a record's offset from an end pointer (or file size) it read before
// another writer reserved its space: both records land at one offset and one overwrites the other.
#include <algorithm>
#include <map>

#include "fmt/format.h"
#include "scenarios/registry.h"

namespace interleave::scenarios {
namespace {

std::string key_of(int actor, int op) { return fmt::format("k{}.{}", actor, op); }
std::string value_of(int actor, int op) { return fmt::format("value-{}-{}", actor, op); }

class DuplicateOffsets final : public Scenario {
 public:
  std::string_view name() const override { return "duplicate-offsets"; }
  std::string_view summary() const override {
    return "N actors x K puts of distinct keys; every record needs its own offset";
  }
  BugKind finds() const override { return BugKind::kDuplicateOffset; }
  // O_APPEND never shares an offset; otherwise clean only where reserving the end offset excludes
  // every other writer: the mutex in one process, the file lock (with catch-up) across processes.
  Expect expect(store::Variant variant, Mode mode) const override {
    if (mode == Mode::kEventLoop) return event_loop_expectation(variant, false);
    switch (threads_twin(variant)) {
      case store::Variant::kUnlocked:
        return Expect::kBug;
      case store::Variant::kMutex:
        return mode == Mode::kThreads ? Expect::kClean : Expect::kBug;
      case store::Variant::kFlock:
        return mode == Mode::kProcesses ? Expect::kClean : Expect::kBug;
      case store::Variant::kOAppend:
      case store::Variant::kSafe:
        return Expect::kClean;
      default:  // threads_twin() returns no async variant
        break;
    }
    return Expect::kBug;
  }

  void body(ActorContext& ctx, const Sizes& sizes) const override {
    for (int i = 0; i < sizes.ops; ++i) ctx.put(key_of(ctx.actor(), i), value_of(ctx.actor(), i));
  }

  Verdict check(const CheckInput& in) const override {
    std::map<std::uint64_t, const Op*> by_offset;
    for (const Op* op : in.history.of_kind(OpKind::kPut)) {
      if (!op->status.ok()) {
        return Verdict::fail(BugKind::kDuplicateOffset,
                             fmt::format("a put failed: {}", op->describe()));
      }
      auto [it, inserted] = by_offset.emplace(op->offset, op);
      if (!inserted) {
        return Verdict::fail(
            BugKind::kDuplicateOffset,
            fmt::format("two puts wrote at offset {}: {} and {}; each took its offset from an "
                        "end that did not yet count the other's record",
                        op->offset, it->second->describe(), op->describe()));
      }
    }
    if (in.recovered == nullptr) return Verdict::pass();  // the judge reports the corruption
    // Every put had an offset of its own, so a key that does not read back its value was lost some
    // other way (a compaction or recovery that drops a record): say that, not "duplicate offset".
    for (int a = 0; a < in.sizes.actors; ++a) {
      for (int i = 0; i < in.sizes.ops; ++i) {
        const store::GetResult got = in.recovered->get(key_of(a, i));
        if (got.status.ok() && got.value == value_of(a, i)) continue;
        const std::string answer = got.status.ok() ? summarize(got.value) : got.status.to_string();
        const auto put = std::find_if(by_offset.begin(), by_offset.end(), [&](const auto& entry) {
          return entry.second->key == key_of(a, i);
        });
        return Verdict::fail(
            BugKind::kLostUpdate,
            fmt::format("an acknowledged put is lost: {}, but after all puts the store, opened "
                        "afresh, answers get({}) = {} (no other put shared its offset)",
                        put == by_offset.end() ? fmt::format("put({})", key_of(a, i))
                                               : put->second->describe(),
                        key_of(a, i), answer));
      }
    }
    return Verdict::pass();
  }
};

}  // namespace

const Scenario& duplicate_offsets_scenario() {
  static const DuplicateOffsets scenario;
  return scenario;
}

}  // namespace interleave::scenarios
