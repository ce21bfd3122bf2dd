#include "scenarios/linearizability.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <optional>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "fmt/format.h"
#include "scenarios/linearizability_report.h"

namespace interleave::scenarios {
namespace {

constexpr int kAbsent = -1;  // the key has no value
constexpr std::uint64_t kNever = ~std::uint64_t{0};

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::uint64_t mix(std::uint64_t x) {  // splitmix64 finalizer
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The values one key takes during the search, interned: a state is kAbsent or an id here, so equal
// ids mean equal text.
class Values {
 public:
  int intern(const std::string& text) {
    const auto [it, added] = ids_.try_emplace(text, static_cast<int>(texts_.size()));
    if (added) texts_.push_back(text);
    return it->second;
  }
  // The value as an increment sees it: absent counts as 0; nullopt when not an integer.
  std::optional<std::int64_t> as_int(int id) const {
    return id == kAbsent ? 0 : parse_int(texts_[id]);
  }
  std::string describe(int id) const { return id == kAbsent ? "absent" : summarize(texts_[id]); }

 private:
  std::unordered_map<std::string, int> ids_;
  std::vector<std::string> texts_;
};

// The visited (linearized set, state) pairs. Each record in the arena is [hash, state, words...];
// the set holds record offsets.
class Memo {
 public:
  // Starts small: most histories (one execution's) have a handful of operations per key.
  explicit Memo(std::size_t words) : seen_(64, Hash{&arena_}, Eq{&arena_, words}) {}
  Memo(const Memo&) = delete;  // the set's functors point at arena_
  Memo& operator=(const Memo&) = delete;
  // Adds the pair; false if it was already there.
  bool insert(std::uint64_t hash, int state, const std::vector<std::uint64_t>& bits) {
    const std::size_t at = arena_.size();
    arena_.insert(arena_.end(), {hash ^ mix(state), static_cast<std::uint64_t>(state)});
    arena_.insert(arena_.end(), bits.begin(), bits.end());
    if (seen_.insert(at).second) return true;
    arena_.resize(at);
    return false;
  }
  std::uint64_t size() const { return seen_.size(); }

 private:
  struct Hash {
    const std::vector<std::uint64_t>* arena;
    std::size_t operator()(std::size_t at) const { return (*arena)[at]; }
  };
  struct Eq {
    const std::vector<std::uint64_t>* arena;
    std::size_t words;
    bool operator()(std::size_t a, std::size_t b) const {
      return std::equal(arena->data() + a, arena->data() + a + words + 2, arena->data() + b);
    }
  };
  std::vector<std::uint64_t> arena_;
  std::unordered_set<std::size_t, Hash, Eq> seen_;
};

// One operation as the search sees it.
struct SearchOp {
  const Op* op = nullptr;
  bool required = true;   // completed: must be linearized before its response
  bool may_skip = false;  // a failed or pending write: may not have taken effect
  int value = kAbsent;    // put: the input; ok get / ok increment: the output (interned)
  std::optional<std::int64_t> delta, result;  // increment: the input; if ok, the output
  int call = 0, ret = 0;                      // its entries in the event list
};

// Whether the search must consider `op` at all: a get that is pending or observed no value (io
// error, invalid argument) constrains nothing.
bool constrains(const Op& op) {
  if (op.kind != OpKind::kGet) return true;
  return op.returned_at != 0 &&
         (op.status.ok() || op.status.is_not_found() || op.status.is_corruption());
}

// Wing-Gong search with just-in-time linearization over one key's subhistory (Lowe 2017, §3):
// walk the call/return entries in time order; at a call, linearize the operation if the model
// allows it and the resulting (set, state) pair is new, then restart from the first entry; at a
// return, the operation could not be linearized in time: undo the last choice and try the next.
class KeySearch {
 public:
  explicit KeySearch(const std::vector<const Op*>& ops);
  bool run();  // true iff a linearization exists
  std::uint64_t states() const { return memo_.size(); }
  // After a failed run: the deepest partial linearization and the operation it could not pass.
  std::size_t best_depth() const { return best_depth_; }
  std::string best_state() const { return values_.describe(best_state_); }
  const Op* blocked() const { return blocked_; }

 private:
  struct Entry {  // a call or return event; linked in time order while not linearized
    int op;
    bool call;
    int prev = -1, next = -1;
  };
  struct Frame {
    int op, alt, state;
  };
  int next_states(const SearchOp& s, std::array<int, 2>& out);
  bool try_linearize(int op, int first_alt);
  void undo();
  // Adds or removes `op` from the linearized set.
  void flip(int op) {
    const std::uint64_t bit = std::uint64_t{1} << (op % 64);
    bits_[op / 64] ^= bit;
    hash_ ^= mix(static_cast<std::uint64_t>(op) + 0x51ed2701);
    if (ops_[op].required) (bits_[op / 64] & bit) != 0 ? --required_left_ : ++required_left_;
  }
  void unlink(const Entry& x) {
    entries_[x.prev].next = x.next;
    if (x.next >= 0) entries_[x.next].prev = x.prev;
  }
  void relink(int e) {
    entries_[entries_[e].prev].next = e;
    if (entries_[e].next >= 0) entries_[entries_[e].next].prev = e;
  }

  Values values_;
  std::vector<SearchOp> ops_;
  std::vector<Entry> entries_;  // [0] is the head sentinel
  std::vector<std::uint64_t> bits_;
  std::uint64_t hash_ = 0;
  Memo memo_;
  std::vector<Frame> stack_;
  int state_ = kAbsent;
  std::size_t required_left_ = 0;
  std::size_t best_depth_ = 0;
  int best_state_ = kAbsent;
  const Op* blocked_ = nullptr;
};

KeySearch::KeySearch(const std::vector<const Op*>& ops)
    : bits_((ops.size() + 63) / 64), memo_(bits_.size()) {
  std::vector<std::tuple<std::uint64_t, int, int>> events;  // (time, return?, op)
  for (const Op* op : ops) {
    if (!constrains(*op)) continue;
    SearchOp s;
    s.op = op;
    s.required = op->returned_at != 0;
    s.may_skip = op->kind != OpKind::kGet && (!s.required || !op->status.ok());
    if (op->kind == OpKind::kPut) s.value = values_.intern(op->input);
    if (op->kind == OpKind::kGet && op->status.ok()) s.value = values_.intern(op->output);
    if (op->kind == OpKind::kIncrement) s.delta = parse_int(op->input);
    if (op->kind == OpKind::kIncrement && !s.may_skip) s.result = parse_int(op->output);
    if (s.result) s.value = values_.intern(std::to_string(*s.result));
    const int i = static_cast<int>(ops_.size());
    events.emplace_back(op->invoked_at, 0, i);
    events.emplace_back(s.required ? op->returned_at : kNever, 1, i);
    required_left_ += s.required ? 1 : 0;
    ops_.push_back(s);
  }
  std::sort(events.begin(), events.end());  // at equal times calls come first: they overlap
  entries_.push_back({-1, false});
  for (const auto& [time, is_return, op] : events) {
    const int e = static_cast<int>(entries_.size());
    (is_return ? ops_[op].ret : ops_[op].call) = e;
    entries_.push_back({op, is_return == 0, e - 1, -1});
    entries_[e - 1].next = e;
  }
}

// The states `s` may leave when applied in state_ (0, 1 or 2 of them); 0: it cannot be applied.
int KeySearch::next_states(const SearchOp& s, std::array<int, 2>& out) {
  const Op& op = *s.op;
  int n = 0;
  if (op.kind == OpKind::kGet) {
    const bool matches = op.status.ok() ? (state_ != kAbsent && state_ == s.value)
                                        : (op.status.is_not_found() && state_ == kAbsent);
    if (matches) out[n++] = state_;
    return n;
  }
  if (op.kind == OpKind::kPut) out[n++] = s.value;
  if (op.kind == OpKind::kDel) out[n++] = kAbsent;
  if (op.kind == OpKind::kIncrement) {
    const std::optional<std::int64_t> old = values_.as_int(state_);
    std::int64_t sum = 0;
    const bool ok = old && s.delta && !__builtin_add_overflow(*old, *s.delta, &sum);
    if (ok && s.result && sum == *s.result) out[n++] = s.value;
    if (ok && s.may_skip) out[n++] = values_.intern(std::to_string(sum));
  }
  if (s.may_skip && (n == 0 || out[0] != state_)) out[n++] = state_;
  return n;
}

// Linearizes `op` now with the first of its outcomes from `first_alt` on that leads to an unvisited
// (set, state) pair; false if none does.
bool KeySearch::try_linearize(int op, int first_alt) {
  std::array<int, 2> next{};
  const int n = next_states(ops_[op], next);
  flip(op);
  for (int alt = first_alt; alt < n; ++alt) {
    if (!memo_.insert(hash_, next[alt], bits_)) continue;
    stack_.push_back({op, alt, state_});
    state_ = next[alt];
    unlink(entries_[ops_[op].call]);
    unlink(entries_[ops_[op].ret]);
    return true;
  }
  flip(op);
  return false;
}

// Takes back the last linearized operation.
void KeySearch::undo() {
  const Frame& f = stack_.back();
  relink(ops_[f.op].ret);
  relink(ops_[f.op].call);
  flip(f.op);
  state_ = f.state;
  stack_.pop_back();
}

bool KeySearch::run() {
  int entry = entries_[0].next;
  int first_alt = 0;
  while (required_left_ > 0) {
    // Invariant: a required op's return entry stays linked until it is linearized, so the walk
    // meets one before running off the list.
    const Entry& e = entries_[entry];
    if (e.call) {
      entry = try_linearize(e.op, first_alt) ? entries_[0].next : e.next;
      first_alt = 0;
      continue;
    }
    if (blocked_ == nullptr || stack_.size() > best_depth_) {
      best_depth_ = stack_.size();
      best_state_ = state_;
      blocked_ = ops_[e.op].op;
    }
    if (stack_.empty()) return false;
    const Frame f = stack_.back();
    undo();
    entry = ops_[f.op].call;
    first_alt = f.alt + 1;
  }
  return true;
}

// Checks one key; fills `result` when it has no linearization.
bool check_key(const std::string& key, std::vector<const Op*> ops, LinearizabilityResult& result) {
  std::stable_sort(ops.begin(), ops.end(),
                   [](const Op* a, const Op* b) { return a->invoked_at < b->invoked_at; });
  const bool corrupt = std::any_of(ops.begin(), ops.end(), [](const Op* o) {
    return o->kind == OpKind::kGet && o->returned_at != 0 && o->status.is_corruption();
  });
  KeySearch search(ops);
  const bool ok = !corrupt && search.run();
  result.states_explored += search.states();
  if (ok) return true;
  result.linearizable = false;
  result.key = key;
  const Op* culprit = nullptr;
  std::string why = detail::explain(ops, &culprit, &result.stale_read);
  std::string where;
  if (!corrupt && search.blocked() != nullptr) {
    where = fmt::format(
        " The longest order consistent with real time places {} of them (the value "
        "then {}); after it {} cannot take effect.",
        search.best_depth(), search.best_state(), search.blocked()->describe());
    if (culprit == nullptr) culprit = search.blocked();
  }
  result.message = fmt::format(
      "key {} ({} operations) is not linearizable: {}{} ({} states explored)", key, ops.size(),
      why.empty() ? "no order of them consistent with real time explains their results." : why,
      where, result.states_explored);
  result.timeline = detail::timeline(ops, culprit);
  result.ops = std::move(ops);
  return false;
}

}  // namespace

LinearizabilityResult check_linearizable(const History& history) {
  std::map<std::string, std::vector<const Op*>> by_key;
  for (const Op& op : history.ops) by_key[op.key].push_back(&op);
  LinearizabilityResult result;
  for (auto& [key, ops] : by_key) {
    if (!check_key(key, std::move(ops), result)) break;
  }
  return result;
}

}  // namespace interleave::scenarios
