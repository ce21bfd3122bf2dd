#include "seg_kv_interleave.h"

#include <map>
#include <string>

#include "interleave/workload.h"
#include "seg_kv.h"

namespace seg_kv {
namespace {

constexpr const char* kAbsent = "(none)";

// What a correct seg_kv returns: a map, with compaction changing nothing a caller can see.
class MapModel final : public interleave::Model {
 public:
  std::unique_ptr<interleave::Model> clone() const override {
    return std::make_unique<MapModel>(*this);
  }
  std::string apply(const interleave::Call& call) override {
    const std::vector<std::string> args = interleave::words(call.args);
    if (call.op == "put") {
      map_[args.at(0)] = args.at(1);
      return "ok";
    }
    if (call.op == "get") {
      const auto it = map_.find(args.at(0));
      return it == map_.end() ? kAbsent : it->second;
    }
    return "ok";  // compact
  }
  std::string state() const override {
    std::string out;
    for (const auto& [key, value] : map_) out += key + '=' + value + ';';
    return out;
  }

 private:
  std::map<std::string, std::string> map_;
};

// Generated programs draw keys a and b and values 1 to 9.
std::string key_of(interleave::Rng& rng) { return rng.below(2) == 0 ? "a" : "b"; }

}  // namespace

interleave::StoreUnderTest under_test() {
  auto workload =
      interleave::WorkloadOf<SegKv>("seg-kv")
          .open([](const std::filesystem::path& dir) { return seg_kv::open(dir); })
          .op(
              "put",
              [](interleave::Rng& rng) {
                return key_of(rng) + " " + std::to_string(1 + rng.below(9));
              },
              [](SegKv& s, std::string_view args) {
                const std::vector<std::string> w = interleave::words(args);
                s.put(w.at(0), w.at(1));
                return "ok";
              })
          .op("get", key_of,
              [](SegKv& s, std::string_view args) { return s.get(args).value_or(kAbsent); })
          .op("compact", nullptr,
              [](SegKv& s, std::string_view) {
                s.compact();
                return "ok";
              })
          .model<MapModel>()
          .finally({{"get", "a"}, {"get", "b"}})
          .build();
  auto compaction = std::make_shared<interleave::WorkloadScenario>(
      "compaction-under-puts", "a compaction while two puts land", "seg-kv",
      interleave::CallScript::of("compact | put a 1 | put b 1"),
      std::vector<interleave::Call>{{"put", "a 0"}, {"put", "b 0"}});
  // With one put the compaction is correct even in the broken build: the bug needs two.
  auto one_put = std::make_shared<interleave::WorkloadScenario>(
      "compaction-under-one-put", "a compaction while one put lands", "seg-kv",
      interleave::CallScript::of("compact | put a 1"),
      std::vector<interleave::Call>{{"put", "a 0"}, {"put", "b 0"}});
  return {.name = "seg-kv",
          .summary = "a log with an index and a compaction that copies while puts go on",
          .workload = std::make_shared<const interleave::Workload>(std::move(workload)),
          .scenarios = {compaction, one_put},
          .modes = {interleave::Mode::kThreads},
          .executions = 2000};
}

}  // namespace seg_kv
