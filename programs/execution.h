// One execution of a program target: a fresh directory with its data directory, the setup command
// run there uncontrolled, N workers exec'd with the shim (by the engine, from topology()), then the
// oracles: the workers' exit status, the check command, and the history the workers wrote
// (linearizability). What the execution started is ended with it (programs/leftovers.h).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "harness/program.h"
#include "programs/escapes.h"
#include "programs/spec.h"
#include "scenarios/data_dir.h"

namespace interleave::programs {

// The engine topology of `spec`: one exec'd program per worker.
Topology topology_of(const ProgramSpec& spec);

// How long a setup or check command may run by default before it is an error of the test.
inline constexpr std::chrono::milliseconds kDefaultCommandTimeout{60'000};

// What an execution needs besides the spec: when to give up on a setup or check command, and a
// flag that stops the run (Ctrl-C).
struct ExecutionSettings {
  std::chrono::milliseconds command_timeout = kDefaultCommandTimeout;
  const std::atomic<bool>* stop = nullptr;
};

class ProgramExecution : public Program {
 public:
  // Makes the execution's directories and runs the setup there. Throws EnvironmentError when the
  // directories cannot be made (or the setup fails on a full file system), TestError when the
  // setup fails or runs past the timeout, ExecutionStopped when the run is asked to stop while it
  // runs. `spec` must outlive the execution.
  ProgramExecution(const ProgramSpec& spec, std::shared_ptr<Escapes> escapes,
                   ExecutionSettings settings = {});
  // Ends what the execution started and is still running, then removes its directories.
  ~ProgramExecution() override;

  Topology topology() const override { return topology_of(spec_); }
  std::string spec() const override { return {}; }
  std::string working_directory() const override { return data_dir_; }
  std::vector<std::string> environment(int actor) const override;
  std::string output_path(int actor) const override;
  // Throws TestError when the check cannot run or does not end in time, or the history cannot be
  // read; EnvironmentError when the check fails on a full file system; ExecutionStopped on a stop.
  Verdict judge(const ExecutionResult& result, std::span<const std::byte> scratch) override;
  Verdict judge_incomplete(const ExecutionResult& result, Verdict verdict) override;

 private:
  std::string file(const char* prefix, int actor) const;
  std::vector<std::string> command_environment() const;
  void collect_escapes();

  const ProgramSpec& spec_;
  std::shared_ptr<Escapes> escapes_;
  ExecutionSettings settings_;
  scenarios::DataDir dir_;  // the execution's directory: data/, and the workers' files beside it
  std::string run_dir_;
  std::string data_dir_;
};

// The last `lines` lines of a file (at most 2000 characters), or "".
std::string tail_of(const std::string& path, int lines = 12);

}  // namespace interleave::programs
