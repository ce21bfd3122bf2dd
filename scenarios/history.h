// The history of one execution: every store operation's invocation and response, in order.
//
// Actors record into a HistoryLog laid out in the engine's scratch memory, which every process of
// the execution shares; actors run one at a time, so a plain logical clock (incremented at every
// invocation and every response) orders all events. After the execution the harness side reads the
// log back as a History for the oracle. ActorContext is the handle a scenario body uses: it calls
// the store and records.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/seam.h"
#include "scenarios/workload.h"
#include "store/store.h"

namespace interleave::scenarios {

// kCall: an operation of a workload of one's own (scenarios/workload.h); its `key` is the
// operation's name, `input` its arguments and `output` its result.
enum class OpKind : std::uint8_t { kPut, kGet, kDel, kIncrement, kCall };

// The actor id of operations a scenario's setup made, before any actor started.
inline constexpr int kSetupActor = -1;
// The actor id of a workload's final calls, made after the execution on an instance opened afresh.
inline constexpr int kRecoveryActor = -2;
std::string_view to_string(OpKind kind);

struct Op {
  int actor = 0;
  OpKind kind = OpKind::kGet;
  std::string key;
  std::string input;         // put: the value; increment: the delta
  store::Status status;      // the operation's result
  std::string output;        // get: the value read; increment: the new value
  std::uint64_t offset = 0;  // put/increment: where written; get: where read
  std::uint64_t invoked_at = 0;
  std::uint64_t returned_at = 0;    // 0 while the operation has not returned
  std::uint32_t invoked_step = 0;   // steps the execution had taken at the invocation
  std::uint32_t returned_step = 0;  // ... and at the response

  // "actor 1 get(k) -> corruption at offset 0: ..." (values abbreviated).
  std::string describe() const;
};

struct History {
  std::vector<Op> ops;
  bool truncated = false;  // the log was full: later operations were not recorded

  // The operations of one kind, in invocation order.
  std::vector<const Op*> of_kind(OpKind kind) const;
  // Appends `later`, whose clock started afresh, after every operation of this history.
  void append_after(History later);
};

// Strings longer than these are recorded cut short.
inline constexpr std::size_t kKeyCapacity = 64;
inline constexpr std::size_t kValueCapacity = 256;

// A fixed-size record log in shared memory. Requires: `scratch` is 8-byte aligned and outlives the
// log; only one actor records at a time (the strict baton guarantees it).
class HistoryLog {
 public:
  explicit HistoryLog(std::span<std::byte> scratch);
  // Empties the log (before an execution).
  static void reset(std::span<std::byte> scratch);
  static History read(std::span<const std::byte> scratch);

  // Records an invocation; returns its index (or npos when the log is full).
  std::size_t invoke(int actor, OpKind kind, std::string_view key, std::string_view input);
  void respond(std::size_t index, const store::Status& status, std::string_view output,
               std::uint64_t offset);

  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

 private:
  struct Record;
  struct Header;
  Header* header_;
  Record* records_;
};

class ActorContext {
 public:
  // On a store::Store: put, get, del and increment.
  ActorContext(HistoryLog& log, store::Store& store, int actor, std::span<Mutex> locks)
      : log_(log), store_(&store), actor_(actor), locks_(locks) {}
  // On an instance of a workload's store: call.
  ActorContext(HistoryLog& log, const Workload& workload, Subject& subject, int actor)
      : log_(log), workload_(&workload), subject_(&subject), actor_(actor) {}

  store::PutResult put(std::string_view key, std::string_view value);
  store::GetResult get(std::string_view key);
  store::Status del(std::string_view key);
  store::IncrementResult increment(std::string_view key, std::int64_t delta = 1);
  // Runs one of the workload's operations and records it. Requires: the context is on a workload
  // that has `call.op` (checked when the scenario is registered). A result longer than
  // kValueCapacity is recorded cut short (and compared cut short with the specification's).
  std::string call(const Call& call);
  int actor() const { return actor_; }
  // Locks owned by the process's instance, for scenarios that exercise locking itself ("a", "b").
  Mutex& lock(std::size_t i) { return locks_[i]; }

 private:
  HistoryLog& log_;
  store::Store* store_ = nullptr;
  const Workload* workload_ = nullptr;
  Subject* subject_ = nullptr;
  int actor_;
  std::span<Mutex> locks_;
};

// "BBBB...(160 bytes)" style summary of a value for messages: uniform runs are collapsed.
std::string summarize(std::string_view value);

}  // namespace interleave::scenarios
