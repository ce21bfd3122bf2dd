// What the engine runs: a Program (one execution, on the harness side) whose actors are spread over
// processes as its Topology says, each process running its part through a ProcessInstance.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "harness/execution.h"
#include "harness/trace.h"
#include "harness/verdict.h"

namespace interleave {

// Where actors live. Actor a runs in process a / threads_per_process, as thread
// a % threads_per_process of it. In-process: the actors are threads of the harness process itself
// (processes must be 1); otherwise each process is a forked worker that shares nothing with the
// others but the control block, the scratch area and the file system.
struct Topology {
  bool in_process = true;
  int processes = 1;
  int threads_per_process = 2;
  int actors() const { return processes * threads_per_process; }
  bool operator==(const Topology&) const = default;
};

// One process's part of one execution: built in that process before any actor runs, destroyed
// there after its actors finished.
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
  // The schedule token's prefix for this program ("I1:<scenario>:<store>:<mode>:<sizes>:"), so a
  // fatal signal in threads mode can still print a replay line; empty if it has none.
  virtual std::string token_prefix() const { return {}; }
  // The operations the actors performed, as spans on the step axis (for timelines); none by
  // default.
  virtual std::vector<Span> spans(std::span<const std::byte> scratch) const { return {}; }
  // The oracle, for an execution whose actors all finished. Runs on the harness side afterwards.
  virtual Verdict judge(const ExecutionResult& result, std::span<const std::byte> scratch) = 0;
};

using ProgramFactory = std::function<std::unique_ptr<Program>()>;

}  // namespace interleave
