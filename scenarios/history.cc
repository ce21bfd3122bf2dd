#include "scenarios/history.h"

#include "fmt/format.h"

namespace interleave::scenarios {

std::string_view to_string(OpKind kind) {
  switch (kind) {
    case OpKind::kPut:
      return "put";
    case OpKind::kGet:
      return "get";
    case OpKind::kDel:
      return "del";
    case OpKind::kIncrement:
      return "increment";
  }
  return "?";
}

std::string summarize(std::string_view value) {
  std::string out;
  for (std::size_t i = 0; i < value.size();) {
    std::size_t j = i;
    while (j < value.size() && value[j] == value[i]) ++j;
    const unsigned char c = static_cast<unsigned char>(value[i]);
    const std::string shown =
        (c >= 0x20 && c < 0x7f) ? std::string(1, value[i]) : fmt::format("\\x{:02x}", c);
    out += (j - i > 3) ? fmt::format("{}x{} ", shown, j - i) : std::string();
    if (j - i <= 3) {
      for (std::size_t k = i; k < j; ++k) out += shown;
    }
    i = j;
    if (out.size() > 60) {
      out += "...";
      break;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return fmt::format("\"{}\" ({} bytes)", out, value.size());
}

std::string Op::describe() const {
  std::string call = fmt::format("actor {} {}({}", actor, to_string(kind), key);
  if (kind == OpKind::kPut) call += ", " + summarize(input);
  if (kind == OpKind::kIncrement) call += ", " + input;
  call += ")";
  if (returned_at == 0) return call + " (did not return)";
  if (!status.ok()) return fmt::format("{} -> {}", call, status.to_string());
  switch (kind) {
    case OpKind::kGet:
      return fmt::format("{} -> {} at offset {}", call, summarize(output), offset);
    case OpKind::kIncrement:
      return fmt::format("{} -> {} at offset {}", call, output, offset);
    case OpKind::kPut:
      return fmt::format("{} -> offset {}", call, offset);
    case OpKind::kDel:
      return call + " -> ok";
  }
  return call;
}

std::vector<const Op*> History::of_kind(OpKind kind) const {
  std::vector<const Op*> out;
  for (const Op& op : ops) {
    if (op.kind == kind) out.push_back(&op);
  }
  return out;
}

std::size_t ActorContext::invoke(OpKind kind, std::string_view key, std::string input) {
  Op op;
  op.actor = actor_;
  op.kind = kind;
  op.key = key;
  op.input = std::move(input);
  op.invoked_at = ++history_.clock;
  history_.ops.push_back(std::move(op));
  return history_.ops.size() - 1;
}

void ActorContext::respond(std::size_t index, const store::Status& status, std::string output,
                           std::uint64_t offset) {
  Op& op = history_.ops[index];
  op.status = status;
  op.output = std::move(output);
  op.offset = offset;
  op.returned_at = ++history_.clock;
}

store::PutResult ActorContext::put(std::string_view key, std::string_view value) {
  const std::size_t index = invoke(OpKind::kPut, key, std::string(value));
  store::PutResult result = store_.put(key, value);
  respond(index, result.status, {}, result.offset);
  return result;
}

store::GetResult ActorContext::get(std::string_view key) {
  const std::size_t index = invoke(OpKind::kGet, key, {});
  store::GetResult result = store_.get(key);
  respond(index, result.status, result.value, result.offset);
  return result;
}

store::Status ActorContext::del(std::string_view key) {
  const std::size_t index = invoke(OpKind::kDel, key, {});
  store::Status status = store_.del(key);
  respond(index, status, {}, 0);
  return status;
}

store::IncrementResult ActorContext::increment(std::string_view key, std::int64_t delta) {
  const std::size_t index = invoke(OpKind::kIncrement, key, std::to_string(delta));
  store::IncrementResult result = store_.increment(key, delta);
  respond(index, result.status, result.status.ok() ? std::to_string(result.value) : std::string(),
          result.offset);
  return result;
}

}  // namespace interleave::scenarios
