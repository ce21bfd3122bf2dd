#include "scenarios/model_check.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <unordered_set>

#include "fmt/format.h"
#include "scenarios/history.h"

namespace interleave::scenarios {
namespace {

constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();

}  // namespace

std::string describe_call(const CallRecord& r) {
  const std::string call = r.call.args.empty() ? r.call.op : r.call.op + " " + r.call.args;
  const std::string who = r.actor == kSetupActor      ? "the setup's"
                          : r.actor == kRecoveryActor ? "after the execution,"
                                                      : fmt::format("actor {}", r.actor);
  if (r.returned_at == 0) return fmt::format("{} {} (did not return)", who, call);
  return fmt::format("{} {} -> \"{}\"", who, call, r.result);
}

namespace {

class Search {
 public:
  explicit Search(const std::vector<CallRecord>& history)
      : h_(history), done_(history.size(), '\0') {}

  bool run(const Model& model) { return extend(model, 0); }
  std::uint64_t states() const { return seen_.size(); }

  const std::vector<std::size_t>& best_prefix() const { return best_prefix_; }
  std::optional<std::size_t> unexplained() const {
    return best_miss_ ? std::optional<std::size_t>(best_miss_->call) : std::nullopt;
  }
  std::string expected() const { return best_miss_ ? best_miss_->expected : std::string(); }

  std::string explain() const {
    std::string prefix;
    for (std::size_t i : best_prefix_)
      prefix += (prefix.empty() ? "" : "; ") + describe_call(h_[i]);
    if (!best_miss_) return "no order of the calls explains the history";
    return fmt::format(
        "no order of the calls explains the history: after {}, {} but the specification gives "
        "\"{}\" there, and no other order consistent with real time explains it either",
        prefix.empty() ? "nothing" : prefix, describe_call(h_[best_miss_->call]),
        best_miss_->expected);
  }

 private:
  struct Miss {
    std::size_t call;
    std::string expected;
  };

  // The earliest return among the returned calls not yet linearized: a call invoked after it
  // cannot go next.
  std::uint64_t frontier() const {
    std::uint64_t earliest = kNever;
    for (std::size_t i = 0; i < h_.size(); ++i) {
      if (!done_[i] && h_[i].returned_at != 0) earliest = std::min(earliest, h_[i].returned_at);
    }
    return earliest;
  }

  bool extend(const Model& model, std::size_t linearized) {
    const std::uint64_t earliest = frontier();
    if (earliest == kNever) return true;  // every returned call is explained
    std::string key(done_.begin(), done_.end());
    key += '\0';
    key += model.state();
    if (!seen_.insert(std::move(key)).second) return false;
    for (std::size_t i = 0; i < h_.size(); ++i) {
      if (done_[i] || h_[i].invoked_at > earliest) continue;
      std::unique_ptr<Model> next = model.clone();
      std::string expected = next->apply(h_[i].call);
      if (expected.size() > kValueCapacity) expected.resize(kValueCapacity);  // as recorded
      if (h_[i].returned_at != 0 && expected != h_[i].result) {
        if (linearized >= best_prefix_.size()) {
          best_prefix_ = order_;
          best_miss_ = Miss{i, expected};
        }
        continue;
      }
      done_[i] = 1;
      order_.push_back(i);
      const bool ok = extend(*next, linearized + 1);
      order_.pop_back();
      done_[i] = 0;
      if (ok) return true;
    }
    // A call that never returned may also never have taken effect.
    for (std::size_t i = 0; i < h_.size(); ++i) {
      if (done_[i] || h_[i].returned_at != 0 || h_[i].invoked_at > earliest) continue;
      done_[i] = 1;
      const bool ok = extend(model, linearized);
      done_[i] = 0;
      if (ok) return true;
    }
    return false;
  }

  const std::vector<CallRecord>& h_;
  std::string done_;  // per call: 1 once linearized (or left out, for a call that never returned)
  std::vector<std::size_t> order_;
  std::vector<std::size_t> best_prefix_;
  std::optional<Miss> best_miss_;
  std::unordered_set<std::string> seen_;
};

}  // namespace

ModelCheckResult check_against_model(const std::vector<CallRecord>& history, const Model& initial) {
  Search search(history);
  ModelCheckResult result;
  result.linearizable = search.run(initial);
  result.states = search.states();
  if (!result.linearizable) {
    result.explained = search.best_prefix();
    result.unexplained = search.unexplained();
    result.expected = search.expected();
    result.message = search.explain();
  }
  return result;
}

}  // namespace interleave::scenarios
