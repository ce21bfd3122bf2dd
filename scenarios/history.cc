#include "scenarios/history.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <new>

#include "fmt/format.h"
#include "harness/tsan.h"

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
    case OpKind::kCall:
      return "call";
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
  const std::string who = actor == kSetupActor      ? "setup"
                          : actor == kRecoveryActor ? "after the execution"
                                                    : fmt::format("actor {}", actor);
  if (kind == OpKind::kCall) {
    const std::string named = input.empty() ? key : fmt::format("{} {}", key, input);
    if (returned_at == 0) return fmt::format("{} {} (did not return)", who, named);
    return fmt::format("{} {} -> {}", who, named, summarize(output));
  }
  std::string call = fmt::format("{} {}({}", who, to_string(kind), key);
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
    case OpKind::kCall:  // described above
      break;
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

void History::append_after(History later) {
  std::uint64_t end = 0;
  for (const Op& op : ops) end = std::max({end, op.invoked_at, op.returned_at});
  for (Op& op : later.ops) {
    op.invoked_at += end;
    if (op.returned_at != 0) op.returned_at += end;
    ops.push_back(std::move(op));
  }
  truncated |= later.truncated;
}

// Atomic counters, so that the log stays well-formed even when actors run uncontrolled (the stress
// baseline of the benchmarks); under the baton they are never contended.
struct HistoryLog::Header {
  std::atomic<std::uint64_t> clock;
  std::atomic<std::uint32_t> count;
  std::uint32_t capacity;
  std::atomic<std::uint32_t> dropped;
};

struct HistoryLog::Record {
  std::int32_t actor;
  OpKind kind;
  store::Status::Code status;
  std::uint16_t key_size, input_size, output_size, message_size;
  std::int32_t status_errno;
  std::uint64_t status_offset, offset, invoked_at, returned_at;
  std::uint32_t invoked_step, returned_step;
  char key[kKeyCapacity];
  char input[kValueCapacity];
  char output[kValueCapacity];
  char message[160];
};

namespace {

template <std::size_t N>
std::uint16_t copy_into(char (&to)[N], std::string_view from) {
  const std::size_t n = std::min(from.size(), N);
  if (n > 0) std::memcpy(to, from.data(), n);  // data() may be null when n == 0
  return static_cast<std::uint16_t>(n);
}

store::Status status_of(store::Status::Code code, std::uint64_t offset, int sys_errno,
                        std::string message) {
  switch (code) {
    case store::Status::kOk:
      return store::Status();
    case store::Status::kNotFound:
      return store::Status::not_found();
    case store::Status::kCorruption:
      return store::Status::corruption(offset, std::move(message));
    case store::Status::kIoError:
      return store::Status::io_error(std::move(message), sys_errno);
    case store::Status::kInvalidArgument:
      return store::Status::invalid_argument(std::move(message));
  }
  return store::Status::io_error("unknown status code in the history log");
}

}  // namespace

HistoryLog::HistoryLog(std::span<std::byte> scratch)
    : header_(reinterpret_cast<Header*>(scratch.data())),
      records_(reinterpret_cast<Record*>(scratch.data() + sizeof(Header))) {}

void HistoryLog::reset(std::span<std::byte> scratch) {
  auto* header = new (scratch.data()) Header;
  header->clock = 0;
  header->count = 0;
  header->capacity = static_cast<std::uint32_t>((scratch.size() - sizeof(Header)) / sizeof(Record));
  header->dropped = 0;
}

std::size_t HistoryLog::invoke(int actor, OpKind kind, std::string_view key,
                               std::string_view input) {
  interleave::detail::HarnessRegion harness;  // bookkeeping: invisible to TSan in race mode
  // Relaxed: the baton orders recording; a stronger order would also order the actors for TSan.
  const std::uint32_t index = header_->count.fetch_add(1, std::memory_order_relaxed);
  if (index >= header_->capacity) {
    header_->count.fetch_sub(1, std::memory_order_relaxed);
    header_->dropped.fetch_add(1, std::memory_order_relaxed);
    return npos;
  }
  Record& r = records_[index];
  r.actor = actor;
  r.kind = kind;
  r.status = store::Status::kOk;
  r.key_size = copy_into(r.key, key);
  r.input_size = copy_into(r.input, input);
  r.output_size = r.message_size = 0;
  r.status_offset = r.offset = 0;
  r.status_errno = 0;
  r.returned_at = 0;
  r.invoked_step = current_step();
  r.returned_step = 0;
  r.invoked_at = header_->clock.fetch_add(1, std::memory_order_relaxed) + 1;
  return index;
}

void HistoryLog::respond(std::size_t index, const store::Status& status, std::string_view output,
                         std::uint64_t offset) {
  interleave::detail::HarnessRegion harness;
  if (index == npos) return;
  Record& r = records_[index];
  r.status = status.code();
  r.status_offset = status.offset();
  r.status_errno = status.sys_errno();
  r.message_size = copy_into(r.message, status.message());
  r.output_size = copy_into(r.output, output);
  r.offset = offset;
  r.returned_step = current_step();
  r.returned_at = header_->clock.fetch_add(1, std::memory_order_relaxed) + 1;
}

History HistoryLog::read(std::span<const std::byte> scratch) {
  const auto* header = reinterpret_cast<const Header*>(scratch.data());
  const auto* records = reinterpret_cast<const Record*>(scratch.data() + sizeof(Header));
  History history;
  history.truncated = header->dropped > 0;
  for (std::uint32_t i = 0; i < header->count; ++i) {
    const Record& r = records[i];
    Op op;
    op.actor = r.actor;
    op.kind = r.kind;
    op.key.assign(r.key, r.key_size);
    op.input.assign(r.input, r.input_size);
    op.output.assign(r.output, r.output_size);
    op.status = status_of(r.status, r.status_offset, r.status_errno,
                          std::string(r.message, r.message_size));
    op.offset = r.offset;
    op.invoked_at = r.invoked_at;
    op.returned_at = r.returned_at;
    op.invoked_step = r.invoked_step;
    op.returned_step = r.returned_step;
    history.ops.push_back(std::move(op));
  }
  return history;
}

store::PutResult ActorContext::put(std::string_view key, std::string_view value) {
  const std::size_t index = log_.invoke(actor_, OpKind::kPut, key, value);
  store::PutResult result = store_->put(key, value);
  log_.respond(index, result.status, {}, result.offset);
  return result;
}

store::GetResult ActorContext::get(std::string_view key) {
  const std::size_t index = log_.invoke(actor_, OpKind::kGet, key, {});
  store::GetResult result = store_->get(key);
  log_.respond(index, result.status, result.value, result.offset);
  return result;
}

store::Status ActorContext::del(std::string_view key) {
  const std::size_t index = log_.invoke(actor_, OpKind::kDel, key, {});
  store::Status status = store_->del(key);
  log_.respond(index, status, {}, 0);
  return status;
}

store::IncrementResult ActorContext::increment(std::string_view key, std::int64_t delta) {
  const std::size_t index = log_.invoke(actor_, OpKind::kIncrement, key, std::to_string(delta));
  store::IncrementResult result = store_->increment(key, delta);
  log_.respond(index, result.status,
               result.status.ok() ? std::to_string(result.value) : std::string(), result.offset);
  return result;
}

std::string ActorContext::call(const Call& call) {
  const Workload::Operation* op = workload_->find(call.op);
  const std::size_t index = log_.invoke(actor_, OpKind::kCall, call.op, call.args);
  std::string result = op->run(*subject_, call.args);
  log_.respond(index, store::Status(), result, 0);
  return result;
}

}  // namespace interleave::scenarios
