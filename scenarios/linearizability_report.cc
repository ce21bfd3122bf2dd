#include "scenarios/linearizability_report.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <string_view>

#include "fmt/format.h"
#include "scenarios/linearizability.h"

namespace interleave::scenarios::detail {
namespace {

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Whether `w` may have left `value` as the key's value (failed and pending increments may have
// left anything).
bool may_write(const Op& w, const std::string& value) {
  if (w.kind == OpKind::kPut) return w.input == value;
  if (w.kind != OpKind::kIncrement) return false;
  return w.returned_at == 0 || !w.status.ok() || w.output == value;
}

bool completed_ok(const Op& op) { return op.returned_at != 0 && op.status.ok(); }

// Explains `read` as a stale read, or returns "": every op that may have written its value
// completed before a completed write w2 of another value began, and w2 completed before `read`.
std::string explain_stale(const Op& read, const std::vector<const Op*>& ops) {
  const Op* w1 = nullptr;
  std::uint64_t last_writer = 0;
  for (const Op* w : ops) {
    if (!may_write(*w, read.output)) continue;
    if (w->returned_at == 0) return {};
    last_writer = std::max(last_writer, w->returned_at);
    if (completed_ok(*w) && (w1 == nullptr || w->returned_at > w1->returned_at)) w1 = w;
  }
  if (w1 == nullptr) return {};
  for (const Op* w2 : ops) {
    if (w2->kind == OpKind::kGet || !completed_ok(*w2) || may_write(*w2, read.output)) continue;
    if (w2->invoked_at <= last_writer || w2->returned_at >= read.invoked_at) continue;
    return fmt::format(
        "{} read a stale value: {} had written it (returned at {}), then {} replaced it (from {} "
        "to {}), before the get was invoked at {}.",
        read.describe(), w1->describe(), w1->returned_at, w2->describe(), w2->invoked_at,
        w2->returned_at, read.invoked_at);
  }
  return {};
}

}  // namespace

// The most specific explanation of why `ops` has no linearization; sets *culprit to the op it is
// about (if any) and *stale when it is a stale read.
std::string explain(const std::vector<const Op*>& ops, const Op** culprit, bool* stale) {
  for (const Op* r : ops) {
    if (r->kind != OpKind::kGet || r->returned_at == 0) continue;
    if (r->status.is_corruption()) {
      *culprit = r;
      return r->describe() + ": a map never returns corruption (the record read was torn or bad).";
    }
    if (!r->status.ok()) continue;
    *culprit = r;
    if (std::none_of(ops.begin(), ops.end(), [&](const Op* w) { return may_write(*w, r->output); }))
      return fmt::format("{} returned a value no operation on the key wrote (a torn read).",
                         r->describe());
    std::string s = explain_stale(*r, ops);
    if (!s.empty()) return *stale = true, s;
  }
  *culprit = nullptr;
  // With only positive increments the value only grows, so two equal results are a lost update.
  const bool only_increments = std::all_of(ops.begin(), ops.end(), [](const Op* o) {
    return o->kind == OpKind::kGet ||
           (o->kind == OpKind::kIncrement && parse_int(o->input).value_or(0) > 0);
  });
  std::map<std::string, const Op*> results;  // ok increments by the value they returned
  for (const Op* b : ops) {
    if (!only_increments || b->kind != OpKind::kIncrement || !completed_ok(*b)) continue;
    const auto [a, fresh] = results.emplace(b->output, b);
    if (fresh) continue;
    *culprit = b;
    return fmt::format(
        "two increments both returned {}: {} and {}; one read the value before the other's write "
        "and overwrote it (a lost update).",
        b->output, a->second->describe(), b->describe());
  }
  return {};
}

namespace {

// A value in a few characters: summarize()'s run-length form without quotes and length.
std::string short_value(const std::string& v) {
  if (v.size() <= 8) return v;
  std::string s = summarize(v);
  s = s.substr(1, s.rfind('"') - 1);
  return s.size() <= 12 ? s : s.substr(0, 10) + "..";
}

std::string label(const Op& op) {
  std::string out(op.kind == OpKind::kIncrement ? "inc" : to_string(op.kind));
  if (op.kind == OpKind::kPut) out += " " + short_value(op.input);
  if (op.kind == OpKind::kIncrement) out += " +" + op.input;
  if (op.returned_at == 0) return out + " ?";
  if (!op.status.ok()) return out + " !" + std::string(store::Status::code_name(op.status.code()));
  if (op.kind == OpKind::kGet) out += " " + short_value(op.output);
  if (op.kind == OpKind::kIncrement) out += " =" + op.output;
  return out;
}

// Draws ops[lo, hi) (in invocation order): times are placed left to right, each at least one column
// after the previous and far enough right that every span holds its label.
std::string draw(const std::vector<const Op*>& ops, std::size_t lo, std::size_t hi,
                 const Op* mark) {
  std::map<std::uint64_t, std::size_t> x;
  std::multimap<std::uint64_t, const Op*> returns;
  for (std::size_t i = lo; i < hi; ++i) {
    x[ops[i]->invoked_at] = 0;
    if (ops[i]->returned_at != 0) returns.emplace(ops[i]->returned_at, ops[i]);
    if (ops[i]->returned_at != 0) x[ops[i]->returned_at] = 0;
  }
  std::size_t col = 0;
  for (auto& [time, at] : x) {
    at = col;
    for (auto [it, end] = returns.equal_range(time); it != end; ++it) {
      const std::size_t need = x[it->second->invoked_at] + label(*it->second).size() + 2;
      at = std::max(at, need);
    }
    col = at + 1;
  }
  std::map<int, std::string> rows;
  for (std::size_t i = lo; i < hi; ++i) {
    const Op& op = *ops[i];
    const std::string text = (&op == mark ? "*" : "") + label(op);
    const std::size_t from = x[op.invoked_at];
    const std::size_t to =
        op.returned_at != 0 ? x[op.returned_at] : std::max(col, from + text.size() + 1);
    std::string& row = rows[op.actor];
    row.resize(std::max(row.size(), to + 1), ' ');
    row[from] = '[';
    row.replace(from + 1, to - from - 1, to - from - 1, '-');
    row.replace(from + 1, text.size(), text);
    row[to] = op.returned_at != 0 ? ']' : '>';
  }
  std::string out;
  for (const auto& [actor, row] : rows) {
    // The setup's and the final reads' rows by name (their ids are negative).
    const std::string who = actor == kSetupActor      ? "setup"
                            : actor == kRecoveryActor ? "after"
                                                      : fmt::format("actor {}", actor);
    out += fmt::format("{:<9} {}\n", who, row);
  }
  return out;
}

}  // namespace

std::string timeline(const std::vector<const Op*>& ops, const Op* mark) {
  std::size_t lo = 0, hi = ops.size();
  std::string out = "logical clock ->; [op] spans invocation to response, > never returned";
  out += mark != nullptr ? ", * the operation in question\n" : "\n";
  if (ops.size() > kTimelineOps) {
    const auto at = static_cast<std::size_t>(std::find(ops.begin(), ops.end(), mark) - ops.begin());
    lo = std::min(at >= kTimelineOps * 2 / 3 ? at - kTimelineOps * 2 / 3 : 0,
                  ops.size() - kTimelineOps);
    hi = lo + kTimelineOps;
    out += fmt::format("(operations {}-{} of {})\n", lo + 1, hi, ops.size());
  }
  return out + draw(ops, lo, hi, mark);
}

}  // namespace interleave::scenarios::detail
