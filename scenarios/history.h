// The history of one execution: every store operation's invocation and response, in order.
//
// Actors run one at a time, so a plain logical clock (incremented at every invocation and every
// response) orders all events of the execution; oracles and, later, the linearizability checker
// read it. ActorContext is the handle a scenario body uses: it calls the store and records.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/seam.h"
#include "store/store.h"

namespace interleave::scenarios {

enum class OpKind { kPut, kGet, kDel, kIncrement };
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
  std::uint64_t returned_at = 0;  // 0 while the operation has not returned

  // "actor 1 get(k) -> corruption at offset 0: ..." (values abbreviated).
  std::string describe() const;
};

struct History {
  std::vector<Op> ops;
  std::uint64_t clock = 0;

  // The operations of one kind, in invocation order.
  std::vector<const Op*> of_kind(OpKind kind) const;
};

class ActorContext {
 public:
  ActorContext(History& history, store::Store& store, int actor, std::span<Mutex> locks)
      : history_(history), store_(store), actor_(actor), locks_(locks) {}

  store::PutResult put(std::string_view key, std::string_view value);
  store::GetResult get(std::string_view key);
  store::Status del(std::string_view key);
  store::IncrementResult increment(std::string_view key, std::int64_t delta = 1);
  int actor() const { return actor_; }
  // Locks owned by the execution, for scenarios that exercise locking itself (named "a", "b").
  Mutex& lock(std::size_t i) { return locks_[i]; }

 private:
  std::size_t invoke(OpKind kind, std::string_view key, std::string input);
  void respond(std::size_t index, const store::Status& status, std::string output,
               std::uint64_t offset);

  History& history_;
  store::Store& store_;
  int actor_;
  std::span<Mutex> locks_;
};

// "BBBB...(160 bytes)" style summary of a value for messages: uniform runs are collapsed.
std::string summarize(std::string_view value);

}  // namespace interleave::scenarios
