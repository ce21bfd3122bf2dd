// Generated programs over a store's own operations (testing/programs.h): a store with a custom
// operation, move, passes 200 generated programs; a seeded bug in move (it reads and writes in two
// critical sections) is found, and the failing program shrinks to at most 2 actors and 3 calls.
#include <fstream>
#include <map>
#include <mutex>

#include "gtest/gtest.h"
#include "interleave/seam.h"
#include "interleave/testing.h"
#include "interleave/workload.h"

namespace interleave::testing {
namespace {

constexpr const char* kAbsent = "(none)";

// A map with put, get and move (rename a key, returning the value moved), saved to <dir>/state on
// every change. `split_move` is the seeded bug: move reads the value under the lock, lets go of it,
// and writes under it again, so a put of the source in between is lost.
class MoveKv {
 public:
  MoveKv(std::filesystem::path dir, bool split_move)
      : file_(dir / "state"), split_move_(split_move) {
    std::filesystem::create_directories(dir);
    std::ifstream in(file_);
    for (std::string k, v; in >> k >> v;) map_[k] = v;
  }

  std::string put(const std::string& key, const std::string& value) {
    std::lock_guard<Mutex> lock(mu_);
    yield_point("put", Touches::memory("map", key, Access::kWrite));
    map_[key] = value;
    save();
    return "ok";
  }
  std::string get(const std::string& key) {
    std::lock_guard<Mutex> lock(mu_);
    yield_point("get", Touches::memory("map", key, Access::kRead));
    const auto it = map_.find(key);
    return it == map_.end() ? kAbsent : it->second;
  }
  std::string move(const std::string& from, const std::string& to) {
    std::unique_lock<Mutex> lock(mu_);
    yield_point("move.read", Touches::memory("map", from, Access::kRead));
    const auto it = map_.find(from);
    if (it == map_.end()) return kAbsent;
    const std::string value = it->second;
    if (split_move_) {
      lock.unlock();
      yield_point("move.between");
      lock.lock();
    }
    yield_point("move.write", Touches::memory("map", to, Access::kWrite));
    map_.erase(from);
    map_[to] = value;
    save();
    return value;
  }

 private:
  void save() {
    std::ofstream out(file_, std::ios::trunc);
    for (const auto& [k, v] : map_) out << k << ' ' << v << '\n';
  }

  std::filesystem::path file_;
  bool split_move_;
  Mutex mu_{"move_kv.mu"};
  std::map<std::string, std::string> map_;
};

class MoveModel final : public Model {
 public:
  std::unique_ptr<Model> clone() const override { return std::make_unique<MoveModel>(*this); }
  std::string apply(const Call& call) override {
    const std::vector<std::string> w = words(call.args);
    if (call.op == "put") {
      map_[w.at(0)] = w.at(1);
      return "ok";
    }
    const auto it = map_.find(w.at(0));
    if (it == map_.end()) return kAbsent;
    const std::string value = it->second;
    if (call.op == "move") {
      map_.erase(it);
      map_[w.at(1)] = value;
    }
    return value;
  }
  std::string state() const override {
    std::string out;
    for (const auto& [k, v] : map_) out += k + '=' + v + ';';
    return out;
  }

 private:
  std::map<std::string, std::string> map_;
};

std::string key(Rng& rng) { return rng.below(2) == 0 ? "a" : "b"; }

// `model`: the MoveModel as the specification, else the store itself run sequentially.
StoreUnderTest move_kv(bool split_move, bool model) {
  auto w =
      WorkloadOf<MoveKv>("move-kv")
          .open([split_move](const std::filesystem::path& dir) {
            return std::make_unique<MoveKv>(dir, split_move);
          })
          .op(
              "put", [](Rng& rng) { return key(rng) + " " + std::to_string(rng.below(3)); },
              [](MoveKv& s, std::string_view args) {
                const auto w = words(args);
                return s.put(w.at(0), w.at(1));
              })
          .op("get", key, [](MoveKv& s, std::string_view args) { return s.get(std::string(args)); })
          .op(
              "move", [](Rng& rng) { return rng.below(2) == 0 ? std::string("a b") : "b a"; },
              [](MoveKv& s, std::string_view args) {
                const auto w = words(args);
                return s.move(w.at(0), w.at(1));
              })
          .finally({{"get", "a"}, {"get", "b"}});
  if (model) w.model<MoveModel>();
  return {.name = "move-kv", .workload = std::make_shared<const Workload>(w.build())};
}

TEST(Programs, ACorrectStorePassesTwoHundredGeneratedPrograms) {
  const ProgramCheckResult r = check_programs(move_kv(false, true), {.programs = 200});
  EXPECT_TRUE(r.passed) << r.report;
  EXPECT_GE(r.programs, 200);
  EXPECT_NE(r.report.find("pass: 200 generated programs"), std::string::npos) << r.report;
}

TEST(Programs, ASeededBugInTheCustomOperationShrinksToTwoActorsAndThreeCalls) {
  const ProgramCheckResult r = check_programs(move_kv(true, true), {.programs = 200});
  ASSERT_FALSE(r.passed) << r.report;
  ASSERT_TRUE(r.counterexample.has_value()) << r.report;
  EXPECT_LE(r.counterexample->actors.size(), 2u) << r.report;
  EXPECT_LE(r.counterexample->calls(), 3u) << r.report;
  bool moves = false;
  for (const auto& calls : r.counterexample->actors) {
    for (const Call& c : calls) moves |= c.op == "move";
  }
  EXPECT_TRUE(moves) << "the bug is in move: " << r.report;
  // The report has the program, the bug and the interleaving of its shrunk schedule.
  EXPECT_NE(r.report.find("a generated program fails, shrunk to"), std::string::npos) << r.report;
  EXPECT_NE(r.report.find("BUG "), std::string::npos) << r.report;
  EXPECT_NE(r.report.find("move.between"), std::string::npos) << r.report;
  std::cerr << r.report;
}

TEST(Programs, TheStoreRunSequentiallyServesAsItsOwnSpecification) {
  const ProgramCheckResult clean = check_programs(
      move_kv(false, false), {.programs = 40, .explore = {.strategy = "random", .executions = 20}});
  EXPECT_TRUE(clean.passed) << clean.report;
  const ProgramCheckResult broken = check_programs(
      move_kv(true, false), {.programs = 200, .explore = {.strategy = "random", .executions = 20}});
  EXPECT_FALSE(broken.passed) << broken.report;
  ASSERT_TRUE(broken.counterexample.has_value()) << broken.report;
  EXPECT_LE(broken.counterexample->calls(), 3u) << broken.report;
}

TEST(Programs, TheSameSeedGeneratesTheSameCounterexample) {
  const ProgramCheckResult a = check_programs(move_kv(true, true), {.programs = 200, .seed = 7});
  const ProgramCheckResult b = check_programs(move_kv(true, true), {.programs = 200, .seed = 7});
  ASSERT_TRUE(a.counterexample && b.counterexample);
  EXPECT_EQ(a.counterexample->to_string(), b.counterexample->to_string());
  EXPECT_EQ(a.programs, b.programs);
}

}  // namespace
}  // namespace interleave::testing
