// harness/: the controlled scheduler, knowing nothing of stores. This top folder is the vocabulary
// every part shares: the seam store code sees (seam.h), the control block (control.h), schedules
// and tokens, traces, verdicts, what an execution runs (this header) and what it produces
// (execution.h), cleanup and errors of the environment; it includes nothing from the folders
// below it. strategies/ decide, scheduler/ asks them, backends/ run the actors, explore/ runs many
// executions (each folder's main header says what lives there).
//
// What the engine runs: a Program (one execution, on the harness side) whose actors are spread over
// processes as its Topology says, each process running its part through a ProcessInstance.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "harness/execution.h"
#include "harness/trace.h"
#include "harness/verdict.h"

namespace interleave {

// How an actor runs.
enum class ActorKind : std::uint8_t {
  kThread,   // a thread of the harness process (the thread-pool deployment)
  kFiber,    // a fiber on the harness's own thread (an event loop, or fast threads-mode semantics)
  kProcess,  // a thread of a worker process forked from the harness (--workers N)
  kProgram,  // an exec'd program, which takes part through the C client (harness/backends/client.h)
};
std::string_view to_string(ActorKind kind);

// Where actors live: groups of actors, numbered in order (group 0 has actors 0..n0-1, and so on).
// A group is one process as far as exploration is concerned: what it declares as memory is private
// to it. The thread and fiber groups live in the harness process and share one instance (at most
// one of them); each kProcess group is a worker process with its own instance, its actors threads
// of it; a kProgram group is a program exec'd for every execution, its first actor the program's
// main thread and the others the threads it creates, in the order it creates them (each starts as
// its creator's step creates it).
struct Topology {
  struct Group {
    ActorKind kind = ActorKind::kThread;
    int actors = 1;
    std::vector<std::string> argv;  // kProgram: the program and its arguments
    bool operator==(const Group&) const = default;
  };
  std::vector<Group> groups;
  // Fibers only: only await points switch (the event-loop deployment); otherwise every yield point
  // does, with threads-mode semantics.
  bool event_loop = false;

  static Topology threads(int n) { return {{{ActorKind::kThread, n, {}}}, false}; }
  static Topology fibers(int n, bool event_loop) {
    return {{{ActorKind::kFiber, n, {}}}, event_loop};
  }
  static Topology processes(int n) { return mixed(n, 1); }
  static Topology mixed(int processes, int threads_each) {
    return {std::vector<Group>(processes, Group{ActorKind::kProcess, threads_each, {}}), false};
  }

  int actors() const;
  // The group of an actor (its process, for which objects it shares).
  int group_of(int actor) const;
  // The first actor of a group.
  int first_of(int group) const;
  // Whether every actor lives in the harness process (threads or fibers).
  bool in_process() const;
  // The process of each actor, by actor (the group numbers).
  std::vector<int> processes_of_actors() const;
  // Rejects a topology the engine cannot run: no actors, too many, an in-process group that is not
  // the only one of its kind, a program without argv.
  std::optional<std::string> check() const;
  bool operator==(const Topology&) const = default;
};

// One process's part of one execution: built in that process before any actor runs, destroyed
// there after its actors finished.
// Thrown into an actor's body at the yield point where the strategy crashed its process
// (processes mode, --crashes; docs/crashes.md): what the process held in memory is lost, the page
// cache is not. The instance catches it, drops its store and opens it again (recovery, under
// control, while the other processes go on). Deliberately not a std::exception.
struct ProcessCrashed {};

// Thrown by a Program (by the factory that makes it, or by judge()) when the run was asked to stop
// while the program ran a command of its own (a setup, a check): the execution ends as
// Outcome::kStopped, with no verdict. Deliberately not a std::exception.
struct ExecutionStopped {};

// Thrown by a Program that cannot judge an execution for a reason of the test's own making (a check
// command that cannot run or does not end, a history it cannot read, a schedule that names what
// this build does not have): no verdict on the target. Exploration stops and reports it as an
// error; a failure found before it stands.
struct TestError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class ProcessInstance {
 public:
  virtual ~ProcessInstance() = default;
  // Actor `actor`'s work (a global actor id). Runs on the actor's thread, under control.
  virtual void body(int actor) = 0;
};

// Builds a process's instance from the program's spec. `scratch` is memory shared by every process
// of the execution and the harness (zeroed before each execution), for recording history.
using InstanceFactory = std::function<std::unique_ptr<ProcessInstance>(
    std::string_view spec, int process, std::span<std::byte> scratch)>;

// One execution, harness side. The factory that makes it does the setup (fresh data directory);
// the destructor cleans up.
class Program {
 public:
  virtual ~Program() = default;
  virtual Topology topology() const = 0;
  // Everything a process needs to build its instance (passed through shared memory).
  virtual std::string spec() const = 0;
  // Called before the processes build their instances: lay out what the program records in the
  // shared scratch memory (its contents are left from the previous execution).
  virtual void begin(std::span<std::byte> scratch) {}
  // The working directory of the programs a kProgram group execs (the data directory); "" keeps
  // the harness's.
  virtual std::string working_directory() const { return {}; }
  // Variables ("NAME=value") added to the environment of the program a kProgram group execs for
  // `actor` (they replace variables of the same name); none by default.
  virtual std::vector<std::string> environment(int actor) const { return {}; }
  // The file that program's standard output and error go to (created or truncated); "" keeps the
  // harness's.
  virtual std::string output_path(int actor) const { return {}; }
  // The schedule token's prefix for this program ("I1:<scenario>:<store>:<mode>:<sizes>:"), so a
  // fatal signal in threads mode can still print a replay line; empty if it has none.
  virtual std::string token_prefix() const { return {}; }
  // The operations the actors performed, as spans on the step axis (for timelines); none by
  // default.
  virtual std::vector<Span> spans(std::span<const std::byte> scratch) const { return {}; }
  // The oracle, for an execution whose actors all finished. Runs on the harness side afterwards.
  virtual Verdict judge(const ExecutionResult& result, std::span<const std::byte> scratch) = 0;
  // Throws EnvironmentError when the execution met an error of the machine's (an operation that
  // failed with ENOSPC), whatever its outcome: such an execution says nothing about the program,
  // not even that a replay of it diverged. Called before judging; nothing by default.
  virtual void check_environment(std::span<const std::byte> scratch) const {}
  // The verdict of an execution that did not complete (a crash, a hang, a deadlock), given the
  // engine's: a program can add what it knows (a crashed program's standard error). Unchanged by
  // default.
  virtual Verdict judge_incomplete(const ExecutionResult& result, Verdict verdict) {
    return verdict;
  }
};

using ProgramFactory = std::function<std::unique_ptr<Program>()>;

}  // namespace interleave
