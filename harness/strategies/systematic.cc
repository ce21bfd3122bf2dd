// Systematic exploration: depth-first search over schedules, plain (optionally preemption-bounded)
// or with dynamic partial-order reduction. The algorithms and their guarantees are stated in
// dfs_strategy.cc and dpor_strategy.cc, which register them as strategies.
//
// Each execution is a prefix of decisions followed by non-preemptive scheduling, so a schedule is
// always a prefix of decisions and the search tree lives on the harness side, between executions.
// The continuation does not know the sleep sets: where it first runs an asleep actor the rest of
// the execution is redundant, and the search takes nothing below that state.
#include "harness/strategies/systematic.h"

#include <algorithm>
#include <bit>
#include <memory>
#include <optional>

#include "harness/execution.h"
#include "harness/strategies/dependence.h"

namespace interleave {
namespace {

struct Sleeper {
  int actor;
  Step step;  // the step it takes at the state where it fell asleep
};

struct Frame {
  std::uint64_t runnable = 0;
  int chosen = kNoActor;
  Step step;                      // the step `chosen` took from here (known after a run)
  std::uint64_t backtrack = 0;    // actors to explore from here
  std::uint64_t done = 0;         // actors explored, or being explored, from here
  std::vector<Sleeper> sleep;     // asleep on entry to this state
  std::vector<Sleeper> explored;  // branches finished here, asleep in later siblings
  int preemptions = 0;            // on the path before this state's choice
};

std::uint64_t bit(int actor) { return std::uint64_t{1} << actor; }

class Search {
 public:
  Search(const SystematicOptions& options, std::vector<int> processes)
      : options_(options), process_(std::move(processes)) {}

  // The decisions of the next schedule to run, or nullopt when the space is exhausted.
  std::optional<std::vector<int>> next(const Trace& trace);

 private:
  int process_of(int actor) const { return process_[actor]; }
  // The crash choice (DecisionPoint::crash) is one past the last actor.
  bool is_crash(int actor) const { return actor >= static_cast<int>(process_.size()); }
  // A crash depends on every step: it must be tried before and after each of them.
  bool independent(const Step& a, const Step& b) const {
    if (is_crash(a.actor) || is_crash(b.actor)) return false;
    return !dependent(a, process_of(a.actor), b, process_of(b.actor));
  }
  std::size_t extend(const Trace& trace);
  std::uint64_t bounded(const Frame& frame, int previous, std::uint64_t candidates) const;
  void add_races(const Trace& trace, std::size_t steps);
  std::uint64_t asleep(const Frame& frame) const;
  bool owned(std::size_t depth, int actor) const;

  const SystematicOptions options_;
  const bool sleep_sets_ = options_.sleep_sets && !options_.preemption_bound;
  const std::vector<int> process_;
  std::vector<Frame> frames_;
  std::size_t prefix_ = 0;  // frames whose choice the last schedule forced
  std::optional<std::size_t> shard_depth_;
};

std::uint64_t Search::asleep(const Frame& frame) const {
  std::uint64_t mask = 0;
  for (const Sleeper& s : frame.sleep) mask |= bit(s.actor);
  return mask;
}

std::uint64_t Search::bounded(const Frame& frame, int previous, std::uint64_t candidates) const {
  if (!options_.preemption_bound) return candidates;
  std::uint64_t allowed = 0;
  for (std::uint64_t rest = candidates; rest != 0; rest &= rest - 1) {
    const int q = std::countr_zero(rest);
    if (frame.preemptions + is_preemption(previous, frame.runnable, q) <=
        *options_.preemption_bound) {
      allowed |= bit(q);
    }
  }
  return allowed;
}

// The shard owning actor `actor`'s subtree at `depth`: subtrees at the first state with a choice
// are dealt out round-robin by the actor's rank among the runnable ones.
bool Search::owned(std::size_t depth, int actor) const {
  if (options_.shard.count <= 1 || !shard_depth_ || depth != *shard_depth_) return true;
  const std::uint64_t below = frames_[depth].runnable & (bit(actor) - 1);
  return static_cast<std::uint32_t>(std::popcount(below)) % options_.shard.count ==
         options_.shard.index;
}

// Adds a frame per step past the forced prefix. The steps past the prefix were chosen without
// sleep sets (non-preemptive continuation); at the first one whose actor was asleep, everything
// below is equivalent to a schedule already explored, so the frames stop there: that state keeps
// only its other choices. Returns the number of steps the search takes from this trace.
std::size_t Search::extend(const Trace& trace) {
  if (!frames_.empty() && prefix_ > 0) frames_[prefix_ - 1].step = trace[prefix_ - 1];
  for (std::size_t k = frames_.size(); k < trace.size(); ++k) {
    Frame frame;
    frame.runnable = trace[k].runnable;
    frame.chosen = trace[k].actor;
    frame.step = trace[k];
    frame.done = bit(frame.chosen);
    const int previous = k == 0 ? kNoActor : trace[k - 1].actor;
    if (k > 0) {
      const Frame& parent = frames_[k - 1];
      frame.preemptions = parent.preemptions + is_preemption(k >= 2 ? trace[k - 2].actor : kNoActor,
                                                             parent.runnable, parent.chosen);
      for (const auto* set : {&parent.sleep, &parent.explored}) {
        for (const Sleeper& s : *set) {
          if (sleep_sets_ && independent(s.step, parent.step)) frame.sleep.push_back(s);
        }
      }
    }
    const bool redundant = (asleep(frame) & bit(frame.chosen)) != 0;
    // DPOR: a crash is tried at every state it is offered in (no race ever reverses into it).
    const std::uint64_t crash = frame.runnable & ~(bit(static_cast<int>(process_.size())) - 1);
    if (!options_.dpor) {
      frame.backtrack = bounded(frame, previous, frame.runnable);
    } else if (redundant) {
      // DPOR starts a fresh state with one enabled actor that is not asleep, if any.
      const std::uint64_t awake = frame.runnable & ~asleep(frame);
      frame.backtrack = awake & (~awake + 1);
    }
    if (options_.dpor) frame.backtrack |= crash;
    if (!shard_depth_ && std::popcount(frame.runnable) > 1) shard_depth_ = k;
    frames_.push_back(std::move(frame));
    if (redundant) return k;
  }
  return trace.size();
}

// Races among the first `steps` steps of `trace`.
void Search::add_races(const Trace& trace, std::size_t steps) {
  const std::size_t n = steps;
  const std::size_t actors = 2 * process_.size() + 1;  // and the crash choices
  std::vector<std::vector<std::uint32_t>> clock(n);    // per step: how many steps of each actor
                                                       // happen before it, itself included
  std::vector<std::vector<std::uint32_t>> actor_clock(actors, std::vector<std::uint32_t>(actors));
  std::vector<std::uint32_t> position(n);  // 1-based index of a step among its actor's steps
  for (std::size_t j = 0; j < n; ++j) {
    const int q = trace[j].actor;
    std::vector<std::uint32_t> c = actor_clock[q];
    const bool mutex = is_mutex_acquisition(trace[j]);
    const bool file_lock = is_file_lock_acquisition(trace[j]);
    std::optional<std::size_t> race;         // the latest dependent step not ordered before q's
    std::optional<std::size_t> acquisition;  // the previous acquisition of the lock q takes
    for (std::size_t i = j; i-- > 0;) {
      if (independent(trace[i], trace[j])) continue;
      const int p = trace[i].actor;
      if (!race && actor_clock[q][p] < position[i]) race = i;
      if (!acquisition && (mutex || file_lock) &&
          (is_mutex_acquisition(trace[i]) || is_file_lock_acquisition(trace[i]))) {
        acquisition = i;
      }
      for (std::size_t a = 0; a < actors; ++a) c[a] = std::max(c[a], clock[i][a]);
    }
    position[j] = actor_clock[q][q] + 1;
    c[q] = position[j];
    clock[j] = c;
    actor_clock[q] = c;
    // Reverse a race where it started: let q run at that state if it could, else every actor.
    const auto reverse = [&](std::size_t i) {
      Frame& frame = frames_[i];
      frame.backtrack |= (frame.runnable & bit(q)) != 0 ? bit(q) : frame.runnable;
    };
    if (mutex || file_lock) {
      // Lock order: an acquisition races with the previous acquisition of the lock, whatever
      // release came between: a lock cannot be taken while another holds it, so the release and
      // this acquisition were never both enabled and do not reorder.
      if (acquisition) reverse(*acquisition);
      // Threads sharing a file descriptor take its flock while a sibling holds it: there the
      // acquisition is enabled beside the holder's steps and races with them as any step does.
      if (file_lock && race && race != acquisition && (frames_[*race].runnable & bit(q)) != 0) {
        reverse(*race);
      }
    } else if (race) {
      reverse(*race);
    }
  }
}

std::optional<std::vector<int>> Search::next(const Trace& trace) {
  const std::size_t steps = extend(trace);
  if (options_.dpor) add_races(trace, steps);
  // A shard explores below the dealing state only inside the subtrees it owns.
  const bool foreign = shard_depth_ && *shard_depth_ < frames_.size() &&
                       !owned(*shard_depth_, frames_[*shard_depth_].chosen);
  for (std::size_t k = frames_.size(); k-- > 0;) {
    if (foreign && k > *shard_depth_) continue;
    Frame& frame = frames_[k];
    const int previous = k == 0 ? kNoActor : frames_[k - 1].chosen;
    std::uint64_t candidates =
        bounded(frame, previous, frame.backtrack & frame.runnable & ~frame.done & ~asleep(frame));
    while (candidates != 0 && !owned(k, std::countr_zero(candidates))) {
      frame.done |= candidates & (~candidates + 1);
      candidates &= candidates - 1;
    }
    if (candidates == 0) continue;
    const int q = std::countr_zero(candidates);
    frame.explored.push_back(Sleeper{frame.chosen, frame.step});
    frame.done |= bit(q);
    frame.chosen = q;
    frames_.resize(k + 1);
    prefix_ = k + 1;
    std::vector<int> decisions;
    for (const Frame& f : frames_) decisions.push_back(f.chosen);
    return decisions;
  }
  return std::nullopt;
}

// The search as a Strategy: each execution replays the next schedule's prefix, then continues
// without preemption; end_execution() computes the schedule after it.
class SystematicStrategy final : public Strategy {
 public:
  explicit SystematicStrategy(SystematicOptions options)
      : options_(std::move(options)),
        bounded_(options_.preemption_bound.has_value() && !options_.dpor),
        bound_(bounded_ ? 0 : -1) {
    restart();
  }

  bool begin_execution(const ExecutionStart&) override {
    cursor_ = 0;
    return !exhausted_;
  }

  int pick(const DecisionPoint& point) override {
    if (cursor_ < decisions_.size()) return decisions_[cursor_++];
    ++cursor_;
    return point.current_runnable ? point.current : point.runnable.front();
  }

  void end_execution(const ExecutionResult& result) override {
    // A trace shorter than the decisions it was given ended early (stopped, or the program did not
    // follow them): the search cannot go on from it.
    if (result.trace.size() < decisions_.size()) {
      exhausted_ = true;
      return;
    }
    if (auto next = search_->next(result.trace)) {
      decisions_ = std::move(*next);
      return;
    }
    if (bounded_ && bound_ < *options_.preemption_bound) {
      ++bound_;  // the next bound starts again from the first schedule
      restart();
      return;
    }
    exhausted_ = true;
  }

 private:
  void restart() {
    SystematicOptions pass = options_;
    if (bounded_) pass.preemption_bound = bound_;
    search_ = std::make_unique<Search>(pass, options_.processes);
    decisions_.clear();
  }

  const SystematicOptions options_;
  const bool bounded_;
  int bound_;
  std::unique_ptr<Search> search_;
  std::vector<int> decisions_;
  std::size_t cursor_ = 0;
  bool exhausted_ = false;
};

}  // namespace

std::unique_ptr<Strategy> make_systematic_strategy(const SystematicOptions& options) {
  return std::make_unique<SystematicStrategy>(options);
}

}  // namespace interleave
