#include "scenarios/workload_scenario.h"

#include <algorithm>
#include <stdexcept>

#include "fmt/format.h"

namespace interleave::scenarios {

WorkloadScenario::WorkloadScenario(std::string name, std::string summary, std::string workload,
                                   CallScript script, std::vector<Call> setup)
    : name_(std::move(name)),
      summary_(std::move(summary)),
      workload_(std::move(workload)),
      script_(std::move(script)),
      setup_(std::move(setup)) {}

std::optional<Scenario::FixedSizes> WorkloadScenario::fixed_sizes() const {
  FixedSizes fixed{static_cast<int>(script_.actors.size()), 0};
  for (const auto& calls : script_.actors) {
    fixed.ops = std::max(fixed.ops, static_cast<int>(calls.size()));
  }
  return fixed;
}

std::optional<std::string> WorkloadScenario::check_sizes(const Sizes& sizes) const {
  const FixedSizes fixed = *fixed_sizes();
  if (sizes.actors != fixed.actors || sizes.ops != fixed.ops) {
    return fmt::format(
        "scenario {} has {} actors of at most {} calls (its script fixes them), not {} x {}", name_,
        fixed.actors, fixed.ops, sizes.actors, sizes.ops);
  }
  return std::nullopt;
}

namespace {

// A call's text must survive CallScript's text form (and the history's capacities).
std::optional<std::string> check_call_text(const Call& call) {
  const auto bad_char = [](char c) { return c < 0x20 || c > 0x7e || c == '|' || c == ';'; };
  if (call.op.empty() || call.op.size() > kKeyCapacity ||
      std::any_of(call.op.begin(), call.op.end(),
                  [&](char c) { return bad_char(c) || c == ' '; })) {
    return fmt::format(
        "'{}' is not an operation's name (1 to {} printable characters, no space, "
        "'|' or ';')",
        call.op, kKeyCapacity);
  }
  if (call.args.size() > kValueCapacity ||
      std::any_of(call.args.begin(), call.args.end(), bad_char) ||
      (!call.args.empty() && (call.args.front() == ' ' || call.args.back() == ' '))) {
    return fmt::format(
        "the arguments of {} are not up to {} printable characters without '|' "
        "or ';' (nor a space at either end)",
        call.op, kValueCapacity);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> WorkloadScenario::check_calls(const Workload& workload) const {
  if (workload.name != workload_) {
    return fmt::format("it runs on the store {}, not {}", workload_, workload.name);
  }
  if (script_.actors.empty()) return "its script has no actor";
  for (const auto& calls : script_.actors) {
    for (const Call& call : calls) {
      if (auto bad = check_call_text(call)) return bad;
      if (workload.find(call.op) == nullptr) {
        return fmt::format("it calls '{}', which the store {} does not have", call.op,
                           workload.name);
      }
    }
  }
  for (const Call& call : setup_) {
    if (auto bad = check_call_text(call)) return bad;
    if (workload.find(call.op) == nullptr) {
      return fmt::format("its setup calls '{}', which the store {} does not have", call.op,
                         workload.name);
    }
  }
  return std::nullopt;
}

void WorkloadScenario::setup(ActorContext& ctx, const Sizes&) const {
  for (const Call& call : setup_) ctx.call(call);
}

void WorkloadScenario::body(ActorContext& ctx, const Sizes&) const {
  for (const Call& call : script_.actors[static_cast<std::size_t>(ctx.actor())]) ctx.call(call);
}

std::vector<CallRecord> call_records(const History& history) {
  std::vector<CallRecord> out;
  for (const Op& op : history.ops) {
    if (op.kind != OpKind::kCall) continue;
    out.push_back(
        CallRecord{op.actor, Call{op.key, op.input}, op.output, op.invoked_at, op.returned_at});
  }
  return out;
}

namespace {

// A returned call of an actor whose effect, when the call is taken as never having returned (so
// that it may be left out, or placed after everything), makes the whole history explained: the
// evidence that the store lost it.
std::optional<std::size_t> lost_call(std::vector<CallRecord> calls, const Model& spec) {
  for (std::size_t i = 0; i < calls.size(); ++i) {
    if (calls[i].actor < 0 || calls[i].returned_at == 0) continue;
    const std::uint64_t returned = calls[i].returned_at;
    calls[i].returned_at = 0;
    if (check_against_model(calls, spec).linearizable) return i;
    calls[i].returned_at = returned;
  }
  return std::nullopt;
}

std::string call_text(const CallRecord& r) {
  return r.call.args.empty() ? r.call.op : r.call.op + " " + r.call.args;
}

// "the calls in an order that explains the most: a; b; c" (at most 12 named).
std::string explained_order(const std::vector<CallRecord>& calls, const ModelCheckResult& checked) {
  if (checked.explained.empty()) return "no call is explained first";
  std::string out = "the calls in an order that explains the most:";
  std::size_t shown = 0;
  for (std::size_t i : checked.explained) {
    if (++shown > 12) {
      out += fmt::format(" ... ({} more)", checked.explained.size() - 12);
      break;
    }
    out += (shown == 1 ? " " : "; ") + describe_call(calls[i]);
  }
  return out;
}

}  // namespace

Verdict judge_workload(const Workload& workload, const History& history) {
  if (history.truncated) {
    throw std::runtime_error(
        "the history log is full: the execution made more calls than the harness records");
  }
  const std::unique_ptr<Model> spec = workload.specification();
  const std::vector<CallRecord> all = call_records(history);
  std::vector<CallRecord> during;
  for (const CallRecord& r : all) {
    if (r.actor != kRecoveryActor) during.push_back(r);
  }
  const ModelCheckResult checked = check_against_model(during, *spec);
  if (!checked.linearizable) {
    if (!checked.unexplained) {
      return Verdict::fail(BugKind::kNotLinearizable,
                           "no order of the calls explains their results: " + checked.message);
    }
    const CallRecord& odd = during[*checked.unexplained];
    return Verdict::fail(
        BugKind::kNotLinearizable,
        fmt::format("a result no order of the calls explains: {} returned {}, where the "
                    "specification gives {} after the calls before it (and no other order "
                    "consistent with real time explains it either).\n{}",
                    call_text(odd) + (odd.actor >= 0 ? fmt::format(" by actor {}", odd.actor) : ""),
                    summarize(odd.result), summarize(checked.expected),
                    explained_order(during, checked)));
  }
  if (all.size() == during.size()) return Verdict::pass();
  const ModelCheckResult after = check_against_model(all, *spec);
  if (after.linearizable) return Verdict::pass();
  const std::string answered =
      after.unexplained
          ? fmt::format("{} -> {} where the specification gives {}",
                        call_text(all[*after.unexplained]),
                        summarize(all[*after.unexplained].result), summarize(after.expected))
          : std::string("what it answers");
  if (const auto lost = lost_call(all, *spec)) {
    const CallRecord& c = all[*lost];
    return Verdict::fail(
        BugKind::kLostUpdate,
        fmt::format("an acknowledged call is lost: {} by actor {} returned {}, but after the "
                    "execution the store, opened afresh, answers {}. Every result during the "
                    "execution is explained, and every answer after it too if {} never took "
                    "effect.\n{}",
                    call_text(c), c.actor, summarize(c.result), answered, call_text(c),
                    explained_order(all, after)));
  }
  return Verdict::fail(
      BugKind::kNotLinearizable,
      fmt::format("every result during the execution is explained, but not what the store answers "
                  "after it, opened afresh: {}, and no order of the calls explains it.\n{}",
                  answered, explained_order(all, after)));
}

}  // namespace interleave::scenarios
