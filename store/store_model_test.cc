// Stateful property test: random sequences of put / get / del / increment / reopen against a
// std::map model, for every variant (single-threaded, uncontrolled: every variant must be a correct
// store when nothing runs concurrently, and recovery must give back exactly what was acknowledged).
// The variants that catch up from the log are also checked with each operation going through one of
// two Store objects on the same file (two processes, one at a time): together they must still
// behave like one map.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <charconv>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/log_store.h"
#include "store/store.h"
#include "store/testutil.h"

namespace interleave::store {
namespace {

using Model = std::map<std::string, std::string>;

// The store under test: one Store object, or two on the same directory used alternately; its files
// on disk, or in memory (store/file.h), which must behave the same.
struct Sut {
  Sut(Variant v, int instances, bool in_memory = false)
      : variant(v), stores(static_cast<std::size_t>(instances)) {
    if (in_memory) {
      static int volumes = 0;
      volume.emplace(std::string(kMemoryPrefix) + "/model-" + std::to_string(++volumes));
    }
    reopen();
  }
  std::filesystem::path path() const {
    return volume ? std::filesystem::path(volume->name()) : dir.path();
  }
  void reopen() {
    for (auto& s : stores) s.reset();
    for (auto& s : stores) {
      OpenResult r = open_store(variant, path());
      RC_ASSERT(r.status.ok());
      RC_ASSERT(!r.recovery.truncated_tail);
      s = std::move(r.store);
    }
  }
  // The Store object the next operation goes through (round robin).
  Store& next() {
    Store& s = *stores[turn];
    turn = (turn + 1) % stores.size();
    return s;
  }

  Variant variant;
  testing::TempDir dir;
  std::optional<MemoryVolume> volume;
  std::vector<std::unique_ptr<Store>> stores;
  std::size_t turn = 0;
};

using Command = rc::state::Command<Model, Sut>;

// A small key set so that operations collide; the long key alone fills more than one write chunk.
rc::Gen<std::string> gen_key() {
  return rc::gen::element<std::string>("a", "b", "counter", std::string(70, 'k'));
}

// Half decimal integers (so increments succeed), half arbitrary bytes of length 0..200.
rc::Gen<std::string> gen_value() {
  return rc::gen::oneOf(rc::gen::map(rc::gen::inRange<std::int64_t>(-1000, 1001),
                                     [](std::int64_t v) { return std::to_string(v); }),
                        rc::gen::mapcat(rc::gen::inRange<std::size_t>(0, 201), [](std::size_t n) {
                          return rc::gen::container<std::string>(n, rc::gen::arbitrary<char>());
                        }));
}

// The model's increment: nullopt when the store must answer invalid_argument.
std::optional<std::int64_t> model_increment(const Model& m, const std::string& key,
                                            std::int64_t delta) {
  std::int64_t old_value = 0;
  auto it = m.find(key);
  if (it != m.end()) {
    const std::string& text = it->second;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), old_value);
    if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  }
  std::int64_t sum = 0;
  if (__builtin_add_overflow(old_value, delta, &sum)) return std::nullopt;
  return sum;
}

struct Put : Command {
  std::string key = *gen_key();
  std::string value = *gen_value();
  void apply(Model& m) const override { m[key] = value; }
  void run(const Model&, Sut& sut) const override {
    PutResult r = sut.next().put(key, value);
    RC_ASSERT(r.status.ok());
  }
  void show(std::ostream& os) const override {
    os << "put(" << key << ", " << value.size() << " bytes)";
  }
};

struct Get : Command {
  std::string key = *gen_key();
  void run(const Model& m, Sut& sut) const override {
    GetResult r = sut.next().get(key);
    auto it = m.find(key);
    if (it == m.end()) {
      RC_ASSERT(r.status.code() == Status::kNotFound);
    } else {
      RC_ASSERT(r.status.ok());
      RC_ASSERT(r.value == it->second);
    }
  }
  void show(std::ostream& os) const override { os << "get(" << key << ")"; }
};

struct Del : Command {
  std::string key = *gen_key();
  void apply(Model& m) const override { m.erase(key); }
  void run(const Model&, Sut& sut) const override { RC_ASSERT(sut.next().del(key).ok()); }
  void show(std::ostream& os) const override { os << "del(" << key << ")"; }
};

struct Increment : Command {
  std::string key = *gen_key();
  std::int64_t delta = *rc::gen::inRange<std::int64_t>(-100, 101);
  void apply(Model& m) const override {
    if (auto v = model_increment(m, key, delta)) m[key] = std::to_string(*v);
  }
  void run(const Model& m, Sut& sut) const override {
    IncrementResult r = sut.next().increment(key, delta);
    if (auto v = model_increment(m, key, delta)) {
      RC_ASSERT(r.status.ok());
      RC_ASSERT(r.value == *v);
    } else {
      RC_ASSERT(r.status.code() == Status::kInvalidArgument);
    }
  }
  void show(std::ostream& os) const override { os << "increment(" << key << ", " << delta << ")"; }
};

// Close and open again: recovery must rebuild exactly the model.
struct Reopen : Command {
  void run(const Model&, Sut& sut) const override { sut.reopen(); }
  void show(std::ostream& os) const override { os << "reopen()"; }
};

void check_against_model(Variant variant, int instances = 1, bool in_memory = false) {
  Sut sut(variant, instances, in_memory);
  rc::state::check(Model{}, sut,
                   rc::state::gen::execOneOfWithArgs<Put, Get, Del, Increment, Reopen>());
}

RC_GTEST_PROP(StoreModel, UnlockedStoreBehavesLikeAMap, ()) {
  check_against_model(Variant::kUnlocked);
}

RC_GTEST_PROP(StoreModel, MutexStoreBehavesLikeAMap, ()) { check_against_model(Variant::kMutex); }

RC_GTEST_PROP(StoreModel, OAppendStoreBehavesLikeAMap, ()) {
  check_against_model(Variant::kOAppend);
}

RC_GTEST_PROP(StoreModel, FlockStoreBehavesLikeAMap, ()) { check_against_model(Variant::kFlock); }

RC_GTEST_PROP(StoreModel, SafeStoreBehavesLikeAMap, ()) { check_against_model(Variant::kSafe); }

RC_GTEST_PROP(StoreModel, TwoFlockStoresOnOneFileBehaveLikeOneMap, ()) {
  check_against_model(Variant::kFlock, 2);
}

RC_GTEST_PROP(StoreModel, TwoSafeStoresOnOneFileBehaveLikeOneMap, ()) {
  check_against_model(Variant::kSafe, 2);
}

// The same properties with the files in memory: every variant, and two Store objects on one file
// for the variants that catch up from the log.
RC_GTEST_PROP(StoreModel, EveryStoreBehavesLikeAMapWithItsFilesInMemory, ()) {
  const Variant variant = *rc::gen::elementOf(all_variants());
  check_against_model(variant, policy_of(variant).catch_up ? *rc::gen::inRange(1, 3) : 1, true);
}

// One operation, applied alike to a store on disk and one in memory.
struct Op {
  int kind;  // 0 put, 1 del, 2 increment, 3 reopen
  std::string key;
  std::string value;
};

// The same operations leave byte for byte the same database.bin on disk and in memory, for every
// variant (the in-memory files are a faithful stand-in for fast exploration).
RC_GTEST_PROP(MemoryFiles, TheSameOperationsLeaveTheSameBytesAsOnDisk, ()) {
  const Variant variant = *rc::gen::elementOf(all_variants());
  const auto ops = *rc::gen::container<std::vector<Op>>(
      rc::gen::build<Op>(rc::gen::set(&Op::kind, rc::gen::inRange(0, 4)),
                         rc::gen::set(&Op::key, gen_key()), rc::gen::set(&Op::value, gen_value())));
  Sut disk(variant, 1, false);
  Sut memory(variant, 1, true);
  for (const Op& op : ops) {
    for (Sut* sut : {&disk, &memory}) {
      Store& s = sut->next();
      if (op.kind == 0) s.put(op.key, op.value);
      if (op.kind == 1) s.del(op.key);
      if (op.kind == 2) s.increment(op.key, 1);
      if (op.kind == 3) sut->reopen();
    }
  }
  std::string on_disk;
  std::string in_memory;
  for (auto [sut, out] : {std::pair{&disk, &on_disk}, std::pair{&memory, &in_memory}}) {
    std::unique_ptr<File> file;
    RC_ASSERT(file_system_for(sut->path())->open(sut->path() / kDataFileName, false, &file).ok());
    std::uint64_t size = 0;
    RC_ASSERT(file->size(&size).ok());
    RC_ASSERT(file->read_at(0, size, out).ok());
  }
  RC_ASSERT(on_disk == in_memory);
}

}  // namespace
}  // namespace interleave::store
