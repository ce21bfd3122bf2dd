// A store of one's own, with operations of its own: what the harness needs to drive it and to judge
// what it did.
//
// A store that implements store::Store (put, get, del, increment) runs the built-in scenarios. A
// store with other operations (a compaction, a scan, a batch write) is described as a Workload: how
// to open an instance on a data directory, each operation (its name, how to draw its arguments for
// generated programs, how to run it), and a sequential specification, a Model, that says what each
// operation must return when operations run one at a time. Every execution's history (every call's
// invocation, arguments and result) must then be linearizable against the model: some order of
// the calls, consistent with real time, in which the model gives every result the store gave.
//
//   auto workload = interleave::WorkloadOf<SegKv>("seg-kv")
//       .open([](const std::filesystem::path& dir) { return seg_kv::open(dir); })
//       .op("put", put_args, [](SegKv& s, std::string_view args) { ...; return "ok"; })
//       .op("compact", nullptr, [](SegKv& s, std::string_view) { s.compact(); return "ok"; })
//       .model<MapModel>()
//       .finally({{"get", "a"}, {"get", "b"}})
//       .build();
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/rng.h"

namespace interleave::scenarios {

// An instance of a store of one's own, as the harness holds it (WorkloadOf wraps the user's type).
class Subject {
 public:
  virtual ~Subject() = default;
};

// One call of an operation: its name and its arguments, as printable text without '|' or ';'.
struct Call {
  std::string op;
  std::string args;
  bool operator==(const Call&) const = default;
};

// Every actor's calls, in order. Text form: "put a 1; compact | put b 2" (actors separated by
// " | ", calls by "; ", a call's name and arguments by the first space).
struct CallScript {
  std::vector<std::vector<Call>> actors;
  std::string to_string() const;
  static bool parse(std::string_view text, CallScript* out);
  // parse(), throwing std::invalid_argument for malformed text.
  static CallScript of(std::string_view text);
  std::size_t calls() const;
};

// The parts of `text` between occurrences of `sep` (n occurrences give n + 1 parts, some empty).
std::vector<std::string_view> split(std::string_view text, std::string_view sep);

// The space-separated words of an operation's arguments ("a 1" -> {"a", "1"}).
std::vector<std::string> words(std::string_view args);

// The sequential specification: a state machine whose results the store's must match.
class Model {
 public:
  virtual ~Model() = default;
  virtual std::unique_ptr<Model> clone() const = 0;
  // Applies one call to the state and returns what the store must return for it.
  virtual std::string apply(const Call& call) = 0;
  // A fingerprint of the state: equal fingerprints mean equal states (the checker memoizes on it).
  virtual std::string state() const = 0;
};

class Workload {
 public:
  struct Operation {
    std::string name;
    // Draws the arguments of a generated call (empty function: the operation takes none).
    std::function<std::string(Rng&)> arguments;
    // Runs the call on `subject` (under control: the store's yield points decide) and returns its
    // result as text (compared with the model's).
    std::function<std::string(Subject& subject, std::string_view args)> run;
  };

  std::string name;  // the store's name in tokens and reports (no ':' or space)
  // Opens (creating if missing) one instance on `dir`; throws std::runtime_error when it cannot.
  std::function<std::unique_ptr<Subject>(const std::filesystem::path& dir)> open;
  std::vector<Operation> operations;
  // The sequential specification. Empty: the store itself, run one call at a time on a fresh data
  // directory, is its own specification (as JVM tools do).
  std::function<std::unique_ptr<Model>()> model;
  // Calls run after every execution on an instance opened afresh on the data directory (after
  // "recovery"), one at a time; their results join the history and must be linearizable too.
  std::vector<Call> final_calls;

  const Operation* find(std::string_view op) const;
  // The specification's initial state: `model`, or the store itself (see above).
  std::unique_ptr<Model> specification() const;
};

// The typed front end: builds a Workload over a store type S of one's own.
template <typename S>
class WorkloadOf {
 public:
  explicit WorkloadOf(std::string name) { w_.name = std::move(name); }

  // `open(dir)` returns std::unique_ptr<S> (throws when it cannot open).
  template <typename Open>
  WorkloadOf& open(Open open) {
    w_.open = [open](const std::filesystem::path& dir) -> std::unique_ptr<Subject> {
      return std::make_unique<Held>(open(dir));
    };
    return *this;
  }
  // `run(S&, std::string_view args)` returns the result as something convertible to std::string.
  template <typename Run>
  WorkloadOf& op(std::string name, std::function<std::string(Rng&)> arguments, Run run) {
    w_.operations.push_back(
        {std::move(name), std::move(arguments), [run](Subject& s, std::string_view args) {
           return std::string(run(*static_cast<Held&>(s).store, args));
         }});
    return *this;
  }
  // The model: a Model subclass M default-constructed for every check.
  template <typename M>
  WorkloadOf& model() {
    w_.model = [] { return std::make_unique<M>(); };
    return *this;
  }
  WorkloadOf& finally(std::vector<Call> calls) {
    w_.final_calls = std::move(calls);
    return *this;
  }
  Workload build() const { return w_; }

 private:
  struct Held final : Subject {
    explicit Held(std::unique_ptr<S> s) : store(std::move(s)) {}
    std::unique_ptr<S> store;
  };
  Workload w_;
};

}  // namespace interleave::scenarios
