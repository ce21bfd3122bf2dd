// Benchmark of the linearizability checker on recorded-style histories, built deterministically
// (fixed seed): 4 actors run operations back to back against a linearizable map; each operation
// takes effect at a random point between its invocation and its response, so every history built
// here is linearizable. Prints the time and the search states of each check.
//
//   build/bench/linearizability_bench
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "scenarios/history.h"
#include "scenarios/linearizability.h"

namespace {

using interleave::scenarios::History;
using interleave::scenarios::LinearizabilityResult;
using interleave::scenarios::Op;
using interleave::scenarios::OpKind;
using interleave::store::Status;

struct Shape {
  int ops;          // operations in all
  int keys;         // spread uniformly over k0..k{keys-1}
  int max_latency;  // an operation lasts 1..max_latency time units
  int max_gap;      // an actor waits 0..max_gap units between operations
};

// One operation in real (simulated) time, before the clock is made logical.
struct Timed {
  Op op;
  std::uint64_t invoke, effect, response;
};

// Applies `t` to `model` at its effect time and records its result.
void apply(Timed& t, std::map<std::string, std::int64_t>& model, std::mt19937_64& rng) {
  Op& op = t.op;
  const auto it = model.find(op.key);
  switch (op.kind) {
    case OpKind::kPut:
      op.input = std::to_string(rng() % 1000);
      model[op.key] = std::stoll(op.input);
      break;
    case OpKind::kGet:
      op.status = it == model.end() ? Status::not_found() : Status::ok_status();
      op.output = it == model.end() ? "" : std::to_string(it->second);
      break;
    case OpKind::kDel:
      model.erase(op.key);
      break;
    case OpKind::kIncrement:
      op.input = "1";
      op.output = std::to_string(++model[op.key]);
      break;
    case OpKind::kCall:  // build() makes none
      break;
  }
}

// A linearizable history of `shape` from 4 actors; the logical clock numbers the invocations and
// responses in real-time order, 1, 2, 3, ...
History build(const Shape& shape, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Timed> ops;
  std::uint64_t next_free[4] = {0, 0, 0, 0};
  for (int i = 0; i < shape.ops; ++i) {
    const int actor = static_cast<int>(std::min_element(next_free, next_free + 4) - next_free);
    Timed t;
    t.op.actor = actor;
    const int dice = static_cast<int>(rng() % 10);  // 3 put, 4 get, 1 del, 2 increment
    t.op.kind = dice < 3   ? OpKind::kPut
                : dice < 7 ? OpKind::kGet
                : dice < 8 ? OpKind::kDel
                           : OpKind::kIncrement;
    t.op.key = "k" + std::to_string(rng() % static_cast<std::uint64_t>(shape.keys));
    // Times are multiples of 8 plus the actor, so no two events of different actors tie.
    t.invoke = next_free[actor] * 8 + static_cast<std::uint64_t>(actor);
    const std::uint64_t latency = 1 + rng() % static_cast<std::uint64_t>(shape.max_latency);
    t.response = t.invoke + latency * 8;
    t.effect = t.invoke + 1 + rng() % (latency * 8 - 1);
    next_free[actor] = t.response / 8 + 1 + rng() % static_cast<std::uint64_t>(shape.max_gap + 1);
    ops.push_back(t);
  }
  std::vector<Timed*> by_effect;
  for (Timed& t : ops) by_effect.push_back(&t);
  std::sort(by_effect.begin(), by_effect.end(),
            [](const Timed* a, const Timed* b) { return a->effect < b->effect; });
  std::map<std::string, std::int64_t> model;
  for (Timed* t : by_effect) apply(*t, model, rng);
  std::vector<std::uint64_t> times;
  for (const Timed& t : ops) times.insert(times.end(), {t.invoke, t.response});
  std::sort(times.begin(), times.end());
  const auto logical = [&](std::uint64_t real) {
    return static_cast<std::uint64_t>(std::lower_bound(times.begin(), times.end(), real) -
                                      times.begin()) +
           1;
  };
  std::sort(ops.begin(), ops.end(),
            [](const Timed& a, const Timed& b) { return a.invoke < b.invoke; });
  History h;
  for (Timed& t : ops) {
    t.op.invoked_at = logical(t.invoke);
    t.op.returned_at = logical(t.response);
    h.ops.push_back(std::move(t.op));
  }
  return h;
}

// Checks `h` and prints one line; returns false if the verdict is not `expect`.
bool run(const char* name, const History& h, bool expect) {
  const auto start = std::chrono::steady_clock::now();
  const LinearizabilityResult r = interleave::scenarios::check_linearizable(h);
  const std::chrono::duration<double, std::milli> ms = std::chrono::steady_clock::now() - start;
  std::printf("%-44s %6zu ops  %10.1f ms  %10llu states  %s\n", name, h.ops.size(), ms.count(),
              static_cast<unsigned long long>(r.states_explored),
              r.linearizable ? "linearizable" : (r.stale_read ? "stale read" : "NOT linearizable"));
  if (r.linearizable != expect) std::printf("unexpected verdict: %s\n", r.message.c_str());
  return r.linearizable == expect;
}

// Makes the last get that read a value return the key's first put value instead (a stale read).
void inject_stale_read(History& h) {
  const auto first_put =
      std::find_if(h.ops.begin(), h.ops.end(), [](const Op& o) { return o.kind == OpKind::kPut; });
  for (auto it = h.ops.rbegin(); it != h.ops.rend(); ++it) {
    if (it->kind == OpKind::kGet && it->status.ok() && it->output != first_put->input) {
      it->output = first_put->input;
      return;
    }
  }
}

}  // namespace

int main() {
  bool ok = true;
  ok &= run("10,000 ops, 100 keys, 4 actors", build({10000, 100, 100, 20}, 1), true);
  const History single = build({2000, 1, 200, 10}, 2);
  ok &= run("2,000 ops, 1 key, 4 actors, heavy overlap", single, true);
  History stale = single;
  inject_stale_read(stale);
  ok &= run("the same with a stale read near the end", stale, false);
  return ok ? 0 : 1;
}
